"""``cge doctor``: the environment, and a one-second self-test.

Reports Python, the package and its dependencies, Ipopt and its linear solver,
then calibrates the small synthetic SAM shipped with the package, checks that it
replicates its benchmark, and solves a counterfactual.
"""

from __future__ import annotations

import time

from rich.console import Console

from .report import versions

console = Console()


def register(sub) -> None:
    p = sub.add_parser("doctor", help="report the environment and run a 1-second self-test")
    p.set_defaults(func=cmd_doctor)


def self_test() -> list[tuple[str, bool, str]]:
    """(check, passed, detail) for a calibrate–replicate–solve round trip on the self-test SAM."""
    from .api import Model
    from .checks import relative_residuals

    out = []
    start = time.perf_counter()
    model = Model("synthetic")
    rel = max(relative_residuals(model.m).values())
    out.append(("benchmark replicates", rel < 1e-9, f"max relative residual {rel:.1e}"))
    model.set("tw", ("labr", "a_nag"), to=0.0)
    result = model.solve("selftest")
    migrants = float(result["physical_change"].sel(fac="labr", use="a_nag"))
    out.append(("counterfactual solves", result.status.max_scaled_residual < 1e-8,
                f"{result.status.iterations} Ipopt iterations (linear solver MUMPS)"))
    out.append(("relaxed hukou moves workers to non-agriculture", migrants > 0, f"{migrants:+.3f} persons"))
    out.append(("time", time.perf_counter() - start < 10, f"{time.perf_counter() - start:.2f} s"))
    return out


def cmd_doctor(args) -> int:
    for name, version in versions().items():
        console.print(f"{name:>15}  {version}")
    ok = True
    for check, passed, detail in self_test():
        ok &= passed
        console.print(f"{'[green]ok[/green]' if passed else '[red]FAIL[/red]'}  {check}: {detail}")
    return 0 if ok else 1
