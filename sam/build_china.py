"""Build the bundled China 2020 urban-rural SAMs from the source data in sam/sources/.

    python sam/build_china.py          # write the SAM files
    python sam/build_china.py --check  # rebuild in memory; exit 1 if a shipped file differs

Writes, for the 2-sector SAM (``china2020``) and the 42-sector SAM
(``china2020_42``): ``<name>.csv`` (square matrix, rows receive, columns pay,
100 million yuan), ``<name>_accounts.csv`` (label, kind, commodity) and
``<name>_provenance.csv`` (one row per nonzero cell: row, col, value, sources,
method, status). Every number comes from a fact id in ``sources/facts.csv``,
``sources/facts_second_pass.csv`` (the later word where both have an id) or
``sources/build_facts.csv`` (this build's own assumptions and table ids), or
from the NBS input-output tables in ``sources/``. sam/README.md explains
every block. Only numpy, pandas and the standard library are used; floats are
written with ``repr`` so the files reproduce bit-exactly.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cge.bundled import build_main

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
FACT_FILES = ("facts.csv", "facts_second_pass.csv", "build_facts.csv")
UNIT = "100 million yuan"
STATUS_ORDER = ("documented", "derived", "assumed")
TEN_K_YUAN = 1e-4  # 10,000 yuan -> 100 million yuan

# Non-sector accounts, in SAM order (labels are unique across the SAM).
FACTORS = ("labr", "labu", "cap", "fld", "ucl", "ccl")
OTHER_ACCOUNTS = (
    ("rur", "hh"), ("urb", "hh"), ("ent", "ent"), ("gov", "gov"), ("wdg", "wdg"),
    ("tdir", "tdir"), ("timp", "timp"), ("tact", "tact"), ("sav", "sav"), ("row", "row"),
)


# --------------------------------------------------------------------------- facts

def load_facts() -> dict[str, dict]:
    """Fact rows by id; a later file overrides an earlier one (second pass is the later word)."""
    facts: dict[str, dict] = {}
    for name in FACT_FILES:
        with open(SOURCES / name, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                facts[row["id"]] = row
    return facts


class Facts:
    """Numeric access to fact rows: ``num(id)`` or ``part(id, k)`` for 'a / b / c' values."""

    def __init__(self, rows: dict[str, dict]):
        self.rows = rows

    def num(self, fid: str) -> float:
        return float(self.rows[fid]["value"])

    def part(self, fid: str, k: int) -> float:
        return float(self.rows[fid]["value"].split("/")[k])


# --------------------------------------------------------------------------- IO data

@dataclass
class IOData:
    """An IO table in 100 million yuan, competitive-import form, one product per sector.

    ``z`` is intermediate use (commodity rows x activity columns); the Series
    are indexed by sector code. ``hr``/``hu``/``g`` are rural-resident,
    urban-resident and government consumption, ``inv`` GFCF plus inventory
    change, ``ex`` exports, ``im`` imports (valued as in the IO table, tariffs
    included). ``src`` maps each item to the source ids cited in provenance.
    """

    codes: list[str]
    agr: str
    z: pd.DataFrame
    go: pd.Series
    comp: pd.Series
    npt: pd.Series
    dep: pd.Series
    os: pd.Series
    hr: pd.Series
    hu: pd.Series
    g: pd.Series
    inv: pd.Series
    ex: pd.Series
    im: pd.Series
    src: dict[str, callable]


def io_two_sector() -> IOData:
    """The 153-product table summed to AGR (001-005) and NAG (006-153): io2020_2sector.json."""
    d = json.loads((SOURCES / "io2020_2sector.json").read_text())
    codes = ["agr", "nag"]
    key = {"agr": "A", "nag": "N"}
    s = lambda item: pd.Series({c: d[f"{item}_{key[c]}"] for c in codes})  # noqa: E731
    z = pd.DataFrame([[d["Z_AA"], d["Z_AN"]], [d["Z_NA"], d["Z_NN"]]], index=codes, columns=codes)
    ids = {  # fact ids (agr, nag) of each item
        "go": ("io-01", "io-02"), "comp": ("io-07", "io-08"), "npt": ("io-09", "io-10"),
        "dep": ("io-11", "io-12"), "os": ("io-13", "io-14"), "hr": ("io-19", "io-20"),
        "hu": ("io-21", "io-22"), "g": ("io-23", "io-24"), "inv": ("io-25; io-27", "io-26; io-28"),
        "ex": ("io-29", "io-30"), "im": ("io-31", "io-32"),
    }
    zid = {("agr", "agr"): "io-15", ("agr", "nag"): "io-16", ("nag", "agr"): "io-17", ("nag", "nag"): "io-18"}

    def src(item, c, a=None):
        return zid[(c, a)] if item == "z" else ids[item][codes.index(c)]

    return IOData(
        codes, "agr", z, s("GO"), s("COMP"), s("NPT"), s("DEP"), s("OS"), s("HR"), s("HU"),
        s("G"), s("GFCF") + s("INV"), s("EX"), s("IM"), {"id": src},
    )


def _concordance_153_to_42(go153: pd.Series, go42: pd.Series) -> dict[str, str]:
    """Map each 153-product code to its 42-sector code.

    Both tables list products in the same NBS order, so a 42-sector block is a
    run of consecutive 153 products; a block ends where the cumulative gross
    outputs of the two tables meet (to 1e-6 relative).
    """
    codes42 = list(go42.index)
    mapping, k, acc, target = {}, 0, 0.0, go42.iloc[0]
    for code, value in go153.items():
        mapping[code] = codes42[k]
        acc += value
        if abs(acc - target) <= 1e-6 * target and k < len(codes42) - 1:
            k += 1
            target += go42.iloc[k]
    if k != len(codes42) - 1 or abs(acc - target) > 1e-6 * target:
        raise ValueError("the 153-product table does not aggregate to the 42-sector table")
    return mapping


def io_42_sector() -> IOData:
    """The 42-sector NBS table (domestic + imported rows summed to competitive form).

    The 42-sector table has only total final consumption (TC); its split into
    rural households, urban households and government uses the product shares
    of the 153-product table (FU101/FU102/FU103) summed to the 42 sectors.
    """
    t = pd.read_csv(SOURCES / "china_2020_42.csv", dtype={"Code": str})
    codes = [f"{i:02d}" for i in range(1, 43)]
    dom = t[t["Origin"] == "Domestic"].set_index("Code")
    imp = t[t["Origin"] == "Imports"].set_index("Code")
    tot = t[t["Origin"] == "TOT"].set_index("Code")
    use = (dom[codes + ["TC", "FU201", "FU202", "EX"]] + imp[codes + ["TC", "FU201", "FU202", "EX"]]) * TEN_K_YUAN
    z = use[codes].loc[codes]
    im = imp[codes + ["TC", "FU201", "FU202", "EX"]].sum(axis=1).loc[codes] * TEN_K_YUAN
    go = dom["GO"].loc[codes] * TEN_K_YUAN
    va = lambda r: tot.loc[r, codes].astype(float) * TEN_K_YUAN  # noqa: E731

    t153 = pd.read_csv(SOURCES / "china_2020_153.csv", dtype={"Code": str}).set_index("Code")
    prod = [c for c in t153.index if c.isdigit()]
    conc = _concordance_153_to_42(t153.loc[prod, "GO"], dom["GO"].loc[codes])
    fc = t153.loc[prod, ["FU101", "FU102", "FU103"]].groupby(conc).sum().loc[codes]
    share = fc.div(fc.sum(axis=1).replace(0.0, 1.0), axis=0)
    tc = use["TC"].loc[codes]

    def src(item, c, a=None):
        return "io42-table; io153-table" if item in ("hr", "hu", "g") else "io42-table"

    return IOData(
        codes, "01", z, go, va("VA001"), va("VA002"), va("VA003"), va("VA004"),
        tc * share["FU101"], tc * share["FU102"], tc * share["FU103"],
        (use["FU201"] + use["FU202"]).loc[codes], use["EX"].loc[codes], im, {"id": src},
    )


# --------------------------------------------------------------------------- SAM builder

class SamBuilder:
    """Accounts plus cells, each cell with its sources, method and status."""

    def __init__(self, accounts: list[tuple[str, str, str]]):
        self.accounts = accounts
        self.labels = [a[0] for a in accounts]
        self.cells: dict[tuple[str, str], float] = {}
        self.prov: dict[tuple[str, str], list[tuple[str, str, str]]] = {}

    def add(self, row: str, col: str, value: float, sources: str, method: str, status: str) -> None:
        """Add ``value`` to cell (row, col) and record where it came from."""
        assert row in self.labels and col in self.labels, (row, col)
        assert status in STATUS_ORDER, status
        self.cells[(row, col)] = self.cells.get((row, col), 0.0) + float(value)
        self.prov.setdefault((row, col), []).append((sources, method, status))

    def sources_of(self, label: str) -> str:
        """The source ids of every cell so far in the row or column of ``label`` (for totals and residuals)."""
        ids = [s.strip() for (r, c), parts in self.prov.items() if label in (r, c) for p in parts for s in p[0].split(";")]
        return "; ".join(sorted(set(ids)))

    def status_of(self, label: str) -> str:
        """The weakest status of any cell so far in the row or column of ``label``, at least 'derived'."""
        found = [p[2] for (r, c), parts in self.prov.items() if label in (r, c) for p in parts] + ["derived"]
        return max(found, key=STATUS_ORDER.index)

    def row_total(self, label: str) -> float:
        return sum(v for (r, _), v in self.cells.items() if r == label)

    def col_total(self, label: str) -> float:
        return sum(v for (_, c), v in self.cells.items() if c == label)

    def matrix(self) -> pd.DataFrame:
        m = pd.DataFrame(0.0, index=self.labels, columns=self.labels)
        for (r, c), v in self.cells.items():
            m.loc[r, c] = v
        return m

    def provenance(self) -> pd.DataFrame:
        rows = []
        for (r, c), parts in sorted(self.prov.items(), key=lambda kv: (self.labels.index(kv[0][0]), self.labels.index(kv[0][1]))):
            value = self.cells[(r, c)]
            if value == 0.0:
                continue
            sources = "; ".join(dict.fromkeys(s.strip() for p in parts for s in p[0].split(";")))
            method = " + ".join(p[1] for p in parts)
            status = max((p[2] for p in parts), key=STATUS_ORDER.index)
            rows.append((r, c, value, sources, method, status))
        return pd.DataFrame(rows, columns=["row", "col", "value", "sources", "method", "status"])


def act(code: str) -> str:
    return f"a_{code}"


def com(code: str) -> str:
    return f"c_{code}"


def migrant_consumption_share(f: Facts) -> float:
    """Share m of urban-resident consumption made by rural-hukou urban residents (A3).

    Urban-hukou population = hukou urbanisation x census total; rural-hukou urban
    residents = urban residents - urban-hukou population; each spends A3 times an
    urban-hukou person: m = mig*A3 / (mig*A3 + urban_hukou).
    """
    urb = f.num("pop-04") / 100 * f.num("pop-08")
    mig = f.num("pop-01") - urb
    return mig * f.num("assumption-03") / (mig * f.num("assumption-03") + urb)


def wedge_rates(f: Facts) -> dict[tuple[str, str], float]:
    """tw(f, a) by (factor, 'agr'|'nag'): the second-pass recommended values."""
    return {("labr", "nag"): f.num("v2-rec-02"), ("ccl", "nag"): f.num("v2-rec-04"), ("cap", "agr"): f.num("v2-rec-05")}


def build(d: IOData, f: Facts) -> SamBuilder:
    """Construct the balanced SAM for the IO table ``d`` (see sam/README.md, block by block)."""
    accounts = [(act(c), "act", com(c)) for c in d.codes] + [(com(c), "com", "") for c in d.codes]
    accounts += [(x, "fac", "") for x in FACTORS] + [(lab, kind, "") for lab, kind in OTHER_ACCOUNTS]
    b = SamBuilder(accounts)
    sid = d.src["id"]
    agr, nag = d.agr, [c for c in d.codes if c != d.agr]
    tw = wedge_rates(f)

    # -- commodities: intermediate use, make, trade, final demand
    for c in d.codes:
        for a in d.codes:
            if d.z.loc[c, a] != 0.0:
                b.add(com(c), act(a), d.z.loc[c, a], sid("z", c, a), "IO intermediate use", "documented")
        b.add(act(c), com(c), d.go[c], sid("go", c), "IO gross output (diagonal make)", "documented")
        b.add(com(c), "row", d.ex[c], sid("ex", c), "IO exports", "documented")
        b.add(com(c), "gov", d.g[c], sid("g", c), "IO government consumption", "documented")
        b.add(com(c), "sav", d.inv[c], sid("inv", c), "IO GFCF + inventory change", "documented")
    tariffs = f.num("government-11") * d.im / d.im.sum()
    for c in d.codes:
        b.add("timp", com(c), tariffs[c], "government-11; " + sid("im", c) + "; sam-05",
              "MOF tariffs x commodity share of IO imports", "assumed")
        b.add("row", com(c), d.im[c] - tariffs[c], sid("im", c) + "; government-11; sam-05",
              "IO imports (tariff-inclusive) - tariffs = c.i.f. imports", "derived")
    m = migrant_consumption_share(f)
    msrc = "pop-01; pop-04; pop-08; assumption-03"
    for c in d.codes:
        b.add(com(c), "rur", d.hr[c], sid("hr", c), "IO rural-resident consumption", "documented")
        b.add(com(c), "rur", m * d.hu[c], sid("hu", c) + "; " + msrc,
              "IO urban-resident consumption x share of rural-hukou urban residents (A3)", "assumed")
        b.add(com(c), "urb", (1 - m) * d.hu[c], sid("hu", c) + "; " + msrc,
              "IO urban-resident consumption x (1 - share of rural-hukou urban residents) (A3)", "assumed")

    # -- agriculture's factors: land carve-out, collective construction land, capital with subsidy
    fa = d.comp[agr] + d.dep[agr] + d.os[agr]
    fa_src = f"{sid('comp', agr)}; {sid('dep', agr)}; {sid('os', agr)}"
    fld = f.num("assumption-01") * fa
    rent_mu = f.num("assumption-02") / f.num("sam-03")  # 100m yuan per 10k mu
    ccl_agr = rent_mu * f.num("sam-04")
    b.add("fld", act(agr), fld, fa_src + "; assumption-01", "A1 land-rent share x AGR factor income", "assumed")
    b.add("ccl", act(agr), ccl_agr, "assumption-02; sam-03; sam-04",
          "owner rent per mu of ccl in non-agriculture x ccl area used by agriculture", "assumed")
    b.add("labr", act(agr), d.comp[agr] - fld - ccl_agr, sid("comp", agr) + "; assumption-01; assumption-11; sam-04",
          "AGR compensation (incl. farm mixed income) - farmland rent - ccl rent; all AGR labour rural-hukou (A11)", "assumed")
    cap_agr = d.dep[agr] + d.os[agr]
    b.add("cap", act(agr), cap_agr, f"{sid('dep', agr)}; {sid('os', agr)}", "IO depreciation + operating surplus", "documented")
    w_cap = tw[("cap", "agr")] * cap_agr
    b.add("wdg", act(agr), w_cap, "v2-rec-05; sam-10", "tw(cap,agr) x S(cap,agr)", "assumed")
    b.add("tact", act(agr), d.npt[agr] - w_cap, sid("npt", agr) + "; v2-rec-05; sam-10",
          "IO net production taxes - capital subsidy moved to the wedge", "derived")

    # -- non-agriculture: migrants' receipts, wedges inside documented payments
    labr_nag = f.num("labour-01") * f.num("labour-06") * 12 * TEN_K_YUAN
    ucl_tot, ccl_nag = f.num("fof-10"), f.num("assumption-02")
    comp_sh = d.comp[nag] / d.comp[nag].sum()
    gos = (d.dep[nag] + d.os[nag]).clip(lower=0.0)
    gos_sh = gos / gos.sum()
    split = "" if len(nag) == 1 else " x sector share (sam-12)"
    split_src = "" if len(nag) == 1 else "; sam-12"
    for a in nag:
        cs, gs = f"{sid('comp', a)}", f"{sid('dep', a)}; {sid('os', a)}"
        lr, uc, cc = labr_nag * comp_sh[a], ucl_tot * gos_sh[a], ccl_nag * gos_sh[a]
        h, l_ = tw[("labr", "nag")], tw[("ccl", "nag")]
        b.add("labr", act(a), lr, "labour-01; labour-06" + split_src,
              "migrant workers x monthly income x 12 (owner receipts, net of the hukou wedge)" + split, "derived")
        b.add("labu", act(a), d.comp[a] - (1 + h) * lr, cs + "; labour-01; labour-06; v2-rec-02; sam-11" + split_src,
              "IO compensation - (1 + tw_hukou) x migrant receipts", "derived")
        b.add("ucl", act(a), uc, "fof-10; assumption-12" + split_src, "FoF 2019 land rent received by government (A12)" + split, "assumed")
        b.add("ccl", act(a), cc, "assumption-02" + split_src, "A2 owner rent on collective construction land" + split, "assumed")
        b.add("cap", act(a), d.dep[a] + d.os[a] - uc - (1 + l_) * cc, gs + "; fof-10; assumption-02; v2-rec-04; sam-11" + split_src,
              "IO depreciation + operating surplus - ucl rent - (1 + tw_land) x ccl rent", "derived")
        b.add("wdg", act(a), h * lr + l_ * cc, "v2-rec-02; v2-rec-04; labour-01; labour-06; assumption-02" + split_src,
              "tw(labr,nag) x S(labr,a) + tw(ccl,nag) x S(ccl,a)", "assumed")
        b.add("tact", act(a), d.npt[a], sid("npt", a), "IO net production taxes", "documented")

    # -- factor income distribution
    for fac, owner, why in (("labr", "rur", "rural-hukou labour income"), ("labu", "urb", "urban-hukou labour income"),
                            ("fld", "rur", "farmland rent to contracting households (A10)"),
                            ("ccl", "rur", "collective construction land rent to collective members"),
                            ("ucl", "gov", "urban state land rent to government")):
        b.add(owner, fac, b.row_total(fac), b.sources_of(fac), why, b.status_of(fac))
    to_row = f.num("na-01") - f.num("na-05")
    b.add("row", "cap", to_row, "na-01; na-05; sam-07", "GDP - GNI: net primary income paid abroad", "derived")
    b.add("ent", "cap", b.row_total("cap") - to_row, "sam-08", "capital income to enterprises", "derived")

    # -- taxes and government
    pit, cit = f.num("government-09"), f.num("government-08")
    b.add("tdir", "rur", pit * (f.part("assumption-06", 0) + f.part("assumption-06", 1)), "government-09; assumption-06",
          "PIT x (rural + migrant share) (A6)", "assumed")
    b.add("tdir", "urb", pit * f.part("assumption-06", 2), "government-09; assumption-06", "PIT x urban share (A6)", "assumed")
    b.add("tdir", "ent", cit, "government-08", "corporate income tax", "documented")
    for t in ("tdir", "timp", "tact"):
        b.add("gov", t, b.row_total(t), b.sources_of(t), "tax revenue to government", b.status_of(t))
    b.add("gov", "wdg", b.row_total("wdg"), b.sources_of("wdg"), "wedge revenue (recipient gov)", "assumed")
    ss, conv = f.num("government-16"), f.num("land-31")
    b.add("rur", "gov", ss * (f.part("assumption-08", 0) + f.part("assumption-08", 1)), "government-16; assumption-08",
          "social security & employment spending x (rural + migrant share) (A8)", "assumed")
    b.add("rur", "gov", conv * f.num("assumption-09"), "land-31; assumption-09",
          "expropriation compensation = A9 x land conveyance revenue", "assumed")
    b.add("urb", "gov", ss * f.part("assumption-08", 2), "government-16; assumption-08",
          "social security & employment spending x urban share (A8)", "assumed")
    b.add("gov", "ent", f.num("government-05") - f.num("fof-10"), "government-05; fof-10; sam-06",
          "GPB non-tax revenue - land rent (on ucl)", "assumed")
    b.add("gov", "ent", conv, "land-31", "state land conveyance revenue (capital transfer from developers)", "documented")

    # -- household property income and the NA-survey reconciliation (sam/README.md)
    prop = f.num("fof-08") - f.num("fof-07")
    b.add("rur", "ent", prop * (f.part("assumption-07", 0) + f.part("assumption-07", 1)), "fof-07; fof-08; assumption-07; assumption-13",
          "FoF 2019 household net property income x (rural + migrant share) (A7, A13)", "assumed")
    b.add("urb", "ent", prop * f.part("assumption-07", 2), "fof-07; fof-08; assumption-07; assumption-13",
          "FoF 2019 household net property income x urban share (A7, A13)", "assumed")
    for h, sfid in (("rur", "sam-01"), ("urb", "sam-02")):
        s = f.num(sfid)
        eh = sum(b.cells.get((com(c), h), 0.0) for c in d.codes)
        yd = eh / (1 - s)  # survey-consistent disposable income
        gap = b.row_total(h) - b.cells[("tdir", h)] - yd
        if gap > 0:
            b.add("ent", h, gap, f"{sfid}; sam-09", "income above survey-consistent disposable income, routed to enterprises", "assumed")
        else:
            b.add(h, "ent", -gap, f"{sfid}; sam-09", "shortfall of survey-consistent disposable income, paid as property income by enterprises", "assumed")
        b.add("sav", h, s * yd, f"{sfid}; sam-09", "target saving rate x disposable income", "assumed")

    # -- residual savings (enterprises, government, rest of world)
    for inst in ("ent", "gov"):
        b.add("sav", inst, b.row_total(inst) - b.col_total(inst), b.sources_of(inst), "residual: income - spending", b.status_of(inst))
    b.add("sav", "row", b.row_total("row") - b.col_total("row"), b.sources_of("row"),
          "residual: foreign savings = c.i.f. imports + factor income paid abroad - exports", b.status_of("row"))
    return b


# --------------------------------------------------------------------------- 42-sector calibration

# GTAP v11b aggregate of each 42-sector code -> (ESUBD, ESUBVA for CHN); facts elasticity-01/02/05/06.
GTAP_AGG = {
    "Agriculture": (2.3, 0.26), "Coal": (3.05, 3.11), "Oil": (5.2, 0.33), "Other mining": (0.9, 0.2),
    "Food": (2.47, 1.12), "Textiles and apparel": (3.78, 1.26), "Other manufactures": (3.53, 1.26),
    "Oil products": (2.1, 1.0), "Chemicals": (3.3, 1.26), "Electronics": (4.4, 1.26),
    "Electricity and water": (2.8, 1.26), "Construction and services": (1.9, 1.26),
}
GTAP_OF = {"01": "Agriculture", "02": "Coal", "03": "Oil", "04": "Other mining", "05": "Other mining", "06": "Food",
           "07": "Textiles and apparel", "08": "Textiles and apparel", "11": "Oil products", "12": "Chemicals",
           "20": "Electronics", "21": "Electronics", "24": "Electricity and water", "25": "Electricity and water",
           "26": "Electricity and water"}
GTAP_OF.update({c: "Other manufactures" for c in ("09", "10", "13", "14", "15", "16", "17", "18", "19", "22")})
GTAP_OF.update({f"{i:02d}": "Construction and services" for i in range(23, 43) if f"{i:02d}" not in GTAP_OF})
# Factors with one use in the 2-sector SAM but many in the 42-sector SAM.
MOBILITY_42 = {
    fac: {"mobility": "perfect", "source": f"ASSUMPTION: {what} moves freely between non-agricultural sectors (one market, one price)"}
    for fac, what in (("labu", "urban-hukou labour"), ("ucl", "urban state construction land"))
}
GTAP_SRC = "GTAP Data Base v11b default.prm, CHN (elasticity-01, elasticity-02, elasticity-05, elasticity-06)"


def _toml_value(v) -> str:
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(float(v))


def _toml_table(header: str, items: dict) -> str:
    return f"[{header}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in items.items()) + "\n"


def _physical_42(phys: dict, paid: pd.Series, agr: str, nag: list[str]) -> dict:
    """2-sector satellite data on 42 sectors: a_agr's value goes to ``agr``, a_nag's is split like the SAM payments."""
    per = {agr: phys["a_agr"]} if "a_agr" in phys else {}
    if "a_nag" in phys:
        used = paid[nag][paid[nag] > 0]
        per.update({a: phys["a_nag"] * v / used.sum() for a, v in used.items()})
    head = {k: phys[k] for k in ("unit", "headcount") if k in phys}
    if "home" in phys:  # labr's home is agriculture; labu's (a_nag in the 2-sector file) is its largest use
        head["home"] = agr if phys["home"] == "a_agr" else max(per, key=per.get)
    note = "; non-agricultural total split across sectors like the SAM's factor payments (sam-12)" if "a_nag" in phys else ""
    return {**head, **per, "source": phys["source"] + note}


def calibration_42(b: SamBuilder, d: IOData) -> str:
    """calibration/china2020_42.toml: the 2-sector file's choices carried to 42 sectors.

    Households, LES Frisch and farm-goods income elasticities, factor mobility,
    the LAB and LND nests and the wedge rates are read from
    calibration/china2020.toml; Armington and value-added elasticities come from
    the GTAP v11b aggregate each sector belongs to (GTAP_OF); income elasticities
    of non-farm goods follow from Engel aggregation; persons and areas in
    non-agricultural uses are split like the SAM's factor payments (sam-12).
    """
    base = tomllib.loads((HERE.parent / "calibration" / "china2020.toml").read_text(encoding="utf-8"))
    m = b.matrix()
    agr, nag = d.agr, [c for c in d.codes if c != d.agr]
    out = ["# GENERATED by sam/build_china.py from calibration/china2020.toml and the 42-sector SAM;\n"
           "# edit those and rebuild. calibration/README.md explains every number.\n\n"]
    out.append(_toml_table("meta", {"title": "China 2020 urban-rural model, 42 sectors", "sam": "china2020_42"}))
    out.append(_toml_table("households", base["households"]))
    for h, spec in base["les"].items():
        eta_agr = spec["income_elasticity"]["c_agr"]
        w = m.loc[com(agr), h] / sum(m.loc[com(c), h] for c in d.codes)
        eta = {com(agr): eta_agr, **{com(c): round((1 - eta_agr * w) / (1 - w), 3) for c in nag}}
        out.append(_toml_table(f"les.{h}", {"frisch": spec["frisch"], "income_elasticity": eta,
                                            "source": spec["source"].split("; c_nag")[0]
                                            + f"; every non-farm good from Engel aggregation with the SAM budget share of {com(agr)} {w:.4f}"}))
    for c in d.codes:
        esubd = GTAP_AGG[GTAP_OF[c]][0]
        out.append(_toml_table(f"trade.{com(c)}", {"armington": esubd, "export_cet": base["trade"]["c_agr"]["export_cet"],
                                                    "source": f"Armington: {GTAP_SRC}, ESUBD of '{GTAP_OF[c]}'. Export CET: ASSUMPTION 2.0 (elasticity-04, v2-rec-09)"}))
    for c in d.codes:
        a = act(c)
        tmpl = base["nests"]["a_agr" if c == agr else "a_nag"]
        sva = GTAP_AGG[GTAP_OF[c]][1]
        for node, spec in tmpl.items():
            sigma, src = spec["sigma"], spec["source"]
            if node in ("VA", "KL"):
                sigma, src = sva, f"{GTAP_SRC}, ESUBVA of '{GTAP_OF[c]}'"
            out.append(_toml_table(f"nests.{a}.{node}", {"sigma": sigma, "inputs": spec["inputs"], "source": src}))
    for fac in FACTORS:
        spec = base["factors"].get(fac, {})
        top = {k: v for k, v in spec.items() if k != "physical"} or MOBILITY_42.get(fac, {})
        if top:
            out.append(_toml_table(f"factors.{fac}", top))
        if "physical" in spec:
            out.append(_toml_table(f"factors.{fac}.physical",
                                   _physical_42(spec["physical"], m.loc[fac], act(agr), [act(c) for c in nag])))
    for w in base["wedges"]:
        targets = [act(agr)] if w["activity"] == "a_agr" else [act(c) for c in nag]
        for a in targets:
            if m.loc[w["factor"], a] > 0:
                out.append("[[wedges]]\n" + "".join(f"{k} = {_toml_value(a if k == 'activity' else v)}\n" for k, v in w.items()) + "\n")
    return "".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- files

def _fmt(x) -> str:
    return repr(float(x)) if isinstance(x, (float, np.floating, int, np.integer)) and not isinstance(x, bool) else str(x)


def _csv(rows: list[list]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    for r in rows:
        w.writerow([_fmt(x) for x in r])
    return out.getvalue()


def render(b: SamBuilder) -> dict[str, str]:
    """File suffix -> text for one SAM: matrix, accounts, provenance."""
    m = b.matrix()
    matrix = _csv([["row"] + b.labels] + [[r] + list(m.loc[r]) for r in b.labels])
    accounts = f"# unit: {UNIT}\n" + _csv([["label", "kind", "commodity"]] + [list(a) for a in b.accounts])
    p = b.provenance()
    provenance = _csv([list(p.columns)] + p.values.tolist())
    return {".csv": matrix, "_accounts.csv": accounts, "_provenance.csv": provenance}


def check_balance(b: SamBuilder) -> None:
    """Every account's row total equals its column total to 1e-9 of the SAM total."""
    m = b.matrix()
    gap = (m.sum(axis=1) - m.sum(axis=0)).abs()
    if gap.max() > 1e-9 * m.values.sum():
        raise AssertionError(f"unbalanced accounts: {gap[gap > 1e-9 * m.values.sum()].to_dict()}")


def outputs() -> dict[Path, str]:
    """Every shipped file of this build and its text."""
    f = Facts(load_facts())
    files: dict[Path, str] = {}
    io42 = io_42_sector()
    sams = {"china2020": build(io_two_sector(), f), "china2020_42": build(io42, f)}
    for name, b in sams.items():
        check_balance(b)
        for suffix, text in render(b).items():
            files[HERE / f"{name}{suffix}"] = text
    files[HERE.parent / "calibration" / "china2020_42.toml"] = calibration_42(sams["china2020_42"], io42)
    return files


def main(argv: list[str] | None = None) -> int:
    return build_main(outputs, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
