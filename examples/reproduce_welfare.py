"""Reproduce the README's welfare table: every reform of ``experiments/reforms.toml``.

    python examples/reproduce_welfare.py          # all five scenarios (about 10 s)
    python examples/reproduce_welfare.py --fast   # the hukou scenario only

Runs the bundled experiment in-process (the same code path as
``cge run experiments/reforms.toml``) and prints one Markdown row per
scenario: EV by household in 100 million yuan and in % of benchmark
consumption, real GDP (% change) and the urban/rural income ratio per head.
docs/policies.md quotes these rows; tests/test_docs.py checks that they agree.
"""

from __future__ import annotations

import argparse

from cge.experiment import load_experiment
from cge.runner import run_experiment

HEADER = ["| scenario | EV rur | EV urb | EV % rur | EV % urb | real GDP % | income ratio |",
          "|---|---|---|---|---|---|---|"]


def row(ds, name: str) -> str:
    """One scenario as a Markdown row (money to 1, percentages to 2 or 3 decimals)."""
    s = ds.sel(scenario=name)
    ev, pct = s["EV"], s["EV_pct"]
    return (f"| {name} | {float(ev.sel(inst='rur')):,.0f} | {float(ev.sel(inst='urb')):,.0f} "
            f"| {float(pct.sel(inst='rur')):.2f} | {float(pct.sel(inst='urb')):.2f} "
            f"| {float(s['GDP_real_pct']):.3f} | {float(s['income_ratio']):.3f} |")


def main(fast: bool = False) -> list[str]:
    """Run the experiment (only its ``hukou`` scenario when ``fast``); return the table rows."""
    exp = load_experiment("reforms")
    if fast:
        exp.scenarios = [s for s in exp.scenarios if s.name == "hukou"]
    run = run_experiment(exp, progress=False)
    failed = [s.name for s in run.statuses if s.status != "solved"]
    if failed:
        raise SystemExit(f"scenarios failed: {', '.join(failed)}")
    return [row(run.dataset, name) for name in ["base"] + [s.name for s in exp.scenarios]]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="solve the hukou scenario only")
    args = parser.parse_args()
    print("\n".join(HEADER + main(args.fast)))
