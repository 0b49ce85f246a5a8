"""Build the synthetic test SAM ``synthetic.csv`` in the spec layout (model.md §1b).

Two activities, six factors with the three wedges of the mission, two
households, an enterprise, every tax account. Chosen cells are round numbers;
the rest (household consumption, savings, foreign savings) follow from the
balance of each account, so the SAM balances by construction.
Run: python sam/build_synthetic.py
"""

from pathlib import Path

import pandas as pd

from cge.sam import SAM, write_sam

ACCOUNTS = [
    ("a_agr", "act", "c_agr"), ("a_nag", "act", "c_nag"), ("c_agr", "com", ""), ("c_nag", "com", ""),
    ("labr", "fac", ""), ("labu", "fac", ""), ("cap", "fac", ""), ("fld", "fac", ""), ("ucl", "fac", ""),
    ("ccl", "fac", ""), ("rur", "hh", ""), ("urb", "hh", ""), ("ent", "ent", ""), ("gov", "gov", ""),
    ("wdg", "wdg", ""), ("tdir", "tdir", ""), ("tcom", "tcom", ""), ("timp", "timp", ""),
    ("tact", "tact", ""), ("sav", "sav", ""), ("row", "row", ""),
]
WEDGES = {("labr", "a_nag"): 0.2, ("ccl", "a_nag"): 0.5, ("cap", "a_agr"): -0.1}


def build() -> SAM:
    labels = [a[0] for a in ACCOUNTS]
    S = pd.DataFrame(0.0, index=labels, columns=labels)
    factors = {"a_agr": {"labr": 20, "cap": 8, "fld": 6, "ccl": 2},
               "a_nag": {"labr": 30, "labu": 60, "cap": 50, "ucl": 10, "ccl": 4}}
    inter = {"a_agr": {"c_agr": 10, "c_nag": 15}, "a_nag": {"c_agr": 12, "c_nag": 80}}
    tact = {"a_agr": 1.0, "a_nag": 5.0}
    for a, c in (("a_agr", "c_agr"), ("a_nag", "c_nag")):
        for f, v in factors[a].items():
            S.loc[f, a] = v
        for c2, v in inter[a].items():
            S.loc[c2, a] = v
        S.loc["wdg", a] = sum(WEDGES.get((f, a), 0) * v for f, v in factors[a].items())
        S.loc["tact", a] = tact[a]
        S.loc[a, c] = S[a].sum()
    S.loc["gov", "wdg"] = S.loc["wdg"].sum()
    # trade and final demand other than households
    imports, tm, tq = {"c_agr": 8.0, "c_nag": 40.0}, {"c_agr": 0.1, "c_nag": 0.05}, {"c_agr": 0.02, "c_nag": 0.04}
    exports, gov, inv = {"c_agr": 5.0, "c_nag": 45.0}, {"c_agr": 1.0, "c_nag": 30.0}, {"c_agr": 3.0, "c_nag": 50.0}
    share_rur = {"c_agr": 0.6, "c_nag": 0.45}
    for c in ("c_agr", "c_nag"):
        S.loc["row", c], S.loc["timp", c] = imports[c], tm[c] * imports[c]
        S.loc[c, "row"], S.loc[c, "gov"], S.loc[c, "sav"] = exports[c], gov[c], inv[c]
        fixed_use = S.loc[c, ["a_agr", "a_nag", "gov", "sav"]].sum()
        supply = S.loc[["a_agr", "a_nag", "row", "timp"], c].sum()
        # row total = fixed_use + X + exports; column = supply + tq·(fixed_use + X)
        X = (supply + tq[c] * fixed_use - fixed_use - exports[c]) / (1 - tq[c])
        S.loc[c, "rur"], S.loc[c, "urb"] = share_rur[c] * X, (1 - share_rur[c]) * X
        S.loc["tcom", c] = tq[c] * (fixed_use + X)
    # factor income distribution
    dist = {"labr": {"rur": 1.0}, "labu": {"urb": 1.0}, "fld": {"rur": 1.0}, "ccl": {"rur": 1.0},
            "ucl": {"gov": 1.0}, "cap": {"ent": 0.7, "rur": 0.05, "urb": 0.1, "row": 0.15}}
    for f, shares in dist.items():
        for i, sh in shares.items():
            S.loc[i, f] = sh * S.loc[f].sum()
    # enterprise: tax, saving, dividends and transfers
    y_ent = S.loc["ent"].sum()
    for i, sh in {"tdir": 0.2, "sav": 0.3, "rur": 0.1, "urb": 0.3, "gov": 0.1}.items():
        S.loc[i, "ent"] = sh * y_ent
    # transfers: government and abroad
    S.loc["rur", "gov"], S.loc["urb", "gov"] = 3.0, 4.0
    S.loc["rur", "row"], S.loc["gov", "row"] = 2.0, 1.0
    S.loc["rur", "urb"] = 2.0          # remittances
    S.loc["gov", "rur"] = 0.5          # fees
    for h, rate in (("rur", 0.02), ("urb", 0.08)):
        S.loc["tdir", h] = rate * S.loc[h].sum()
    for h in ("rur", "urb"):
        S.loc["sav", h] = S.loc[h].sum() - S[h].sum()
    for t in ("tdir", "tcom", "timp", "tact"):
        S.loc["gov", t] = S.loc[t].sum()
    S.loc["sav", "gov"] = S.loc["gov"].sum() - S["gov"].sum()
    S.loc["sav", "row"] = S["sav"].sum() - S.loc["sav"].sum()
    acc = pd.DataFrame(ACCOUNTS, columns=["label", "kind", "commodity"]).set_index("label")
    sam = SAM(S, acc, unit="test units", name="synthetic")
    sam.validate()
    return sam


if __name__ == "__main__":
    write_sam(build(), Path(__file__).with_name("synthetic.csv"))
