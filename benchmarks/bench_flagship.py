"""Benchmark (not a test): the flagship model, built once and re-solved per scenario.

For the China 2020 model (2 and 42 sectors) prints the time to calibrate and
build, compile, solve the first scenario, and re-solve warm after a parameter
change (median of 20), and the ratio of a from-scratch solve to a warm re-solve.
Run: python benchmarks/bench_flagship.py
"""

from __future__ import annotations

import statistics
import time

from cge.api import Model


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def bench(calibration: str) -> dict:
    model, build = timed(lambda: Model(calibration))
    _, compile_s = timed(lambda: model.compiled)
    labr = [k for k in model.m.tw if k[0] == "labr" and k[1] != model.cal.sets.A[0]]

    def hukou(scale: float) -> None:
        model.reset()
        for k in labr:
            model.set("tw", k, scale=scale)

    hukou(0.5)
    _, first = timed(lambda: model.solve("first"))
    warm, warm_bridge = [], []
    for j in range(20):
        hukou(0.5 - 0.02 * (j + 1))
        _, t = timed(lambda: model.solve("warm"))
        warm.append(t)
        hukou(0.5 - 0.02 * j)
        _, t = timed(lambda: model.compiled.solve())
        warm_bridge.append(t)
    scratch = build + compile_s + first
    return {"equations": len(model.compiled.equation_names), "build_s": build, "compile_s": compile_s,
            "first_s": first, "warm_ms": 1000 * statistics.median(warm),
            "bridge_ms": 1000 * statistics.median(warm_bridge),
            "scratch_over_warm": scratch / statistics.median(warm)}


def main() -> None:
    print(f"{'model':<14}{'eqs':>6}{'build_s':>9}{'compile_s':>10}{'first_s':>9}{'warm_ms':>9}"
          f"{'bridge_ms':>10}{'scratch/warm':>13}")
    for name in ("china2020", "china2020_42"):
        r = bench(name)
        print(f"{name:<14}{r['equations']:>6}{r['build_s']:>9.3f}{r['compile_s']:>10.3f}{r['first_s']:>9.3f}"
              f"{r['warm_ms']:>9.1f}{r['bridge_ms']:>10.1f}{r['scratch_over_warm']:>13.0f}")
    print("warm_ms: Model.solve after a parameter change (results captured); bridge_ms: the compiled "
          "Ipopt solve alone; scratch/warm: calibrate + build + compile + solve over a warm re-solve")


if __name__ == "__main__":
    main()
