"""Build the small test SAMs ``synthetic.csv`` and ``variant.csv`` in the spec layout (model.md §1b).

    python sam/build_test_sams.py          # write both SAMs and their accounts files
    python sam/build_test_sams.py --check  # rebuild in memory; exit 1 if a shipped file differs

Each economy is data (:class:`Economy`); one builder turns it into a SAM.
Chosen cells are round numbers; household consumption, savings and foreign
savings follow from the balance of each account, so every SAM balances by
construction.

- ``synthetic``: two activities, the six factors of the China model with the
  three wedges of the mission (all paid to gov), two households, an
  enterprise, every tax account. Used by most tests and by ``cge doctor``.
- ``variant``: what no other bundled SAM exercises. Three activities; c_agr
  and c_man are imported and exported, c_ser neither (both trade branches
  dropped, §5). lnd is used by a_agr alone, cap and labs move perfectly, lab
  by CET; labs is not used by a_agr (the calibration lists it, so the leaf is
  dropped). Four wedges (§4): two to gov (one a subsidy), one to the urban
  household and one to the enterprise, so (urb, wdg) and (ent, wdg) carry
  their revenue.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cge.bundled import build_main
from cge.sam import SAM, write_sam

HERE = Path(__file__).resolve().parent
INSTITUTIONS = [("rur", "hh", ""), ("urb", "hh", ""), ("ent", "ent", ""), ("gov", "gov", ""), ("wdg", "wdg", "")]
TAXES_AND_REST = [(t, t, "") for t in ("tdir", "tcom", "timp", "tact")] + [("sav", "sav", ""), ("row", "row", "")]


@dataclass(frozen=True)
class Economy:
    """The chosen cells of a test SAM; the builder derives the rest."""

    name: str
    acts: dict            # activity -> commodity
    factor_accounts: tuple  # factor labels, in SAM order
    factors: dict         # activity -> {factor: owner receipts}
    inter: dict           # activity -> {commodity: intermediate use}
    tact: dict            # activity -> production tax
    wedges: dict          # (factor, activity) -> (rate, recipient)
    imports: dict         # commodity -> c.i.f. imports
    tm: dict              # commodity -> tariff rate
    exports: dict
    tq: dict              # commodity -> sales tax rate
    gov: dict             # commodity -> government demand
    inv: dict             # commodity -> investment demand
    share_rur: dict       # commodity -> rural households' share of household demand
    dist: dict            # factor -> {institution: share of its income}
    ent_uses: dict        # account -> share of the enterprise's income
    transfers: dict       # (recipient, payer) -> amount
    tdir: dict            # household -> direct tax rate on its income

    def accounts(self) -> list[tuple[str, str, str]]:
        return ([(a, "act", c) for a, c in self.acts.items()] + [(c, "com", "") for c in self.acts.values()]
                + [(f, "fac", "") for f in self.factor_accounts] + INSTITUTIONS + TAXES_AND_REST)


def build(e: Economy) -> SAM:
    """The balanced SAM of economy ``e``."""
    accounts = e.accounts()
    labels = [a[0] for a in accounts]
    S = pd.DataFrame(0.0, index=labels, columns=labels)
    for a, c in e.acts.items():
        for f, v in e.factors[a].items():
            S.loc[f, a] = v
        for c2, v in e.inter[a].items():
            S.loc[c2, a] = v
        S.loc["wdg", a] = sum(e.wedges.get((f, a), (0, ""))[0] * v for f, v in e.factors[a].items())
        S.loc["tact", a] = e.tact[a]
        S.loc[a, c] = S[a].sum()
    for (f, a), (rate, recipient) in e.wedges.items():
        S.loc[recipient, "wdg"] += rate * e.factors[a][f]
    for c in e.acts.values():
        S.loc["row", c], S.loc["timp", c] = e.imports.get(c, 0.0), e.tm.get(c, 0.0) * e.imports.get(c, 0.0)
        S.loc[c, "row"], S.loc[c, "gov"], S.loc[c, "sav"] = e.exports.get(c, 0.0), e.gov[c], e.inv[c]
        fixed_use = S.loc[c, list(e.acts) + ["gov", "sav"]].sum()
        supply = S.loc[list(e.acts) + ["row", "timp"], c].sum()
        # row total = fixed_use + X + exports; column = supply + tq·(fixed_use + X)
        X = (supply + e.tq[c] * fixed_use - fixed_use - e.exports.get(c, 0.0)) / (1 - e.tq[c])
        S.loc[c, "rur"], S.loc[c, "urb"] = e.share_rur[c] * X, (1 - e.share_rur[c]) * X
        S.loc["tcom", c] = e.tq[c] * (fixed_use + X)
    for f, shares in e.dist.items():
        for i, sh in shares.items():
            S.loc[i, f] = sh * S.loc[f].sum()
    y_ent = S.loc["ent"].sum()
    for i, sh in e.ent_uses.items():
        S.loc[i, "ent"] = sh * y_ent
    for (i, j), v in e.transfers.items():
        S.loc[i, j] = v
    for h, rate in e.tdir.items():
        S.loc["tdir", h] = rate * S.loc[h].sum()
    for h in e.tdir:
        S.loc["sav", h] = S.loc[h].sum() - S[h].sum()
    for t in ("tdir", "tcom", "timp", "tact"):
        S.loc["gov", t] = S.loc[t].sum()
    S.loc["sav", "gov"] = S.loc["gov"].sum() - S["gov"].sum()
    S.loc["sav", "row"] = S["sav"].sum() - S.loc["sav"].sum()
    acc = pd.DataFrame(accounts, columns=["label", "kind", "commodity"]).set_index("label")
    sam = SAM(S, acc, unit="test units", name=e.name)
    sam.validate()
    return sam


SYNTHETIC = Economy(
    name="synthetic",
    acts={"a_agr": "c_agr", "a_nag": "c_nag"},
    factor_accounts=("labr", "labu", "cap", "fld", "ucl", "ccl"),
    factors={"a_agr": {"labr": 20, "cap": 8, "fld": 6, "ccl": 2},
             "a_nag": {"labr": 30, "labu": 60, "cap": 50, "ucl": 10, "ccl": 4}},
    inter={"a_agr": {"c_agr": 10, "c_nag": 15}, "a_nag": {"c_agr": 12, "c_nag": 80}},
    tact={"a_agr": 1.0, "a_nag": 5.0},
    wedges={("labr", "a_nag"): (0.2, "gov"), ("ccl", "a_nag"): (0.5, "gov"), ("cap", "a_agr"): (-0.1, "gov")},
    imports={"c_agr": 8.0, "c_nag": 40.0}, tm={"c_agr": 0.1, "c_nag": 0.05},
    exports={"c_agr": 5.0, "c_nag": 45.0}, tq={"c_agr": 0.02, "c_nag": 0.04},
    gov={"c_agr": 1.0, "c_nag": 30.0}, inv={"c_agr": 3.0, "c_nag": 50.0},
    share_rur={"c_agr": 0.6, "c_nag": 0.45},
    dist={"labr": {"rur": 1.0}, "labu": {"urb": 1.0}, "fld": {"rur": 1.0}, "ccl": {"rur": 1.0},
          "ucl": {"gov": 1.0}, "cap": {"ent": 0.7, "rur": 0.05, "urb": 0.1, "row": 0.15}},
    ent_uses={"tdir": 0.2, "sav": 0.3, "rur": 0.1, "urb": 0.3, "gov": 0.1},
    transfers={("rur", "gov"): 3.0, ("urb", "gov"): 4.0, ("rur", "row"): 2.0, ("gov", "row"): 1.0,
               ("rur", "urb"): 2.0, ("gov", "rur"): 0.5},    # incl. remittances urb -> rur, fees rur -> gov
    tdir={"rur": 0.02, "urb": 0.08},
)

# calibration/variant.toml states the same wedges.
VARIANT = Economy(
    name="variant",
    acts={"a_agr": "c_agr", "a_man": "c_man", "a_ser": "c_ser"},
    factor_accounts=("lab", "labs", "cap", "lnd"),
    factors={"a_agr": {"lab": 25, "cap": 6, "lnd": 10},
             "a_man": {"lab": 20, "labs": 15, "cap": 30},
             "a_ser": {"lab": 15, "labs": 25, "cap": 20}},
    inter={"a_agr": {"c_agr": 8, "c_man": 10, "c_ser": 4},
           "a_man": {"c_agr": 10, "c_man": 60, "c_ser": 15},
           "a_ser": {"c_agr": 2, "c_man": 12, "c_ser": 10}},
    tact={"a_agr": 1.0, "a_man": 4.0, "a_ser": 2.0},
    wedges={("lab", "a_man"): (0.2, "gov"), ("cap", "a_agr"): (-0.1, "gov"),
            ("labs", "a_ser"): (0.1, "urb"), ("lab", "a_ser"): (0.05, "ent")},
    imports={"c_agr": 6.0, "c_man": 30.0}, tm={"c_agr": 0.1, "c_man": 0.05},
    exports={"c_agr": 4.0, "c_man": 30.0}, tq={"c_agr": 0.02, "c_man": 0.05, "c_ser": 0.03},
    gov={"c_agr": 0.5, "c_man": 5.0, "c_ser": 20.0}, inv={"c_agr": 1.0, "c_man": 35.0, "c_ser": 10.0},
    share_rur={"c_agr": 0.6, "c_man": 0.5, "c_ser": 0.45},
    dist={"lab": {"rur": 0.8, "urb": 0.2}, "labs": {"urb": 1.0}, "lnd": {"rur": 1.0},
          "cap": {"ent": 0.6, "rur": 0.05, "urb": 0.15, "gov": 0.05, "row": 0.15}},
    ent_uses={"tdir": 0.15, "sav": 0.35, "rur": 0.15, "urb": 0.25, "gov": 0.1},
    transfers={("rur", "gov"): 3.0, ("urb", "gov"): 2.0, ("rur", "row"): 1.5, ("gov", "row"): 0.5,
               ("rur", "urb"): 1.5, ("gov", "rur"): 0.3},
    tdir={"rur": 0.02, "urb": 0.1},
)


def outputs() -> dict[Path, str]:
    """The matrix and accounts files of both economies, as :func:`cge.sam.write_sam` writes them."""
    files = {}
    with tempfile.TemporaryDirectory() as tmp:
        for economy in (SYNTHETIC, VARIANT):
            write_sam(build(economy), Path(tmp) / f"{economy.name}.csv")
        files = {HERE / p.name: p.read_text(encoding="utf-8") for p in sorted(Path(tmp).iterdir())}
    return files


def main(argv: list[str] | None = None) -> int:
    return build_main(outputs, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
