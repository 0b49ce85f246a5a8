"""Command line for sweeps: ``cge sweep EXPERIMENT.toml``."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from .experiment import load_experiment
from .run_cli import print_frame
from .sweep import run_sweep
from .sweep_report import table, write_sweep

console = Console()


def register(sub) -> None:
    p = sub.add_parser("sweep", help="sensitivity analysis or grid sweep of an experiment with a [sweep] table")
    p.add_argument("experiment", help="experiment TOML file with a [sweep] table, or a bundled name")
    p.add_argument("--draws", type=int, help="Monte Carlo draws (overrides the file's 'draws')")
    p.add_argument("--seed", type=int, help="Monte Carlo seed (overrides the file's 'seed')")
    p.add_argument("--scheduler", help="address of a running Dask scheduler (default: an embedded LocalCluster)")
    p.add_argument("--workers", type=int, default=2, help="workers of the embedded LocalCluster (default 2)")
    p.add_argument("--serial", action="store_true", help="solve in this process, without Dask")
    p.add_argument("--out", type=Path, help="output folder (default: results/<experiment name>_sweep)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args) -> int:
    exp = load_experiment(args.experiment)
    out = args.out or Path("results") / f"{exp.name}_sweep"
    run = run_sweep(exp, draws=args.draws, seed=args.seed, serial=args.serial, workers=args.workers,
                    scheduler=args.scheduler, progress=not args.quiet)
    info = write_sweep(run, out)
    frame = table(run.dataset, run.model.cal.satellite).set_index("scenario")
    print_frame(frame[[c for c in frame.columns if "(money)" not in c and c != "status"]],
                f"{info['method']} sweep of {exp.name}" + ("" if "grid" in run.dataset.dims else
                                                            f" ({len(run.design)} points)"))
    counts, times = info["counts"], info["times"]
    console.print(f"{counts['solved']} of {counts['draws']} solves done, {counts['failed']} failed "
                  f"({run.mode}, {run.cores} core(s), {times['sweep_s']:.1f} s, {times['draws_per_s']:.1f} solves/s)")
    console.print(f"results written to {out}/ (sweep.nc, summary.csv, summary.md, plots, manifest.json)")
    return 1 if counts["failed"] else 0
