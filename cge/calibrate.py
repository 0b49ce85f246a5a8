"""Calibration: a validated SAM + calibration file -> one labelled parameter set.

Implements the calibration formulas of spec §1b ("Benchmark values and
calibration of the flat parameters"). All benchmark prices are 1, so every
benchmark quantity is a SAM value. The result, :class:`Calibration`, holds the
sets (from the SAM), the parameters and benchmark values (dicts keyed by SAM
labels, tuples for two-dimensional ones) and the value-added nest trees;
:meth:`Calibration.to_dataset` gives the same as an xarray Dataset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr

from .assumptions import Assumptions, load_assumptions
from .errors import CalibrationError
from .sam import SAM, read_sam


@dataclass
class Sets:
    """Account sets read from the SAM (spec §1)."""

    A: list[str]          # activities
    C: list[str]          # commodities
    F: list[str]          # factors
    H: list[str]          # households
    E: list[str]          # enterprises
    gov: str
    row: str
    com_of: dict[str, str]            # c(a)
    act_of: dict[str, str]            # a(c)
    uses: dict[str, list[str]]        # U(f): activities using factor f
    CM: list[str]                     # commodities with imports
    CE: list[str]                     # commodities with exports
    CD: list[str]                     # commodities with domestic sales

    @property
    def I(self) -> list[str]:  # noqa: E743  (the spec's name)
        return self.H + self.E

    @property
    def IG(self) -> list[str]:
        """I ∪ {gov}: payers/recipients of domestic transfers."""
        return self.I + [self.gov]

    @property
    def IGR(self) -> list[str]:
        """I ∪ {gov, row}: recipients of factor income."""
        return self.I + [self.gov, self.row]

    @property
    def FA(self) -> list[tuple[str, str]]:
        """Factor uses (f, a)."""
        return [(f, a) for f in self.F for a in self.uses[f]]


@dataclass
class NestNode:
    """A CES node in calibrated share form (spec §2).

    ``inputs`` are child node names or factor labels (leaves); ``x0`` their
    benchmark quantities, ``p0`` their benchmark prices (1 for nodes, the user
    cost 1 + tw0 for leaves) and ``theta`` their benchmark value shares. The
    node's benchmark price is 1, so its benchmark quantity ``q0`` is its value.
    """

    name: str
    sigma: float
    inputs: list[str]
    x0: dict[str, float]
    p0: dict[str, float]
    theta: dict[str, float]
    q0: float
    is_root: bool = False


@dataclass
class Satellite:
    """Physical units of a factor (persons for labour, area for land), spec §4."""

    unit: str
    headcount: float
    home: str | None
    per_use: dict[str, float]   # benchmark persons (area) per activity


@dataclass
class Calibration:
    """Every parameter of the spec with its benchmark value, by SAM label."""

    sam: SAM
    assumptions: Assumptions
    sets: Sets
    par: dict[str, dict]            # parameter name -> {label or tuple: value}
    bench: dict[str, dict]          # variable name -> {label or tuple: benchmark value}
    nests: dict[str, dict[str, NestNode]]  # activity -> node name -> node (root first)
    root: dict[str, str]            # activity -> name of its root node
    sigma_q: dict[str, float] = field(default_factory=dict)
    omega_e: dict[str, float] = field(default_factory=dict)
    mobility: dict[str, str] = field(default_factory=dict)      # f -> single | cet | perfect
    omega_f: dict[str, float] = field(default_factory=dict)
    recipient: dict[tuple[str, str], str] = field(default_factory=dict)  # (f, a) -> institution
    satellite: dict[str, Satellite] = field(default_factory=dict)
    population: dict[str, float] = field(default_factory=dict)
    closed_economy: bool = False    # the SAM has no flows with the rest of the world
    urban: str | None = None
    rural: str | None = None

    def to_dataset(self) -> xr.Dataset:
        """Parameters and benchmark values as an xarray Dataset (one variable each)."""
        from .labels import to_dataset

        kind_dim = {"act": "act", "com": "com", "fac": "fac", "hh": "inst", "ent": "inst", "gov": "inst", "row": "inst"}

        def dims(values: dict) -> tuple | None:
            key = next(iter(values), "")
            labels = key if isinstance(key, tuple) else (key,)
            if key == "" or not all(lab in self.sam.accounts.index for lab in labels):
                return None   # scalars and nest items keep generic dimension names
            out = [kind_dim.get(self.sam.kind(lab), self.sam.kind(lab)) for lab in labels]
            return tuple(d if d not in out[:j] else f"{d}_2" for j, d in enumerate(out))

        items = {name: (values, dims(values)) for group in (self.par, self.bench) for name, values in group.items()}
        return to_dataset(items, attrs={"sam": self.sam.name, "sam_hash": self.sam.hash()})


def calibrate(sam: SAM | str | Path, assumptions: Assumptions | str | Path, tol: float = 1e-9) -> Calibration:
    """Calibrate the model of spec §1b on ``sam`` with the assumptions of a calibration file."""
    if not isinstance(assumptions, Assumptions):
        assumptions = load_assumptions(assumptions)
    if not isinstance(sam, SAM):
        sam = read_sam(sam) if sam else read_sam(assumptions.sam_path())
    sam.validate(tol=tol)
    sets = _sets(sam)
    problems: list[str] = []
    _check_labels(assumptions, sets, problems)
    if problems:
        raise CalibrationError("calibration file does not fit the SAM:\n  " + "\n  ".join(problems))
    cal = Calibration(sam=sam, assumptions=assumptions, sets=sets, par={}, bench={}, nests={}, root={},
                      closed_economy=not (sam.matrix[sets.row].abs().sum() or sam.matrix.loc[sets.row].abs().sum()))
    _production(cal, problems)
    _factors(cal, problems)
    _trade(cal, problems)
    _institutions(cal, problems)
    _demand(cal, problems)
    _reporting(cal, problems)
    if problems:
        raise CalibrationError("calibration failed:\n  " + "\n  ".join(problems))
    return cal


# --- sets -------------------------------------------------------------------

def _sets(sam: SAM) -> Sets:
    A, C, F = sam.labels("act"), sam.labels("com"), sam.labels("fac")
    row = sam.labels("row")[0]
    com_of = {a: sam.commodity_of(a) for a in A}
    act_of = {c: a for a, c in com_of.items()}
    return Sets(
        A=A, C=C, F=F, H=sam.labels("hh"), E=sam.labels("ent"),
        gov=sam.labels("gov")[0], row=row, com_of=com_of, act_of=act_of,
        uses={f: [a for a in A if sam[f, a] != 0] for f in F},
        CM=[c for c in C if sam[row, c] != 0],
        CE=[c for c in C if sam[c, row] != 0],
        CD=[c for c in C if c in act_of and sam[act_of[c], c] - sam[c, row] != 0],
    )


def _check_labels(asm: Assumptions, s: Sets, problems: list[str]) -> None:
    """Every label used in the calibration file must be a SAM account of the right kind."""

    def need(label: str, valid: list[str], where: str) -> None:
        if label not in valid:
            problems.append(f"{where}: '{label}' is not one of {', '.join(valid)}")

    for h in asm.les:
        need(h, s.H, "[les]")
        for c in asm.les[h].income_elasticity:
            need(c, s.C, f"[les.{h}].income_elasticity")
    for c in asm.trade:
        need(c, s.C, "[trade]")
    for a, tree in asm.nests.items():
        need(a, s.A, "[nests]")
        for n, node in tree.items():
            for x in node.inputs:
                if x not in tree and x not in s.F:
                    problems.append(f"[nests.{a}.{n}]: input '{x}' is neither a node of {a} "
                                    f"({', '.join(tree)}) nor a factor ({', '.join(s.F)})")
    for f, spec in asm.factors.items():
        need(f, s.F, "[factors]")
        if spec.physical and f in s.F:
            for a in spec.physical.per_use():
                need(a, s.A, f"[factors.{f}.physical]")
            if spec.physical.home is not None:
                need(spec.physical.home, s.A, f"[factors.{f}.physical].home")
    for k, w in enumerate(asm.wedges):
        need(w.factor, s.F, f"[[wedges]] #{k + 1} factor")
        need(w.activity, s.A, f"[[wedges]] #{k + 1} activity")
        need(w.recipient, s.IG, f"[[wedges]] #{k + 1} recipient")
    for i in asm.institutions:
        need(i, s.I, "[institutions]")
    hh = asm.households
    for role in (hh.urban, hh.rural):
        if role is not None:
            need(role, s.H, "[households] urban/rural")
    for h in hh.population:
        need(h, s.H, "[households].population")


# --- production (spec §3) ------------------------------------------------------

def _production(cal: Calibration, problems: list[str]) -> None:
    S, s = cal.sam, cal.sets
    tw = {(f, a): 0.0 for f, a in s.FA}
    recipient = {(f, a): s.gov for f, a in s.FA}
    for w in cal.assumptions.wedges:
        if (w.factor, w.activity) not in tw:
            problems.append(f"wedge tw({w.factor},{w.activity}): the SAM has no use of "
                            f"{w.factor} in {w.activity} (cell is zero)")
            continue
        tw[w.factor, w.activity] = w.rate
        recipient[w.factor, w.activity] = w.recipient
    cal.recipient = recipient
    wdg = S.labels("wdg")
    scale = abs(S.total) * 1e-9
    for a in s.A:
        implied = sum(tw[f, a] * S[f, a] for f in s.F if (f, a) in tw)
        cell = S[wdg[0], a] if wdg else 0.0
        if abs(cell - implied) > scale:
            problems.append(f"wedge cell (wdg, {a}) = {cell:.10g} but Σ_f tw(f,{a})·S(f,{a}) = "
                            f"{implied:.10g}: fix the cell or the wedge rates")
    for i in s.IG:
        implied = sum(tw[fa] * S[fa] for fa in tw if recipient[fa] == i)
        cell = S[i, wdg[0]] if wdg else 0.0
        if abs(cell - implied) > scale:
            problems.append(f"wedge revenue cell ({i}, wdg) = {cell:.10g} but the wedges "
                            f"whose recipient is {i} yield {implied:.10g}")

    tact = S.labels("tact")
    QA0 = {a: S.col_totals[a] for a in s.A}
    QINTA0 = {a: sum(S[c, a] for c in s.C) for a in s.A}
    QVA0 = {a: sum(S[f, a] for f in s.F) + (S[wdg[0], a] if wdg else 0.0) for a in s.A}
    cal.par.update(
        ta0={a: (S[tact[0], a] if tact else 0.0) / QA0[a] for a in s.A},
        iva={a: QVA0[a] / QA0[a] for a in s.A},
        inta={a: QINTA0[a] / QA0[a] for a in s.A},
        ica={(c, a): S[c, a] / QINTA0[a] for a in s.A for c in s.C if S[c, a] != 0},
        tw0=dict(tw),
        tfp0={a: 1.0 for a in s.A},
    )
    cal.bench.update(
        QA=QA0, PA={a: 1.0 for a in s.A}, QVA=QVA0, PVA={a: 1.0 for a in s.A},
        QINTA=QINTA0, PINTA={a: 1.0 if QINTA0[a] else 0.0 for a in s.A},  # 0: no intermediates
        QINT={(c, a): S[c, a] for a in s.A for c in s.C if S[c, a] != 0},
        QF={(f, a): S[f, a] for f, a in s.FA}, WFA={fa: 1.0 for fa in s.FA},
    )
    for a in s.A:
        tree = cal.assumptions.nests.get(a)
        if tree is None:
            problems.append(f"activity {a} has no value-added nest tree: add [nests.{a}.<node>] "
                            f"tables to the calibration file")
            continue
        _build_tree(cal, a, tree, tw, problems)


def _build_tree(cal: Calibration, a: str, tree: dict, tw: dict, problems: list[str]) -> None:
    """Turn a configured tree into calibrated nodes: drop zero leaves, pass single inputs through."""
    S, s = cal.sam, cal.sets
    children = {x for node in tree.values() for x in node.inputs}
    roots = [n for n in tree if n not in children]
    if len(roots) != 1:
        problems.append(f"nest tree of {a} must have exactly one root (a node that is no node's "
                        f"input); found {roots or 'none'}")
        return
    leaves = [x for node in tree.values() for x in node.inputs if x not in tree]
    for f in s.F:
        used = S[f, a] != 0
        count = leaves.count(f)
        if used and count != 1:
            problems.append(f"factor {f} is used by {a} in the SAM but appears {count} times as a "
                            f"leaf of the nest tree of {a} (must be exactly once)")

    def resolve(x: str, seen: tuple) -> str | None:
        """Return the effective input that ``x`` becomes (None when it vanishes)."""
        if x not in tree:
            return x if S[x, a] != 0 else None
        if x in seen:
            problems.append(f"nest tree of {a} has a cycle through {x}")
            return None
        ins = [r for r in (resolve(y, seen + (x,)) for y in tree[x].inputs) if r is not None]
        if not ins:
            return None
        if len(ins) == 1 and x != roots[0]:
            return ins[0]
        nodes[x] = list(ins)
        return x

    nodes: dict[str, list[str]] = {}
    root = roots[0]
    if resolve(root, ()) is None:
        problems.append(f"activity {a} uses no factor in the SAM")
        return
    # A root with a single child node passes it through: the child becomes the root.
    while len(nodes[root]) == 1 and nodes[root][0] in nodes:
        child = nodes.pop(root)[0]
        root = child
    values: dict[str, float] = {}

    def value(x: str) -> float:
        if x not in nodes:
            return (1 + tw[x, a]) * S[x, a]
        if x not in values:
            values[x] = sum(value(y) for y in nodes[x])
        return values[x]

    built = {}
    for n in [root] + [n for n in nodes if n != root]:
        ins = nodes[n]
        x0 = {y: (S[y, a] if y not in nodes else value(y)) for y in ins}
        p0 = {y: (1 + tw[y, a] if y not in nodes else 1.0) for y in ins}
        built[n] = NestNode(name=n, sigma=tree[n].sigma, inputs=ins, x0=x0, p0=p0,
                            theta={y: value(y) / value(n) for y in ins}, q0=value(n), is_root=n == root)
    cal.nests[a] = built
    cal.root[a] = root


# --- factor markets (spec §4) ---------------------------------------------------

def _factors(cal: Calibration, problems: list[str]) -> None:
    S, s = cal.sam, cal.sets
    specs = cal.assumptions.factors
    for f in s.F:
        uses = s.uses[f]
        spec = specs.get(f)
        if len(uses) <= 1:
            cal.mobility[f] = "single"
        elif spec is None or spec.mobility is None:
            problems.append(f"factor {f} has {len(uses)} uses ({', '.join(uses)}): declare its "
                            f"mobility in [factors.{f}] as mobility = \"cet\" (with omega) or \"perfect\"")
            continue
        else:
            cal.mobility[f] = spec.mobility
            if spec.mobility == "cet":
                if spec.omega is None:
                    problems.append(f"[factors.{f}]: mobility = \"cet\" needs omega (>= 0)")
                else:
                    cal.omega_f[f] = spec.omega
        if spec is not None and spec.physical is not None:
            cal.satellite[f] = _satellite(f, spec.physical, uses, problems)
    QFS0 = {f: sum(S[f, a] for a in s.uses[f]) for f in s.F}
    cal.par["qfsbar"] = dict(QFS0)
    cal.par["wfbar"] = {f: 1.0 for f in s.F}
    cal.bench.update(QFS=QFS0, WF={f: 1.0 for f in s.F}, YF=dict(QFS0))
    cal.par["shif"] = {(i, f): S[i, f] / S.col_totals[f] for f in s.F for i in s.IGR
                       if S[i, f] != 0 and S.col_totals[f] != 0}
    cal.bench["YIF"] = {(i, f): S[i, f] for (i, f) in cal.par["shif"]}
    for f in s.F:
        if QFS0[f] and abs(S.col_totals[f] - QFS0[f]) > 1e-9 * abs(S.total):
            problems.append(f"factor {f}: income distributed ({S.col_totals[f]:.10g}) differs "
                            f"from owner receipts ({QFS0[f]:.10g})")


def _satellite(f: str, phys, uses: list[str], problems: list[str]) -> Satellite:
    per_use = phys.per_use()
    missing = [a for a in uses if a not in per_use]
    extra = [a for a in per_use if a not in uses]
    if missing or extra:
        problems.append(f"[factors.{f}.physical]: benchmark values must be given for exactly the uses "
                        f"of {f} ({', '.join(uses)}); missing {missing}, not uses {extra}")
    total = sum(per_use.values())
    headcount = phys.headcount if phys.headcount is not None else total
    if abs(headcount - total) > 1e-9 * max(abs(total), 1.0):
        problems.append(f"[factors.{f}.physical]: headcount {headcount:.10g} must equal the sum of "
                        f"benchmark persons per use {total:.10g}")
    if phys.home is not None and phys.home not in uses:
        problems.append(f"[factors.{f}.physical]: home '{phys.home}' is not a use of {f} ({', '.join(uses)})")
    return Satellite(unit=phys.unit, headcount=headcount, home=phys.home, per_use=per_use)


# --- commodities and trade (spec §5) -------------------------------------------

def _trade(cal: Calibration, problems: list[str]) -> None:
    S, s = cal.sam, cal.sets
    row = s.row
    timp, tcom = S.labels("timp"), S.labels("tcom")
    demand_cols = s.A + s.H + [s.gov] + S.labels("sav")
    QQ0 = {c: sum(S[c, j] for j in demand_cols) for c in s.C}
    QE0 = {c: S[c, row] for c in s.C}
    QX0 = {c: S[s.act_of[c], c] for c in s.C}
    QM0 = {c: S[row, c] + (S[timp[0], c] if timp else 0.0) for c in s.C}
    tm0 = {c: (S[timp[0], c] if timp else 0.0) / S[row, c] for c in s.CM}
    cal.par.update(
        tm0=tm0, pwm0={c: 1 / (1 + tm0[c]) for c in s.CM}, pwe0={c: 1.0 for c in s.CE},
        tq0={c: (S[tcom[0], c] if tcom else 0.0) / QQ0[c] for c in s.C},
    )
    cal.bench.update(
        QX=QX0, PX={c: 1.0 for c in s.C}, QE={c: QE0[c] for c in s.CE}, PE={c: 1.0 for c in s.CE},
        QD={c: QX0[c] - QE0[c] for c in s.CD}, PDS={c: 1.0 for c in s.CD},
        QM={c: QM0[c] for c in s.CM}, PM={c: 1.0 for c in s.CM},
        QQ=QQ0, PQ={c: 1.0 for c in s.C},
    )
    for c in s.C:
        if c not in s.act_of:
            problems.append(f"commodity {c} is made by no activity")
        if QQ0[c] <= 0:
            problems.append(f"commodity {c} has no domestic absorption (its row over act, hh, gov, sav sums to {QQ0[c]:.6g})")
        t = cal.assumptions.trade.get(c)
        needs = (c in s.CM and c in s.CD) or (c in s.CE and c in s.CD)
        if t is None and needs:
            problems.append(f"commodity {c} trades: give [trade.{c}] armington and export_cet")
            continue
        cal.sigma_q[c] = t.armington if t else 0.0
        cal.omega_e[c] = t.export_cet if t else 0.0


# --- institutions and government (spec §6) ----------------------------------------

def _institutions(cal: Calibration, problems: list[str]) -> None:
    S, s = cal.sam, cal.sets
    tdir = S.labels("tdir")
    sav = S.labels("sav")[0]
    YI0 = {i: S.row_totals[i] for i in s.I}
    ty0 = {i: (S[tdir[0], i] if tdir else 0.0) / YI0[i] if YI0[i] else 0.0 for i in s.I}
    mps0 = {i: S[sav, i] / ((1 - ty0[i]) * YI0[i]) if YI0[i] else 0.0 for i in s.I}
    disposable = {i: (1 - mps0[i]) * (1 - ty0[i]) * YI0[i] for i in s.I}
    shii = {}
    for i2 in s.I:
        for i in s.IG:
            if S[i, i2] != 0:
                if disposable[i2] == 0:
                    problems.append(f"institution {i2} pays transfers but has no income after tax and saving")
                    continue
                shii[i, i2] = S[i, i2] / disposable[i2]
    for e in s.E:
        total = sum(v for (i, i2), v in shii.items() if i2 == e)
        if disposable[e] and abs(total - 1) > 1e-9:
            problems.append(f"enterprise {e} must pass all income after tax and saving to other "
                            f"institutions (its shii sum to {total:.12g}, not 1): it may not consume")
    ovr = cal.assumptions.institutions
    ty01 = {i: (ovr[i].ty01 if i in ovr and ovr[i].ty01 is not None else float(i in s.H)) for i in s.I}
    mps01 = {i: (ovr[i].mps01 if i in ovr and ovr[i].mps01 is not None else float(i in s.H)) for i in s.I}
    wdg = S.labels("wdg")
    cal.par.update(
        ty0=ty0, mps0=mps0, shii=shii, ty01=ty01, mps01=mps01,
        trnsfr_gov={i: S[i, s.gov] for i in s.I},
        trnsfr_row={i: S[i, s.row] for i in s.IG},
        qgbar={c: S[c, s.gov] for c in s.C},
        qinvbar={c: S[c, sav] for c in s.C},
        gsavbar={"": S[sav, s.gov]},
        sgov={"": S[sav, s.gov] / S.row_totals[s.gov] if S.row_totals[s.gov] else 0.0},
    )
    YW0 = {i: (S[i, wdg[0]] if wdg else 0.0) for i in s.IG if i == s.gov or i in cal.recipient.values()}
    cal.bench.update(
        YI=YI0, YW=YW0,
        TRII={k: S[k] for k in shii},
        EH={h: sum(S[c, h] for c in s.C) for h in s.H},
        QH={(c, h): S[c, h] for h in s.H for c in s.C if S[c, h] != 0},
        QG={c: S[c, s.gov] for c in s.C if S[c, s.gov] != 0},
        QINV={c: S[c, sav] for c in s.C if S[c, sav] != 0},
        YG={"": S.row_totals[s.gov]},
        EG={"": sum(S[c, s.gov] for c in s.C) + sum(S[i, s.gov] for i in s.I)},
        GSAV={"": S[sav, s.gov]}, FSAV={"": S[sav, s.row]},
        EXR={"": 1.0}, CPI={"": 1.0}, DTY={"": 0.0}, DMPS={"": 0.0},
        GADJ={"": 1.0}, IADJ={"": 1.0}, WALRAS={"": 0.0},
    )
    for i in s.IG:
        if S[i, s.gov] != 0 and i == s.gov:
            problems.append("the SAM has a (gov, gov) cell")


def _demand(cal: Calibration, problems: list[str]) -> None:
    """LES: beta = eta·w / Σ eta·w, gamma = QH0 + beta·EH0/phi (spec §6)."""
    s = cal.sets
    beta, gamma, frisch = {}, {}, {}
    for h in s.H:
        goods = [c for c in s.C if (c, h) in cal.bench["QH"]]
        spec = cal.assumptions.les.get(h)
        if spec is None:
            problems.append(f"household {h} has no [les.{h}] table (frisch, income_elasticity)")
            continue
        missing = [c for c in goods if c not in spec.income_elasticity]
        if missing:
            problems.append(f"[les.{h}].income_elasticity lacks {', '.join(missing)}")
            continue
        EH0 = cal.bench["EH"][h]
        w = {c: cal.bench["QH"][c, h] / EH0 for c in goods}
        norm = sum(spec.income_elasticity[c] * w[c] for c in goods)
        for c in goods:
            beta[c, h] = spec.income_elasticity[c] * w[c] / norm
            gamma[c, h] = cal.bench["QH"][c, h] + beta[c, h] * EH0 / spec.frisch
        frisch[h] = spec.frisch
    total = sum(cal.bench["QH"].values())
    cwts = {c: sum(v for (c2, _), v in cal.bench["QH"].items() if c2 == c) / total for c in s.C}
    cal.par.update(beta=beta, gamma=gamma, frisch=frisch, cwts=cwts)


def _reporting(cal: Calibration, problems: list[str]) -> None:
    hh = cal.assumptions.households
    cal.population = dict(hh.population)
    cal.urban, cal.rural = hh.urban, hh.rural
    for role in (cal.urban, cal.rural):
        if role is not None and role not in cal.population:
            problems.append(f"[households].population lacks {role}, needed for the urban/rural income ratio")
    for name, values in list(cal.par.items()) + list(cal.bench.items()):
        bad = [k for k, v in values.items() if not math.isfinite(v)]
        if bad:
            problems.append(f"parameter {name} is not finite at {bad[:5]}")
