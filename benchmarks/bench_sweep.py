"""Benchmark of sweeps on the flagship model (China 2020, 2 sectors), experiments/sensitivity.toml.

    /tmp/venv/bin/python benchmarks/bench_sweep.py [--workers 2] [--serial-draws 200]
                                                   [--draws 1000] [--mc-draws 2000] [--json FILE]

1. serial throughput: solves per second on one core (no Dask), scenario "all";
2. the time for ``--draws`` Monte Carlo draws of scenario "all" on an embedded
   LocalCluster of ``--workers`` workers, cluster start-up included (target: 1,000 draws
   under 30 s on 2 cores), and solves per second per core;
3. ``--mc-draws`` Monte Carlo draws against the 20-point Stroud quadrature (10 elasticities)
   for scenarios "hukou" and "all": means, standard deviations, and the gap between the
   means in Monte Carlo standard errors.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import numpy as np

from cge.experiment import Experiment, load_experiment
from cge.sweep import run_sweep
from cge.sweep_report import summary_frame

EXPERIMENT = Path(__file__).resolve().parents[1] / "experiments" / "sensitivity.toml"


def variant(exp: Experiment, **sweep) -> Experiment:
    raw = copy.deepcopy(exp.raw)
    raw["sweep"].update(sweep)
    if raw["sweep"]["method"] != "monte_carlo":
        raw["sweep"].pop("draws", None)
        raw["sweep"].pop("seed", None)
    return Experiment(raw, exp.path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--serial-draws", type=int, default=200)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--mc-draws", type=int, default=2000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    exp = load_experiment(EXPERIMENT)
    out: dict = {}

    run = run_sweep(variant(exp, scenarios=["all"]), draws=args.serial_draws, serial=True, progress=False)
    ds = run.dataset
    out["serial"] = {"draws": args.serial_draws, "failed": run.counts()["failed"],
                     "solves_per_s_per_core": run.times["draws_per_s"],
                     "median_draw_ms": 1000 * float(np.median(ds["seconds"])),
                     "mean_iterations": float(ds["iterations"].mean())}
    print(f"serial: {out['serial']['solves_per_s_per_core']:.1f} solves/s on one core, median draw "
          f"{out['serial']['median_draw_ms']:.1f} ms, {out['serial']['mean_iterations']:.2f} Ipopt iterations")

    start = time.perf_counter()
    run = run_sweep(variant(exp, scenarios=["all"]), draws=args.draws, workers=args.workers, progress=False)
    wall = time.perf_counter() - start
    out["cluster"] = {"draws": args.draws, "workers": args.workers, "wall_s": wall, **run.counts(),
                      "sweep_s": run.times["sweep_s"],
                      "solves_per_s_per_core": args.draws / run.times["sweep_s"] / run.cores}
    print(f"{args.draws} draws on a {args.workers}-worker LocalCluster: {wall:.1f} s wall "
          f"(start-up included; target < 30 s), {out['cluster']['solves_per_s_per_core']:.1f} solves/s per core, "
          f"{run.counts()['failed']} failed")

    start = time.perf_counter()
    mc = run_sweep(exp, draws=args.mc_draws, workers=args.workers, progress=False)
    mc_s = time.perf_counter() - start
    start = time.perf_counter()
    quad = run_sweep(variant(exp, method="quadrature"), workers=args.workers, progress=False)
    quad_s = time.perf_counter() - start
    satellite = mc.model.cal.satellite
    frame_mc = summary_frame(mc.dataset, satellite).set_index(["scenario", "indicator"])
    frame_q = summary_frame(quad.dataset, satellite).set_index(["scenario", "indicator"])
    rows = []
    for key in frame_mc.index:
        m, q = frame_mc.loc[key], frame_q.loc[key]
        se = m["sd"] / np.sqrt(m["solved"])
        rows.append({"scenario": key[0], "indicator": key[1], "mc_mean": m["mean"], "mc_se": se,
                     "quad_mean": q["mean"], "gap_in_se": (q["mean"] - m["mean"]) / se,
                     "mc_sd": m["sd"], "quad_sd": q["sd"]})
    out["mc_vs_quadrature"] = {"mc_draws": args.mc_draws, "mc_s": mc_s, "mc_failed": mc.counts()["failed"],
                               "quad_points": len(quad.design), "quad_s": quad_s,
                               "quad_failed": quad.counts()["failed"], "rows": rows}
    print(f"\nMonte Carlo {args.mc_draws} draws × 2 scenarios: {mc_s:.1f} s ({mc.counts()['failed']} failed); "
          f"quadrature {len(quad.design)} points × 2 scenarios: {quad_s:.1f} s")
    print(f"{'scenario':8} {'indicator':42} {'MC mean':>10} {'MC s.e.':>9} {'GQ mean':>10} {'gap/se':>7} "
          f"{'MC sd':>9} {'GQ sd':>9}")
    for r in rows:
        print(f"{r['scenario']:8} {r['indicator']:42} {r['mc_mean']:10.4g} {r['mc_se']:9.3g} {r['quad_mean']:10.4g} "
              f"{r['gap_in_se']:7.2f} {r['mc_sd']:9.3g} {r['quad_sd']:9.3g}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=float))


if __name__ == "__main__":
    main()
