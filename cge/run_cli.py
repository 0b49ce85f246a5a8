"""Command line for models and experiments: ``cge run``, ``cge check``, ``cge compare``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from .api import Model
from .experiment import load_experiment
from .report import compare_frame, macro_frame, welfare_frame, write_outputs
from .runner import run_experiment

console = Console()


def register(sub) -> None:
    p = sub.add_parser("run", help="run an experiment file and write its results")
    p.add_argument("experiment", help="experiment TOML file, or the name of a bundled one (e.g. reforms)")
    p.add_argument("--out", type=Path, help="output folder (default: results/<experiment name>)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check", help="the four model checks of the spec on a calibration")
    p.add_argument("calibration", nargs="?", default="china2020",
                   help="calibration TOML file or bundled name (default china2020)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("compare", help="compare the welfare and macro tables of result folders")
    p.add_argument("folders", nargs="+", type=Path)
    p.add_argument("--csv", type=Path, help="also write the comparison as CSV")
    p.set_defaults(func=cmd_compare)


def fmt(v) -> str:
    """Readable numbers: thousands separators for large values, 4 significant digits for small ones."""
    if not isinstance(v, float):
        return str(v)
    if pd.isna(v):
        return "—"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.2f}" if abs(v) >= 10 else f"{v:.4g}"


def print_frame(frame: pd.DataFrame, title: str) -> None:
    table = Table(title=title, show_lines=False)
    table.add_column("")
    for col in frame.columns:
        table.add_column(" ".join(map(str, col)) if isinstance(col, tuple) else str(col), justify="right")
    for idx, row in frame.iterrows():
        table.add_row(str(idx), *(fmt(v) for v in row.values))
    console.print(table)


def headline(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the macro table worth printing on a terminal (summary.md has them all)."""
    detail = ("return to ", "use of ", "output of ")
    keep = [r for r in frame.index if not r.startswith(detail) and ("(change, " in r or " in " not in r)]
    return frame.loc[keep]


def cmd_run(args) -> int:
    exp = load_experiment(args.experiment)
    out = args.out or Path("results") / exp.name
    run = run_experiment(exp, progress=not args.quiet)
    write_outputs(run, out, run.model.solver_options)
    welfare = welfare_frame(run.dataset)
    wide = welfare.pivot_table(index="scenario", columns="household", values=["EV", "EV_pct"], sort=False)
    print_frame(wide, f"Equivalent variation by household ({run.model.cal.sam.unit or 'money units'}; % of consumption)")
    print_frame(headline(macro_frame(run.dataset)).drop(columns="base", errors="ignore"), "Scenario results (all rows: summary.md)")
    failed = [s.name for s in run.statuses if s.status != "solved"]
    for s in run.statuses:
        if s.status != "solved":
            console.print(f"[red]scenario {s.name} FAILED[/red]: {s.message}")
    console.print(f"results written to {out}/ (results.nc, welfare.csv, summary.md, plots, manifest.json)")
    return 1 if failed else 0


def cmd_check(args) -> int:
    model = Model(args.calibration)
    report = model.check()
    console.print(f"SAM {model.cal.sam.name}: {len(model.cal.sets.A)} activities, {len(model.cal.sets.F)} factors, "
                  f"{len(model.cal.sets.H)} households")
    console.print(f"equations {report.equations}, free variables {report.free_variables}: "
                  + ("square" if report.equations == report.free_variables else "[red]NOT square[/red]"))
    console.print(f"benchmark replication: max relative residual {report.benchmark_residual:.2e} "
                  f"(worst {report.worst_benchmark[0][0]}; must be < 1e-9)")
    console.print(f"homogeneity: max deviation {report.homogeneity_error:.2e} with the numeraire doubled "
                  f"(worst {report.worst_homogeneity[0][0]}; must be < 1e-8)")
    console.print(f"Walras: |WALRAS| / GDP = {report.walras:.2e} (must be < 1e-8)")
    console.print("[green]all checks passed[/green]" if report.passed else "[red]checks FAILED[/red]")
    return 0 if report.passed else 1


def cmd_compare(args) -> int:
    frame = compare_frame(args.folders)
    print_frame(frame, "Comparison of runs")
    if args.csv:
        frame.to_csv(args.csv)
    return 0
