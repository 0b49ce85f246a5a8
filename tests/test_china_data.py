"""The bundled China 2020 data: reproducible, balanced, spec-conformant, and true to its sources."""

from __future__ import annotations

import csv
import importlib.util
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAM_DIR = ROOT / "sam"
CAL_DIR = ROOT / "calibration"
NAMES = ("china2020", "china2020_42")

ALLOWED = {("com", "act"), ("act", "com"), ("fac", "act"), ("wdg", "act"), ("tact", "act"), ("com", "hh"),
           ("com", "gov"), ("com", "sav"), ("com", "row"), ("row", "com"), ("timp", "com"), ("tcom", "com")}
ALLOWED |= {(r, "fac") for r in ("hh", "ent", "gov", "row")}
ALLOWED |= {(r, c) for r in ("hh", "ent", "gov") for c in ("hh", "ent", "wdg", "row")}
ALLOWED |= {(r, "gov") for r in ("hh", "ent")} | {("tdir", c) for c in ("hh", "ent")}
ALLOWED |= {("gov", t) for t in ("tdir", "tcom", "timp", "tact")} | {("sav", c) for c in ("hh", "ent", "gov", "row")}
NONNEGATIVE = {("com", "act"), ("act", "com"), ("fac", "act"), ("com", "hh"), ("com", "row"), ("row", "com")}


def _facts() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in ("facts.csv", "facts_second_pass.csv", "build_facts.csv"):
        with open(SAM_DIR / "sources" / name, newline="", encoding="utf-8") as fh:
            out.update({r["id"]: r["value"] for r in csv.DictReader(fh)})
    return out


FACTS = _facts()


def fact(fid: str) -> float:
    return float(FACTS[fid])


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    with open(SAM_DIR / f"{name}.csv", newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))  # header[0] is "row", as is the rest-of-world label
    m = pd.DataFrame([[float(x) for x in r[1:]] for r in rows], index=[r[0] for r in rows], columns=header[1:])
    acc = pd.read_csv(SAM_DIR / f"{name}_accounts.csv", comment="#", keep_default_na=False)
    return m, acc


def toml(name: str) -> dict:
    return tomllib.loads((CAL_DIR / f"{name}.toml").read_text(encoding="utf-8"))


def test_build_script_reproduces_shipped_files():
    spec = importlib.util.spec_from_file_location("build_china", SAM_DIR / "build_china.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_china"] = mod  # dataclasses resolve their module through sys.modules
    try:
        spec.loader.exec_module(mod)
    finally:
        del sys.modules["build_china"]
    assert mod.main(["--check"]) == 0


@pytest.mark.parametrize("name", NAMES)
def test_sam_is_balanced_and_obeys_cell_rules(name):
    m, acc = load(name)
    assert list(m.index) == list(m.columns) == list(acc["label"])
    assert m.columns.is_unique
    total = m.values.sum()
    gap = (m.sum(axis=1) - m.sum(axis=0)).abs()
    assert gap.max() <= 1e-9 * total, gap.idxmax()
    kind = dict(zip(acc["label"], acc["kind"]))
    makes = dict(zip(acc["label"], acc["commodity"]))
    bad, negative = [], []
    for r in m.index:
        for c in m.columns:
            v = m.loc[r, c]
            if v == 0.0:
                continue
            pair = (kind[r], kind[c])
            if pair not in ALLOWED or (pair == ("act", "com") and makes[r] != c):
                bad.append((r, c))
            if pair in NONNEGATIVE and v < 0:
                negative.append((r, c))
    assert bad == [] and negative == []
    for a in acc.loc[acc["kind"] == "act", "label"]:
        assert kind[makes[a]] == "com" and m.loc[a, makes[a]] > 0


@pytest.mark.parametrize("name", NAMES)
def test_sam_validates_with_the_package_reader(name):
    sam_mod = pytest.importorskip("cge.sam")
    if not hasattr(sam_mod, "read_sam"):
        pytest.skip("cge.sam.read_sam not available")
    sam_mod.read_sam(SAM_DIR / f"{name}.csv").validate()


@pytest.mark.parametrize("name", NAMES)
def test_provenance_covers_every_nonzero_cell_with_known_sources(name):
    m, _ = load(name)
    p = pd.read_csv(SAM_DIR / f"{name}_provenance.csv")
    nonzero = {(r, c): m.loc[r, c] for r in m.index for c in m.columns if m.loc[r, c] != 0.0}
    assert set(zip(p["row"], p["col"])) == set(nonzero)
    assert all(v == nonzero[(r, c)] for r, c, v in zip(p["row"], p["col"], p["value"]))
    assert set(p["status"]) <= {"documented", "derived", "assumed"}
    ids = {s.strip() for cell in p["sources"] for s in cell.split(";")}
    assert ids - set(FACTS) == set()


@pytest.mark.parametrize("name", NAMES)
def test_wedge_cells_equal_rates_times_owner_receipts(name):
    m, acc = load(name)
    rates = {(w["factor"], w["activity"]): w["rate"] for w in toml(name)["wedges"]}
    assert all(w["recipient"] == "gov" for w in toml(name)["wedges"])
    facs = acc.loc[acc["kind"] == "fac", "label"]
    for a in acc.loc[acc["kind"] == "act", "label"]:
        expected = sum(rates.get((f, a), 0.0) * m.loc[f, a] for f in facs)
        assert m.loc["wdg", a] == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert m.loc["gov", "wdg"] == pytest.approx(m.loc["wdg"].sum(), rel=1e-12)
    # the three policy wedges have the signs the spec requires, and every rate is used
    assert all(m.loc[f, a] > 0 for f, a in rates)
    assert {f for f, _ in rates} == {"labr", "ccl", "cap"}
    assert all(r > 0 for (f, _), r in rates.items() if f in ("labr", "ccl"))
    assert all(r < 0 for (f, _), r in rates.items() if f == "cap")


@pytest.mark.parametrize("name", NAMES)
def test_factor_uses_carry_the_frictions(name):
    m, acc = load(name)
    agr = acc.loc[acc["kind"] == "act", "label"].iloc[0]
    uses = {f: set(m.columns[m.loc[f] > 0]) for f in ("labr", "labu", "cap", "fld", "ucl", "ccl")}
    assert uses["fld"] == {agr}
    for f in ("labr", "ccl", "cap"):
        assert agr in uses[f] and len(uses[f]) >= 2
    for f in ("ucl", "labu"):
        assert agr not in uses[f] and uses[f]


def _va(m: pd.DataFrame, acc: pd.DataFrame) -> pd.Series:
    rows = list(acc.loc[acc["kind"].isin(["fac", "wdg", "tact"]), "label"])
    acts = list(acc.loc[acc["kind"] == "act", "label"])
    return m.loc[rows, acts].sum()


@pytest.mark.parametrize("name", NAMES)
def test_key_aggregates_match_sources(name):
    m, acc = load(name)
    com = list(acc.loc[acc["kind"] == "com", "label"])
    va = _va(m, acc)
    close = lambda x, y: abs(x / y - 1) < 0.01  # noqa: E731
    # GDP (value added) vs the NBS communique, and agriculture's share vs the IO table
    assert close(va.sum(), fact("na-01"))
    assert close(va.iloc[0] / va.sum(), fact("io-05") / fact("io-33"))
    # exports and imports (c.i.f. plus tariffs) vs the IO table
    assert close(m.loc[com, "row"].sum(), fact("io-29") + fact("io-30"))
    assert close(m.loc["row", com].sum() + m.loc["timp", com].sum(), fact("io-31") + fact("io-32"))
    # household consumption: the IO rural + urban total, and the hukou split of assumption A3
    total_hh = sum(fact(f"io-{k}") for k in (19, 20, 21, 22))
    rur, urb = m.loc[com, "rur"].sum(), m.loc[com, "urb"].sum()
    assert close(rur + urb, total_hh)
    pop = toml(name)["households"]["population"]
    mig = fact("pop-01") / 1e4 - pop["urb"]  # rural-hukou urban residents, 10k persons
    share = mig * fact("assumption-03") / (mig * fact("assumption-03") + pop["urb"])
    urban_res = fact("io-21") + fact("io-22")
    assert close(rur, fact("io-19") + fact("io-20") + share * urban_res)
    assert close(urb, (1 - share) * urban_res)
    # government: explicit taxes (the farm capital subsidy was moved from tact to the wedge)
    agr = acc.loc[acc["kind"] == "act", "label"].iloc[0]
    taxes = m.loc["gov", ["tdir", "tact", "timp"]].sum() + m.loc["wdg", agr]
    assert close(taxes, fact("government-04") - fact("government-10"))  # MOF taxes less import VAT
    budget = taxes + m.loc["gov", "ucl"] + m.loc["gov", "ent"] - fact("land-31")
    assert close(budget, fact("government-01") - fact("government-10"))  # general public budget revenue


def test_population_persons_and_urbanisation_match_sources():
    cal = toml("china2020")
    pop = cal["households"]["population"]
    total = pop["rur"] + pop["urb"]
    close = lambda x, y: abs(x / y - 1) < 0.01  # noqa: E731
    assert close(total, fact("pop-08") / 1e4)
    assert close(100 * pop["urb"] / total, fact("pop-04"))  # hukou urbanisation
    # resident urbanisation: urban hukou + the rural-hukou urban residents implied by the SAM's
    # split of urban-resident consumption (share = mig*A3/(mig*A3+urb), solved for mig)
    m, _ = load("china2020")
    share = m.loc[["c_agr", "c_nag"], "rur"].sum() - fact("io-19") - fact("io-20")
    share /= fact("io-21") + fact("io-22")
    mig = share * pop["urb"] / ((1 - share) * fact("assumption-03"))
    assert close(100 * (pop["urb"] + mig) / total, fact("pop-03"))
    labr = cal["factors"]["labr"]["physical"]
    assert close(labr["a_nag"], fact("labour-01"))  # migrant workers
    assert close(labr["a_agr"], fact("labour-27"))
    for name in ("china2020", "china2020_42"):
        for f in ("labr", "labu"):
            phys = toml(name)["factors"][f]["physical"]
            per_use = sum(v for k, v in phys.items() if k.startswith("a_"))
            assert per_use == pytest.approx(phys["headcount"], rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_household_saving_rates_match_the_survey_targets(name):
    m, acc = load(name)
    com = list(acc.loc[acc["kind"] == "com", "label"])
    for h, target in (("rur", fact("sam-01")), ("urb", fact("sam-02"))):
        disposable = m.loc[h].sum() - m.loc["tdir", h] - m.loc[["ent", "gov"], h].sum()
        assert m.loc["sav", h] / disposable == pytest.approx(target, rel=1e-12)
        assert m.loc[com, h].sum() + m.loc["sav", h] == pytest.approx(disposable, rel=1e-12)
    assert 0.20 <= fact("sam-01") <= 0.25 and abs(fact("sam-02") - fact("household-18")) < 1e-12


def _tables_with_numbers(node, path=()):
    if isinstance(node, dict):
        numeric = [isinstance(v, (int, float)) and not isinstance(v, bool) for v in node.values()]
        if any(numeric) and not all(numeric):  # a table, not an inline map like population = {...}
            yield path, node
        for k, v in node.items():
            yield from _tables_with_numbers(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _tables_with_numbers(v, path + (i,))


@pytest.mark.parametrize("name", NAMES)
def test_every_calibration_table_with_numbers_has_a_source(name):
    cal = toml(name)
    missing = [p for p, t in _tables_with_numbers(cal) if not t.get("source")]
    missing += [("households",)] if not cal["households"].get("source") else []
    missing += [("les", h) for h, t in cal["les"].items() if not t.get("source")]
    assert missing == []


def test_two_and_42_sector_sams_agree_on_aggregates():
    (m2, a2), (m42, a42) = load("china2020"), load("china2020_42")
    va2, va42 = _va(m2, a2), _va(m42, a42)
    assert va42.sum() == pytest.approx(va2.sum(), rel=1e-9)
    assert va42.iloc[0] == pytest.approx(va2.iloc[0], rel=1e-9)
    shared = [x for x in m2.index if x in m42.index]
    assert np.allclose(m42.loc[shared, shared].values, m2.loc[shared, shared].values, rtol=1e-9, atol=1e-6)
