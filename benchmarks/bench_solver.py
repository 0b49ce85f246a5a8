"""Benchmark of the solver bridge on synthetic square CGE-like systems.

    /tmp/venv/bin/python benchmarks/bench_solver.py [--sizes 12 120 1250] [--quick]

Each size runs in its own process (so peak RSS is per size) and reports:
build time of the Pyomo model (not part of the bridge), compile time, first
solve (a 10% shock from the benchmark), warm re-solve after a parameter change
(median of 5 alternating shocks), Ipopt iterations, peak RSS, and the same
shock under each Hessian / barrier-parameter setting; then Ipopt iterations of
hard shocks per setting (values in 1e6 units) and per scaling method.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETTINGS = [
    ("limited-memory", "adaptive"),
    ("limited-memory", "monotone"),
    ("exact", "adaptive"),
    ("exact", "monotone"),
]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(n_sectors: int, quick: bool) -> dict:
    sys.path.insert(0, str(HERE))
    import synthetic_cge
    from cge.solver import CompiledModel

    start = time.perf_counter()
    m = synthetic_cge.build(n_sectors)
    out = {"sectors": n_sectors, "build": time.perf_counter() - start, "rss_model": _rss_mb()}
    start = time.perf_counter()
    compiled = CompiledModel(m)
    out["compile"] = time.perf_counter() - start
    out["equations"] = len(compiled.equation_names)
    out["nnz"] = len(compiled.jacobian().data)
    out["benchmark_residual"] = float(compiled.residuals().abs().max())

    synthetic_cge.shock(m, 0.10)
    status = compiled.solve()
    out["hessian"] = status.compile_time  # the exact Hessian is compiled at the first solve
    out["first_solve"], out["first_iter"] = status.solve_time, status.iterations
    out["max_residual"], out["max_scaled"] = status.max_residual, status.max_scaled_residual
    warm, iters = [], []
    for k in range(5):
        synthetic_cge.shock(m, 0.12 if k % 2 == 0 else 0.10)
        start = time.perf_counter()
        status = compiled.solve()
        warm.append(time.perf_counter() - start)
        iters.append(status.iterations)
    out["warm_solve"], out["warm_iter"] = statistics.median(warm), max(iters)
    out["rss_peak"] = _rss_mb()
    out["n_compiles"] = compiled.n_compiles

    out["settings"] = {}
    for hessian, mu in [] if quick else SETTINGS:
        synthetic_cge.shock(m, 0.0)
        compiled.solve()
        options = {"hessian_approximation": hessian, "mu_strategy": mu}
        synthetic_cge.shock(m, 0.30)
        first = compiled.solve(**options)
        synthetic_cge.shock(m, 0.32)
        start = time.perf_counter()
        second = compiled.solve(**options)
        out["settings"][f"{hessian}/{mu}"] = {
            "shock_iter": first.iterations,
            "shock_time": first.solve_time,
            "warm_iter": second.iterations,
            "warm_time": time.perf_counter() - start,
        }
    return out


HARD_SHOCKS = (0.5, 2.0, 5.0, -0.5)


def hard_shocks() -> dict:
    """Iterations (or the failure status) of large shocks on a 30-sector model,
    per Hessian / mu setting (1e6 units) and per scaling method (units 1 and 1e6)."""
    sys.path.insert(0, str(HERE))
    import synthetic_cge
    from cge.errors import SolveError
    from cge.solver import CompiledModel

    def row(scale: float, **options) -> list[str]:
        cells = []
        for size in HARD_SHOCKS:
            m = synthetic_cge.build(30, scale=scale)
            compiled = CompiledModel(m)
            synthetic_cge.shock(m, size)
            try:
                cells.append(str(compiled.solve(**options).iterations))
            except SolveError as err:
                cells.append(f"fail ({err.status[:12]})")
        return cells

    table = {}
    for hessian, mu in SETTINGS:
        table[f"1e6 {hessian}/{mu}"] = row(1e6, hessian_approximation=hessian, mu_strategy=mu)
    for scale in (1.0, 1e6):
        for method in ("user-scaling", "gradient-based", "none"):
            table[f"{scale:g} scaling={method}"] = row(scale, nlp_scaling_method=method)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[12, 18, 120, 1250])
    parser.add_argument("--quick", action="store_true", help="skip the Hessian/mu settings")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.quick)))
        return
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n)] + (["--quick"] if args.quick else [])
        rows.append(json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout))

    print("hess_s: exact Hessian compile (at the first solve); total = compile + hess + first solve;")
    print("warm = median of 5 re-solves after a parameter change; RSS = peak of the process")
    print("equations   nnz  build_s compile_s  hess_s first_s (it) warm_ms (it) total_s  max_res   scaled   RSS_MB")
    for r in rows:
        total = r["compile"] + r["hessian"] + r["first_solve"]
        print(
            f"{r['equations']:9d} {r['nnz']:6d} {r['build']:7.2f} {r['compile']:9.3f} {r['hessian']:7.3f} "
            f"{r['first_solve']:7.3f} ({r['first_iter']}) {1000 * r['warm_solve']:7.1f} ({r['warm_iter']}) "
            f"{total:7.2f} {r['max_residual']:8.1e} {r['max_scaled']:8.1e} {r['rss_peak']:7.0f}"
        )
    if args.quick:
        return
    print("\n30% shock, then a warm 32% re-solve, per Hessian / mu_strategy setting")
    print("equations setting                    shock_s (it)  warm_s (it)")
    for r in rows:
        for name, s in r["settings"].items():
            print(
                f"{r['equations']:9d} {name:26s} "
                f"{s['shock_time']:8.3f} ({s['shock_iter']}) {s['warm_time']:8.3f} ({s['warm_iter']})"
            )
    print(f"\nIpopt iterations for hard shocks of size {HARD_SHOCKS} (30 sectors; units 1 or 1e6)")
    for name, cells in hard_shocks().items():
        print(f"{name:34s} " + "  ".join(f"{cell:>20s}" for cell in cells))


if __name__ == "__main__":
    main()
