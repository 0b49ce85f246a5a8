"""A policy curve: welfare along the hukou wedge, from today's 0.15 down to 0.

    python examples/hukou_curve.py                 # 7 points, writes hukou_curve.png
    python examples/hukou_curve.py --fast          # 3 points (0.15, 0.075, 0)
    python examples/hukou_curve.py --out curve.png

Builds the default China 2020 model once (``cge.Model``) and, for each value
of tw(labr, a_nag), sets the wedge and re-solves warm-started from the last
point. Prints one Markdown row per point: EV of each household (% of benchmark
consumption), the sum of EV (100 million yuan), the change
in rural-hukou workers in non-agriculture (10,000 persons), the urban/rural
income ratio and the direct-tax shifter DTY that keeps the budget neutral.
docs/policies.md quotes these rows; tests/test_docs.py checks that they agree.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cge import Model

WEDGES = [0.15, 0.125, 0.1, 0.075, 0.05, 0.025, 0.0]
HEADER = ["| tw(labr, a_nag) | EV % rur | EV % urb | EV total | migrants (10k) | income ratio | DTY |",
          "|---|---|---|---|---|---|---|"]


def curve(wedges: list[float]) -> list[dict]:
    """Solve the China model at each wedge value; one dict of results per point."""
    model = Model("china2020")
    points = []
    for tw in wedges:
        ds = model.set("tw", ("labr", "a_nag"), to=tw).solve(f"tw={tw}").dataset
        points.append({
            "tw": tw,
            "ev_pct_rur": float(ds["EV_pct"].sel(inst="rur")),
            "ev_pct_urb": float(ds["EV_pct"].sel(inst="urb")),
            "ev_total": float(ds["EV"].sum()),
            "migrants": float(ds["physical_change"].sel(fac="labr", use="a_nag")),
            "income_ratio": float(ds["income_ratio"]),
            "DTY": float(ds["DTY"]),
        })
    return points


def row(p: dict) -> str:
    return (f"| {p['tw']:.3f} | {p['ev_pct_rur']:.2f} | {p['ev_pct_urb']:.2f} | {p['ev_total']:,.0f} "
            f"| {p['migrants']:.1f} | {p['income_ratio']:.3f} | {p['DTY']:.4f} |")


def plot(points: list[dict], out: Path) -> None:
    """EV (% of consumption) of each household against the wedge, to a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    tw = [p["tw"] for p in points]
    ax.plot(tw, [p["ev_pct_rur"] for p in points], "o-", label="rural hukou (rur)")
    ax.plot(tw, [p["ev_pct_urb"] for p in points], "s-", label="urban hukou (urb)")
    ax.axhline(0, color="grey", lw=0.8)
    ax.invert_xaxis()
    ax.set_xlabel("hukou wedge tw(labr, a_nag)  (benchmark 0.15)")
    ax.set_ylabel("EV, % of benchmark consumption")
    ax.set_title("Welfare along the hukou reform")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(fast: bool = False, out: Path | None = None) -> list[str]:
    """Solve the curve (3 points when ``fast``), plot it to ``out`` if given; return the rows."""
    points = curve(WEDGES[::3] if fast else WEDGES)
    if out is not None:
        plot(points, out)
    return [row(p) for p in points]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="three points only")
    parser.add_argument("--out", type=Path, default=Path("hukou_curve.png"), help="PNG to write")
    args = parser.parse_args()
    print("\n".join(HEADER + main(args.fast, args.out)))
    print(f"plot written to {args.out}")
