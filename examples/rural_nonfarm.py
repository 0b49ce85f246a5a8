"""Extending the model: a rural non-farm activity, split out of non-agriculture.

    python examples/rural_nonfarm.py                   # build, calibrate, check, solve
    python examples/rural_nonfarm.py --out /tmp/rnf    # also write the new SAM and calibration file

The worked example of docs/extending.md. Starting from the bundled synthetic
SAM (sam/build_test_sams.py), non-agriculture ``a_nag`` is split into an urban
non-farm activity (keeps the label ``a_nag``) and a rural non-farm activity
``a_rnf`` making a new, non-traded commodity ``c_rnf`` (township and village
enterprises, rural services). ``a_rnf`` employs rural-hukou labour, capital
and collective construction land and pays no factor-use wedge: a rural-hukou
worker in a village enterprise faces no hukou barrier, and collective land
used by its own collective is not converted. The calibration file gets a nest
tree for ``a_rnf``, LES income elasticities for ``c_rnf`` and persons / area
for the new uses of ``labr`` and ``ccl``; the SAM layer and the calibration
validate the result, the model replicates its benchmark, and two scenarios
are solved on both models: the hukou wedge removed, and rural non-farm TFP.
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import pandas as pd

from cge import Model, bundled
from cge.assumptions import parse_assumptions
from cge.sam import SAM, read_sam, write_sam

NEW_ACCOUNTS = [("a_rnf", "act", "c_rnf"), ("c_rnf", "com", "")]   # inserted after a_nag and c_nag

# New values of cells (row, col); every other cell keeps its synthetic.csv value unless shifted below.
CELLS = {
    # the rural non-farm activity's column: intermediates, factors (no wedge), production tax; total 43
    ("c_agr", "a_rnf"): 4.0, ("c_nag", "a_rnf"): 14.0, ("c_rnf", "a_rnf"): 2.0,
    ("labr", "a_rnf"): 12.0, ("cap", "a_rnf"): 8.0, ("ccl", "a_rnf"): 2.0, ("tact", "a_rnf"): 1.0,
    # what stays in urban non-agriculture (was 12, 80, 30, 50, 4, 8, 5); wedge cell 0.2 x 18 + 0.5 x 2
    ("c_agr", "a_nag"): 8.0, ("c_nag", "a_nag"): 49.0, ("c_rnf", "a_nag"): 15.0,
    ("labr", "a_nag"): 18.0, ("cap", "a_nag"): 42.0, ("ccl", "a_nag"): 2.0,
    ("wdg", "a_nag"): 4.6, ("tact", "a_nag"): 4.0,
    # gross output of each activity to its commodity (was 259 = 212.6 + 43 + 3.4 of wedges)
    ("a_nag", "c_nag"): 212.6, ("a_rnf", "c_rnf"): 43.0,
    # demand for c_rnf (no imports, no exports): a_agr 3, households 15 and 5, investment 3
    ("c_rnf", "a_agr"): 3.0, ("c_rnf", "rur"): 15.0, ("c_rnf", "urb"): 5.0, ("c_rnf", "sav"): 3.0,
}
# Changes to existing cells: demand moved from c_nag to c_rnf, and the 3.4 of wedges a_rnf does not
# pay: less wedge revenue, less government saving, less investment demand for c_nag.
SHIFTS = {
    ("c_nag", "a_agr"): -3.0, ("c_nag", "rur"): -15.0, ("c_nag", "urb"): -5.0, ("c_nag", "sav"): -3.0 - 3.4,
    ("gov", "wdg"): -3.4, ("sav", "gov"): -3.4,
}
# Calibration entries for the new accounts (merged into calibration/synthetic.toml).
CALIBRATION = {
    "nests": {"a_rnf": {
        "VA": {"sigma": 0.8, "inputs": ["ccl", "KL"], "source": "ASSUMPTION: example"},
        "KL": {"sigma": 0.9, "inputs": ["cap", "labr"], "source": "ASSUMPTION: example"},
    }},
    "les": {"rur": {"c_rnf": 1.0}, "urb": {"c_rnf": 0.8}},             # income elasticities of c_rnf
    "physical": {"labr": {"a_nag": 6.0, "a_rnf": 4.0}, "ccl": {"a_nag": 1.0, "a_rnf": 1.0}},
}
# scenario -> [(parameter, index, new value)]
SCENARIOS = {"hukou": [("tw", ("labr", "a_nag"), 0.0)], "rnf_tfp": [("tfp", ("a_rnf",), 1.1)]}
HEADER = ["| model | scenario | EV % rur | EV % urb | labr in a_agr | labr in a_nag | labr in a_rnf |",
          "|---|---|---|---|---|---|---|"]


def split_sam(sam: SAM) -> SAM:
    """The synthetic SAM with a_nag split into a_nag (urban) and a_rnf (rural non-farm)."""
    labels = sam.labels()
    order = labels[:labels.index("a_nag") + 1] + ["a_rnf"] + labels[labels.index("a_nag") + 1:]
    order = order[:order.index("c_nag") + 1] + ["c_rnf"] + order[order.index("c_nag") + 1:]
    matrix = sam.matrix.reindex(index=order, columns=order, fill_value=0.0)
    for (r, c), v in CELLS.items():
        matrix.loc[r, c] = v
    for (r, c), dv in SHIFTS.items():
        matrix.loc[r, c] += dv
    accounts = pd.concat([sam.accounts, pd.DataFrame(NEW_ACCOUNTS, columns=["label", "kind", "commodity"])
                          .set_index("label")]).reindex(order)
    new = SAM(matrix, accounts, unit=sam.unit, name="synthetic_rnf")
    new.validate()                    # balance, kinds, allowed cells: raises SAMError listing every problem
    return new


def split_calibration() -> dict:
    """calibration/synthetic.toml with the entries of :data:`CALIBRATION` added."""
    raw = tomllib.loads(bundled.path("calibration", "synthetic.toml").read_text(encoding="utf-8"))
    raw["meta"].update(title="synthetic economy with a rural non-farm activity", sam="synthetic_rnf.csv")
    raw["nests"].update(CALIBRATION["nests"])
    for h, eta in CALIBRATION["les"].items():
        raw["les"][h]["income_elasticity"].update(eta)
    for f, uses in CALIBRATION["physical"].items():
        raw["factors"][f]["physical"].update(uses)
    return raw


def solve(model: Model, label: str) -> list[str]:
    """Solve each scenario whose labels the model has; one Markdown row each."""
    rows = []
    for name, shocks in SCENARIOS.items():
        if any((index[0] if len(index) == 1 else index) not in getattr(model.m, item) for item, index, _ in shocks):
            continue
        model.reset()
        for item, index, value in shocks:
            model.set(item, index, to=value)
        ds = model.solve(name).dataset
        persons = ds["physical_change"].sel(fac="labr")
        moved = [f"{float(persons.sel(use=a)):.3f}" if a in persons.use else "-" for a in ("a_agr", "a_nag", "a_rnf")]
        rows.append(f"| {label} | {name} | {float(ds['EV_pct'].sel(inst='rur')):.3f} "
                    f"| {float(ds['EV_pct'].sel(inst='urb')):.3f} | " + " | ".join(moved) + " |")
    return rows


def main(fast: bool = False, out: Path | None = None) -> list[str]:
    """Build, check and solve both models; return the table rows.

    ``fast`` runs only the benchmark-replication and square-system checks on the split
    model (not homogeneity and Walras, which solve it three more times).
    """
    sam = split_sam(read_sam(bundled.path("sam", "synthetic.csv")))
    raw = split_calibration()
    if out is not None:                # the files a user would ship: SAM, accounts table, calibration
        import tomli_w

        out.mkdir(parents=True, exist_ok=True)
        write_sam(sam, out / "synthetic_rnf.csv")
        (out / "synthetic_rnf.toml").write_text(tomli_w.dumps(raw), encoding="utf-8")
    split = Model(parse_assumptions(raw, where="synthetic_rnf"), sam=sam)
    report = split.check(solve=not fast)
    if not report.passed:
        raise SystemExit(f"the split model fails its checks: {report}")
    return solve(Model("synthetic"), "synthetic") + solve(split, "with a_rnf")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="skip the homogeneity and Walras checks")
    parser.add_argument("--out", type=Path, help="folder to write synthetic_rnf.csv and synthetic_rnf.toml")
    args = parser.parse_args()
    print("\n".join(HEADER + main(args.fast, args.out)))
