"""Sensitivity of the hukou reform to the elasticities it rests on, one at a time.

    python examples/sensitivity.py          # three elasticities x (low, base, high)
    python examples/sensitivity.py --fast   # the migration elasticity only

For each elasticity, at the low end, the base value and the high end of the
range given in calibration/README.md, removes the hukou wedge
(tw(labr, a_nag) 0.15 -> 0) on the default China 2020 model and reports EV
(% of benchmark consumption), the sum of EV (100 million yuan), the change in
rural-hukou workers in non-agriculture (10,000 persons) and the urban/rural
income ratio. The benchmark does not move with an elasticity (calibrated share
form), so every row is measured against the same base.
docs/policies.md quotes these rows; tests/test_docs.py checks that they agree.
"""

from __future__ import annotations

import argparse

from cge import Model

# (parameter, index, label, values low/base/high); ranges from calibration/README.md
CASES = [
    ("omega_f", ("labr",), "migration CET Omega(labr)", [1.0, 1.5, 3.0]),
    ("sigma_va", ("a_nag", "LAB"), "migrant-local sigma LAB(a_nag)", [1.5, 2.3, 4.0]),
    ("sigma_q", ("c_nag",), "Armington sigma_Q(c_nag)", [1.9, 2.8, 4.4]),
]
HEADER = ["| elasticity | value | EV % rur | EV % urb | EV total | migrants (10k) | income ratio |",
          "|---|---|---|---|---|---|---|"]


def run(cases) -> list[dict]:
    """Solve the hukou reform at every value of every case; one dict per solve."""
    model = Model("china2020")
    out = []
    for param, index, label, values in cases:
        for v in values:
            model.reset().set(param, index, to=v).set("tw", ("labr", "a_nag"), to=0.0)
            ds = model.solve(f"{param}={v}").dataset
            out.append({
                "label": label, "value": v,
                "ev_pct_rur": float(ds["EV_pct"].sel(inst="rur")),
                "ev_pct_urb": float(ds["EV_pct"].sel(inst="urb")),
                "ev_total": float(ds["EV"].sum()),
                "migrants": float(ds["physical_change"].sel(fac="labr", use="a_nag")),
                "income_ratio": float(ds["income_ratio"]),
            })
    return out


def row(p: dict) -> str:
    return (f"| {p['label']} | {p['value']:g} | {p['ev_pct_rur']:.2f} | {p['ev_pct_urb']:.2f} "
            f"| {p['ev_total']:,.0f} | {p['migrants']:.1f} | {p['income_ratio']:.3f} |")


def main(fast: bool = False) -> list[str]:
    """Run the cases (the first only when ``fast``); return the table rows."""
    return [row(p) for p in run(CASES[:1] if fast else CASES)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="the migration elasticity only")
    args = parser.parse_args()
    print("\n".join(HEADER + main(args.fast)))
