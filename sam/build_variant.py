"""Build the variant test SAM ``variant.csv``: the spec features no other bundled SAM exercises.

    python sam/build_variant.py          # write sam/variant.csv and sam/variant_accounts.csv
    python sam/build_variant.py --check  # rebuild in memory; exit 1 if a shipped file differs

Three activities and commodities: c_agr and c_man are imported and exported,
c_ser is neither (both trade branches dropped, model.md §5). Factors: lnd used
by a_agr alone (single use), cap and labs with perfect mobility, lab with CET.
labs is not used by a_agr (its cell is zero: the calibration's a_agr tree
lists it, so the leaf is dropped). Four wedges (§4): two to gov (one a
subsidy), one to the urban household and one to the enterprise, so the
(urb, wdg) and (ent, wdg) cells carry their revenue. Chosen cells are round
numbers; household consumption, savings and foreign savings follow from the
balance of each account, so the SAM balances by construction.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

from cge.bundled import build_main
from cge.sam import SAM, write_sam

HERE = Path(__file__).resolve().parent
NAME = "variant"
ACTS = {"a_agr": "c_agr", "a_man": "c_man", "a_ser": "c_ser"}
ACCOUNTS = ([(a, "act", c) for a, c in ACTS.items()] + [(c, "com", "") for c in ACTS.values()]
            + [(f, "fac", "") for f in ("lab", "labs", "cap", "lnd")]
            + [("rur", "hh", ""), ("urb", "hh", ""), ("ent", "ent", ""), ("gov", "gov", ""), ("wdg", "wdg", "")]
            + [(t, t, "") for t in ("tdir", "tcom", "timp", "tact")] + [("sav", "sav", ""), ("row", "row", "")])
# (factor, activity) -> (rate, recipient); calibration/variant.toml states the same wedges.
WEDGES = {("lab", "a_man"): (0.2, "gov"), ("cap", "a_agr"): (-0.1, "gov"),
          ("labs", "a_ser"): (0.1, "urb"), ("lab", "a_ser"): (0.05, "ent")}
FACTORS = {"a_agr": {"lab": 25, "cap": 6, "lnd": 10},
           "a_man": {"lab": 20, "labs": 15, "cap": 30},
           "a_ser": {"lab": 15, "labs": 25, "cap": 20}}
INTER = {"a_agr": {"c_agr": 8, "c_man": 10, "c_ser": 4},
         "a_man": {"c_agr": 10, "c_man": 60, "c_ser": 15},
         "a_ser": {"c_agr": 2, "c_man": 12, "c_ser": 10}}
TACT = {"a_agr": 1.0, "a_man": 4.0, "a_ser": 2.0}
IMPORTS, TM = {"c_agr": 6.0, "c_man": 30.0}, {"c_agr": 0.1, "c_man": 0.05}
EXPORTS = {"c_agr": 4.0, "c_man": 30.0}
TQ = {"c_agr": 0.02, "c_man": 0.05, "c_ser": 0.03}
GOV, INV = {"c_agr": 0.5, "c_man": 5.0, "c_ser": 20.0}, {"c_agr": 1.0, "c_man": 35.0, "c_ser": 10.0}
SHARE_RUR = {"c_agr": 0.6, "c_man": 0.5, "c_ser": 0.45}
DIST = {"lab": {"rur": 0.8, "urb": 0.2}, "labs": {"urb": 1.0}, "lnd": {"rur": 1.0},
        "cap": {"ent": 0.6, "rur": 0.05, "urb": 0.15, "gov": 0.05, "row": 0.15}}
ENT_USES = {"tdir": 0.15, "sav": 0.35, "rur": 0.15, "urb": 0.25, "gov": 0.1}   # shares of its income


def build() -> SAM:
    labels = [a[0] for a in ACCOUNTS]
    S = pd.DataFrame(0.0, index=labels, columns=labels)
    for a, c in ACTS.items():
        for f, v in FACTORS[a].items():
            S.loc[f, a] = v
        for c2, v in INTER[a].items():
            S.loc[c2, a] = v
        S.loc["wdg", a] = sum(WEDGES.get((f, a), (0, ""))[0] * v for f, v in FACTORS[a].items())
        S.loc["tact", a] = TACT[a]
        S.loc[a, c] = S[a].sum()
    for (f, a), (rate, recipient) in WEDGES.items():
        S.loc[recipient, "wdg"] += rate * FACTORS[a][f]
    for c in ACTS.values():
        S.loc["row", c], S.loc["timp", c] = IMPORTS.get(c, 0.0), TM.get(c, 0.0) * IMPORTS.get(c, 0.0)
        S.loc[c, "row"], S.loc[c, "gov"], S.loc[c, "sav"] = EXPORTS.get(c, 0.0), GOV[c], INV[c]
        fixed_use = S.loc[c, list(ACTS) + ["gov", "sav"]].sum()
        supply = S.loc[list(ACTS) + ["row", "timp"], c].sum()
        # row total = fixed_use + X + exports; column = supply + tq·(fixed_use + X)
        X = (supply + TQ[c] * fixed_use - fixed_use - EXPORTS.get(c, 0.0)) / (1 - TQ[c])
        S.loc[c, "rur"], S.loc[c, "urb"] = SHARE_RUR[c] * X, (1 - SHARE_RUR[c]) * X
        S.loc["tcom", c] = TQ[c] * (fixed_use + X)
    for f, shares in DIST.items():
        for i, sh in shares.items():
            S.loc[i, f] = sh * S.loc[f].sum()
    y_ent = S.loc["ent"].sum()
    for i, sh in ENT_USES.items():
        S.loc[i, "ent"] = sh * y_ent
    S.loc["rur", "gov"], S.loc["urb", "gov"] = 3.0, 2.0
    S.loc["rur", "row"], S.loc["gov", "row"] = 1.5, 0.5
    S.loc["rur", "urb"] = 1.5          # remittances
    S.loc["gov", "rur"] = 0.3          # fees
    for h, rate in (("rur", 0.02), ("urb", 0.1)):
        S.loc["tdir", h] = rate * S.loc[h].sum()
    for h in ("rur", "urb"):
        S.loc["sav", h] = S.loc[h].sum() - S[h].sum()
    for t in ("tdir", "tcom", "timp", "tact"):
        S.loc["gov", t] = S.loc[t].sum()
    S.loc["sav", "gov"] = S.loc["gov"].sum() - S["gov"].sum()
    S.loc["sav", "row"] = S["sav"].sum() - S.loc["sav"].sum()
    acc = pd.DataFrame(ACCOUNTS, columns=["label", "kind", "commodity"]).set_index("label")
    sam = SAM(S, acc, unit="test units", name=NAME)
    sam.validate()
    return sam


def outputs() -> dict[Path, str]:
    """The matrix and accounts files, as :func:`cge.sam.write_sam` writes them."""
    with tempfile.TemporaryDirectory() as tmp:
        write_sam(build(), Path(tmp) / f"{NAME}.csv")
        return {HERE / p.name: p.read_text(encoding="utf-8") for p in sorted(Path(tmp).iterdir())}


def main(argv: list[str] | None = None) -> int:
    return build_main(outputs, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
