"""An independent implementation of the model spec (docs/model.md), to cross-check the package.

Written from the spec alone: it reads the SAM, its accounts table and the
calibration TOML itself, calibrates as spec §1b says, and solves the
equations of §3–§7 as one square system in unknowns scaled by their benchmark
values (scipy's hybrid Powell method). Results are ``name -> {index: value}``
with the spec's names and the package's index order, e.g.
``r["QF"][("labr", "a_nag")]``; scalars use the index ``""``.

    >>> r = SpecModel("synthetic").set("tw", ("labr", "a_nag"), to=0.0).solve()

The numeraire (CPI, EXR or a factor label, spec §6) is fixed at the level
``par["numeraire"]`` (1 at the benchmark; 2 doubles it, spec §9.2).
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import root

ROOT = Path(__file__).resolve().parents[1]
# Judged by the price/rate epsilon of the spec's agreement rule (the rest are money or quantities).
PRICES = {"PA", "PVA", "PINTA", "PX", "PE", "PDS", "PM", "PQ", "WFA", "WFU", "WF", "PN", "EXR", "CPI",
          "GADJ", "IADJ", "DTY", "DMPS", "income_ratio", "income_ratio0", "EV_pct", "GDP_real_pct"}


@dataclass(frozen=True)
class Closure:
    """Spec §7 and the numeraire of §6 (its level is the parameter ``numeraire``)."""

    government: str = "budget_neutral"      # or gsav_free
    savings: str = "savings_driven"         # or investment_driven
    foreign: str = "flex_exchange"          # or fixed_exchange
    unemployment: tuple[str, ...] = ()      # factors with a wage floor WF = wfbar·CPI
    numeraire: str = "CPI"                  # or EXR, or a factor label (its WF)

    def __post_init__(self):
        """Spec §6: a numeraire that a closure fixes as well is refused."""
        if self.numeraire == "EXR" and self.foreign == "fixed_exchange":
            raise ValueError("numeraire EXR with fixed_exchange fixes EXR twice")
        if self.numeraire in self.unemployment:
            raise ValueError(f"numeraire WF({self.numeraire}) with unemployment of {self.numeraire} fixes it twice")


def read_sam(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The SAM matrix (labels in first column and header) and the accounts table."""
    raw = pd.read_csv(ROOT / "sam" / f"{name}.csv", header=None, dtype=str)   # no header: labels may repeat its corner
    sam = pd.DataFrame(raw.iloc[1:, 1:].astype(float).values, index=raw.iloc[1:, 0], columns=raw.iloc[0, 1:])
    assert list(sam.index) == list(sam.columns), f"{name}: row and column labels differ"
    acc = pd.read_csv(ROOT / "sam" / f"{name}_accounts.csv", comment="#", dtype=str, keep_default_na=False)
    return sam, acc


def ces_index(theta, rel, rho: float) -> float:
    """[Σ θ rel^ρ]^(1/ρ), the geometric mean Π rel^θ at ρ = 0 (rel = p/p0).

    CES unit cost: ρ = 1 − σ; CET price index: ρ = 1 + Ω.
    """
    theta, rel = np.asarray(theta, float), np.asarray(rel, float)
    if rho == 0:
        return float(np.prod(rel ** theta))
    return float(np.sum(theta * rel ** rho) ** (1 / rho))


@dataclass
class Node:
    """A CES node of a value-added tree; inputs are factor labels or child Nodes."""

    name: str
    sigma: float
    inputs: list
    p0: list      # benchmark input prices (1 + tw0 for a leaf, 1 for a node)
    x0: list      # benchmark input quantities
    theta: list   # benchmark value shares
    q0: float     # benchmark quantity = value (price 1)


def node_prices(node: Node, leaf: dict, tfp: float, top: bool = True) -> dict:
    """Unit cost of every node, bottom-up: P = (P0/A)·CES(p_j/p0_j), P0 = 1, A = tfp on the top node."""
    out: dict = {}
    rel = []
    for k, p0 in zip(node.inputs, node.p0):
        if isinstance(k, str):
            rel.append(leaf[k] / p0)
        else:
            out.update(node_prices(k, leaf, tfp, top=False))
            rel.append(out[k.name] / p0)
    out[node.name] = ces_index(node.theta, rel, 1 - node.sigma) / (tfp if top else 1.0)
    return out


def node_demand(node: Node, Q: float, leaf: dict, tfp: float, prices: dict, top: bool = True) -> dict:
    """Quantity of every node and leaf: X_j = X0_j·(Q/Q0)·(1/A)·(A·P·p0_j/(P0·p_j))^σ."""
    A = tfp if top else 1.0
    out = {node.name: Q}
    for k, p0, x0 in zip(node.inputs, node.p0, node.x0):
        pk = leaf[k] if isinstance(k, str) else prices[k.name]
        X = x0 * Q / node.q0 / A * (A * prices[node.name] * p0 / pk) ** node.sigma
        out.update({k: X} if isinstance(k, str) else node_demand(k, X, leaf, tfp, prices, top=False))
    return out


class SpecModel:
    """A calibrated model (spec §1b) with mutable parameters ``self.par``."""

    def __init__(self, name: str, closure: Closure | None = None):
        self.cfg = tomllib.loads((ROOT / "calibration" / f"{name}.toml").read_text())
        self.closure = closure or Closure()
        sam, acc = read_sam(self.cfg["meta"]["sam"])
        self.total = float(sam.values.sum())
        kind = dict(zip(acc["label"], acc["kind"]))

        def of(k):
            return [x for x in acc["label"] if kind[x] == k]
        self.A, self.C, self.F, self.H, self.E = of("act"), of("com"), of("fac"), of("hh"), of("ent")
        self.I = self.H + self.E
        self.acct = {k: (of(k) or [None])[0] for k in ("gov", "row", "sav", "wdg", "tdir", "tcom", "timp", "tact")}
        self.gov, self.row = self.acct["gov"], self.acct["row"]
        self.com_of = {a: c for a, c in zip(acc["label"], acc["commodity"]) if kind[a] == "act"}
        self.act = {c: a for a, c in self.com_of.items()}
        self.sam = sam
        self._calibrate()
        self.reset()

    def S(self, r, c) -> float:
        return float(self.sam.at[r, c]) if r is not None and c is not None else 0.0

    # ------------------------------------------------------------------ calibration (§1b)
    def _calibrate(self) -> None:
        S, cfg, A, C, F, I, gov, row, acct = (self.S, self.cfg, self.A, self.C, self.F, self.I,
                                              self.gov, self.row, self.acct)
        self.uses = {f: [a for a in A if S(f, a) != 0] for f in F}
        self.QF0 = {(f, a): S(f, a) for f in F for a in self.uses[f]}
        given = {(w["factor"], w["activity"]): w["rate"] for w in cfg.get("wedges", [])}
        self.recipient = {(w["factor"], w["activity"]): w.get("recipient", "gov") for w in cfg.get("wedges", [])}
        tw = {fa: given.get(fa, 0.0) for fa in self.QF0}
        self._check_wedges(tw)
        # production
        self.QA0 = {a: float(self.sam[a].sum()) for a in A}
        QINTA0 = {a: sum(S(c, a) for c in C) for a in A}
        self.ica = {(c, a): S(c, a) / QINTA0[a] for c in C for a in A}
        self.QVA0 = {a: sum(S(f, a) for f in F) + S(acct["wdg"], a) for a in A}
        self.iva = {a: self.QVA0[a] / self.QA0[a] for a in A}
        self.inta = {a: QINTA0[a] / self.QA0[a] for a in A}
        self.trees = {a: self._tree(a, tw) for a in A}
        # commodities and trade
        self.QE0 = {c: S(c, row) for c in C}
        self.QX0 = {c: S(a, c) for a, c in self.com_of.items()}
        self.QD0 = {c: self.QX0[c] - self.QE0[c] for c in C}
        self.QM0 = {c: S(row, c) + S(acct["timp"], c) for c in C}
        tm0 = {c: S(acct["timp"], c) / S(row, c) if S(row, c) else 0.0 for c in C}
        self.QQ0 = {c: sum(S(c, k) for k in A + self.H + [gov, acct["sav"]]) for c in C}
        tq0 = {c: S(acct["tcom"], c) / self.QQ0[c] for c in C}
        self.trade = {c: cfg["trade"][c] for c in C}
        self.uc0 = {c: 1 - tq0[c] for c in C}   # benchmark Armington unit cost
        # institutions
        self.YI0 = {i: float(self.sam.loc[i].sum()) for i in I}
        ty0 = {i: S(acct["tdir"], i) / self.YI0[i] for i in I}
        mps0 = {i: S(acct["sav"], i) / ((1 - ty0[i]) * self.YI0[i]) for i in I}
        self.shii = {(i, j): S(i, j) / ((1 - mps0[j]) * (1 - ty0[j]) * self.YI0[j])
                     for i in I + [gov] for j in I if S(i, j)}
        recv = I + [gov, row]
        self.shif = {(i, f): S(i, f) / sum(S(k, f) for k in recv) for i in recv for f in F if S(i, f)}
        inst = {k: cfg.get("institutions", {}).get(k, {}) for k in I}
        default = {i: 1.0 if i in self.H else 0.0 for i in I}
        self.ty01 = {i: inst[i].get("ty01", default[i]) for i in I}
        self.mps01 = {i: inst[i].get("mps01", default[i]) for i in I}
        # demand: LES (spec §6), Cobb–Douglas where no [les.h] table
        self.QH0 = {(c, h): S(c, h) for c in C for h in self.H}
        self.EH0 = {h: sum(self.QH0[c, h] for c in C) for h in self.H}
        self.beta, self.gamma = {}, {}
        for h in self.H:
            les = cfg.get("les", {}).get(h, {"frisch": -1.0, "income_elasticity": {}})
            eta = {c: les["income_elasticity"].get(c, 1.0) for c in C}
            w = {c: self.QH0[c, h] / self.EH0[h] for c in C}
            for c in C:
                self.beta[c, h] = eta[c] * w[c] / sum(eta[k] * w[k] for k in C)
                self.gamma[c, h] = self.QH0[c, h] + self.beta[c, h] * self.EH0[h] / les["frisch"]
        cw = {c: sum(self.QH0[c, h] for h in self.H) for c in C}
        self.cwts = {c: cw[c] / sum(cw.values()) for c in C}
        self.GSAV0, self.FSAV0 = S(acct["sav"], gov), S(acct["sav"], row)
        self.QFS0 = {f: sum(self.QF0[f, a] for a in self.uses[f]) for f in F}
        self.mobility = {f: ("single" if len(self.uses[f]) == 1 else cfg["factors"][f]["mobility"]) for f in F}
        self.par0 = {
            "tw": tw, "tfp": {a: 1.0 for a in A}, "ta": {a: S(acct["tact"], a) / self.QA0[a] for a in A},
            "tq": tq0, "tm": tm0, "pwm": {c: 1 / (1 + tm0[c]) for c in C}, "pwe": {c: 1.0 for c in C},
            "qfsbar": dict(self.QFS0), "wfbar": {f: 1.0 for f in F}, "ty0": ty0, "mps0": mps0,
            "qgbar": {c: S(c, gov) for c in C}, "qinvbar": {c: S(c, acct["sav"]) for c in C},
            "trnsfr_gov": {i: S(i, gov) for i in I}, "trnsfr_row": {i: S(i, row) for i in I + [gov]},
            "omega_f": {f: cfg["factors"][f].get("omega", 0.0) for f in F if self.mobility[f] == "cet"},
            "GADJ": 1.0, "IADJ": 1.0, "DTY": 0.0, "DMPS": 0.0, "FSAV": self.FSAV0, "gsavbar": self.GSAV0,
            "numeraire": 1.0,
        }
        num = self.closure.numeraire
        assert num in ("CPI", "EXR") or num in F, f"numeraire {num!r}: CPI, EXR or a factor label"

    def _check_wedges(self, tw: dict) -> None:
        """(wdg, a) = Σ_f tw_fa·S(f,a) and (i, wdg) = the benchmark wedge revenue of i."""
        S, wdg, problems = self.S, self.acct["wdg"], []
        for a in self.A:
            want = sum(tw[f, a] * S(f, a) for f in self.F if (f, a) in tw)
            if abs(S(wdg, a) - want) > 1e-9 * self.total:
                problems.append(f"(wdg, {a}) = {S(wdg, a)}, sum of tw*S(f,{a}) = {want}")
        for i in self.I + [self.gov]:
            want = sum(tw[fa] * self.QF0[fa] for fa in tw if self.recipient.get(fa, "gov") == i)
            if abs(S(i, wdg) - want) > 1e-9 * self.total:
                problems.append(f"({i}, wdg) = {S(i, wdg)}, wedges it receives = {want}")
        if problems:
            raise ValueError("wedges do not match the SAM: " + "; ".join(problems))

    def _tree(self, a: str, tw: dict) -> Node:
        """The value-added tree of a: zero leaves dropped, single-input inner nodes passed through."""
        spec = self.cfg["nests"][a]
        inner = {x for node in spec.values() for x in node["inputs"]}
        top = [n for n in spec if n not in inner]
        assert len(top) == 1, f"{a}: one top node expected, got {top}"

        def build(name: str, is_top: bool):
            if name not in spec:                           # a leaf: factor use (f, a)
                return name if (name, a) in self.QF0 else None
            kids = [k for k in (build(x, False) for x in spec[name]["inputs"]) if k is not None]
            if not kids:
                return None
            if len(kids) == 1 and not is_top:
                return kids[0]
            p0 = [1 + tw[k, a] if isinstance(k, str) else 1.0 for k in kids]
            x0 = [self.QF0[k, a] if isinstance(k, str) else k.q0 for k in kids]
            v0 = [p * x for p, x in zip(p0, x0)]
            return Node(name, spec[name]["sigma"], kids, p0, x0, [v / sum(v0) for v in v0], sum(v0))

        tree = build(top[0], True)
        assert abs(tree.q0 - self.QVA0[a]) <= 1e-9 * self.total, f"{a}: VA tree value {tree.q0} != QVA0 {self.QVA0[a]}"
        return tree

    # ------------------------------------------------------------------ parameters
    def reset(self) -> SpecModel:
        """Parameters back to the benchmark."""
        self.par = copy.deepcopy(self.par0)
        return self

    def set(self, item: str, index=None, *, to: float | None = None, scale: float | None = None) -> SpecModel:
        """Set or scale a parameter by spec name; index None = every element."""
        store = self.par[item]
        if not isinstance(store, dict):
            self.par[item] = to if to is not None else store * scale
            return self
        keys = list(store) if index is None else [index if isinstance(index, str) else tuple(index)]
        for k in keys:
            store[k] = to if to is not None else store[k] * scale
        return self

    # ------------------------------------------------------------------ the equations (§3–§7)
    def unknowns(self) -> list[tuple[str, object, float]]:
        """(name, index, benchmark value) of every unknown: the scaling of the solve vector."""
        out = [("WFA", fa, 1.0) for fa in self.QF0] + [("QFS", f, self.QFS0[f]) for f in self.F]
        out += [("QA", a, self.QA0[a]) for a in self.A] + [("PDS", c, 1.0) for c in self.C]
        out += [("QQ", c, self.QQ0[c]) for c in self.C] + [("YI", i, self.YI0[i]) for i in self.I]
        return out + [("EXR", "", 1.0), ("FSAV", "", self.FSAV0 or 1.0), ("DTY", "", 1.0),
                      ("DMPS", "", 1.0), ("IADJ", "", 1.0), ("WALRAS", "", 1.0)]

    def evaluate(self, z: np.ndarray) -> tuple[np.ndarray, dict]:
        """Scaled residuals of every equation, and every variable, at unknowns z (benchmark = 1)."""
        p, cl, A, C, F, I, H, gov = self.par, self.closure, self.A, self.C, self.F, self.I, self.H, self.gov
        u: dict = {}
        for (name, k, scale), x in zip(self.unknowns(), z):
            u.setdefault(name, {})[k] = x * scale
        v = {k: dict(x) for k, x in u.items()}
        res: list[float] = []
        EXR, FSAV, DTY, DMPS, IADJ = (u[k][""] for k in ("EXR", "FSAV", "DTY", "DMPS", "IADJ"))
        # prices of traded goods and the Armington composite (§5)
        PDS = u["PDS"]
        PM = {c: p["pwm"][c] * (1 + p["tm"][c]) * EXR for c in C}
        PE = {c: p["pwe"][c] * EXR for c in C}
        arm = {c: (self.QM0[c] / (self.QM0[c] + self.QD0[c]), self.QD0[c] / (self.QM0[c] + self.QD0[c])) for c in C}
        UC = {c: self.uc0[c] * ces_index(arm[c], (PM[c], PDS[c]), 1 - self.trade[c]["armington"]) for c in C}
        PQ = {c: UC[c] / (1 - p["tq"][c]) for c in C}
        CPI = sum(self.cwts[c] * PQ[c] for c in C)
        # production (§3)
        WFA = u["WFA"]
        WFU = {fa: WFA[fa] * (1 + p["tw"][fa]) for fa in WFA}
        QF_dem, PN, QN, PVA, PINTA, PA, QINT = {}, {}, {}, {}, {}, {}, {}
        for a in A:
            tree, QA = self.trees[a], u["QA"][a]
            wfu = {f: x for (f, b), x in WFU.items() if b == a}
            prices = node_prices(tree, wfu, p["tfp"][a])
            quantities = node_demand(tree, self.iva[a] * QA, wfu, p["tfp"][a], prices)
            PVA[a] = prices.pop(tree.name)
            quantities.pop(tree.name)                              # the top node is PVA, QVA
            PN.update({(a, n): x for n, x in prices.items()})
            QN.update({(a, n): x for n, x in quantities.items() if n not in wfu})
            QF_dem.update({(f, a): quantities[f] for f in wfu})
            PINTA[a] = sum(self.ica[c, a] * PQ[c] for c in C)
            PA[a] = (self.iva[a] * PVA[a] + self.inta[a] * PINTA[a]) / (1 - p["ta"][a])
            for c in C:
                QINT[c, a] = self.ica[c, a] * self.inta[a] * QA
        # factor markets (§4)
        QF, WF = {}, {}
        for f in F:
            U, QFS = self.uses[f], u["QFS"][f]
            if self.mobility[f] == "cet":
                om = p["omega_f"][f]
                WF[f] = ces_index([self.QF0[f, a] / self.QFS0[f] for a in U], [WFA[f, a] for a in U], 1 + om)
                for a in U:
                    QF[f, a] = self.QF0[f, a] * QFS / self.QFS0[f] * (WFA[f, a] / WF[f]) ** om
                    res.append((QF_dem[f, a] - QF[f, a]) / self.QF0[f, a])
            else:                                                 # perfect mobility or single use
                WF[f] = WFA[f, U[0]]
                res += [WFA[f, a] - WF[f] for a in U[1:]]
                res.append((sum(QF_dem[f, a] for a in U) - QFS) / self.QFS0[f])
                QF.update({(f, a): QF_dem[f, a] for a in U})
            res.append(WF[f] - p["wfbar"][f] * CPI if f in cl.unemployment else (QFS - p["qfsbar"][f]) / self.QFS0[f])
        YF = {f: sum(WFA[f, a] * QF[f, a] for a in self.uses[f]) for f in F}
        YW = {}
        for fa, q in QF.items():
            r = self.recipient.get(fa, "gov")
            YW[r] = YW.get(r, 0.0) + p["tw"][fa] * WFA[fa] * q
        # commodities (§5)
        QE, QD, QM, PX = {}, {}, {}, {}
        QH, EH = {}, {}
        for c in C:
            a, om = self.act[c], self.trade[c]["export_cet"]
            QX = u["QA"][a]
            PX[c] = ces_index((self.QE0[c] / self.QX0[c], self.QD0[c] / self.QX0[c]), (PE[c], PDS[c]), 1 + om)
            QE[c] = self.QE0[c] * QX / self.QX0[c] * (PE[c] / PX[c]) ** om
            QD[c] = self.QD0[c] * QX / self.QX0[c] * (PDS[c] / PX[c]) ** om
            sq, QQ = self.trade[c]["armington"], u["QQ"][c]
            QM[c] = self.QM0[c] * QQ / self.QQ0[c] * (UC[c] / (self.uc0[c] * PM[c])) ** sq
            res.append(PA[a] - PX[c])
            res.append((QD[c] - self.QD0[c] * QQ / self.QQ0[c] * (UC[c] / (self.uc0[c] * PDS[c])) ** sq) / self.QX0[c])
        # institutions (§6)
        YI = u["YI"]
        ty = {i: p["ty0"][i] + DTY * self.ty01[i] for i in I}
        mps = {i: p["mps0"][i] + DMPS * self.mps01[i] for i in I}
        YIF = {(i, f): s * YF[f] for (i, f), s in self.shif.items()}
        TRII = {(i, j): s * (1 - mps[j]) * (1 - ty[j]) * YI[j] for (i, j), s in self.shii.items()}
        for i in I:
            rhs = (sum(YIF.get((i, f), 0.0) for f in F) + sum(TRII.get((i, j), 0.0) for j in I)
                   + p["trnsfr_gov"][i] * CPI + p["trnsfr_row"][i] * EXR + YW.get(i, 0.0))
            res.append((YI[i] - rhs) / self.YI0[i])
        for h in H:
            paid = sum(s for (i, j), s in self.shii.items() if j == h)
            EH[h] = (1 - paid) * (1 - mps[h]) * (1 - ty[h]) * YI[h]
            sub = sum(PQ[c] * self.gamma[c, h] for c in C)
            for c in C:
                QH[c, h] = self.gamma[c, h] + self.beta[c, h] * (EH[h] - sub) / PQ[c]
        QG = {c: p["GADJ"] * p["qgbar"][c] for c in C}
        QINV = {c: IADJ * p["qinvbar"][c] for c in C}
        YG = (sum(ty[i] * YI[i] for i in I) + sum(p["tq"][c] * PQ[c] * u["QQ"][c] for c in C)
              + sum(p["tm"][c] * p["pwm"][c] * EXR * QM[c] for c in C) + sum(p["ta"][a] * PA[a] * u["QA"][a] for a in A)
              + sum(YIF.get((gov, f), 0.0) for f in F) + sum(TRII.get((gov, j), 0.0) for j in I)
              + p["trnsfr_row"][gov] * EXR + YW.get(gov, 0.0))
        EG = sum(PQ[c] * QG[c] for c in C) + sum(p["trnsfr_gov"][i] for i in I) * CPI
        GSAV = YG - EG
        for c in C:
            demand_c = sum(QINT[c, a] for a in A) + sum(QH[c, h] for h in H) + QG[c] + QINV[c]
            res.append((u["QQ"][c] - demand_c) / self.QQ0[c])
        imports = sum(self.S(self.row, c) for c in C)
        row_out = sum(p["pwm"][c] * QM[c] for c in C) + sum(YIF.get((self.row, f), 0.0) for f in F) / EXR
        row_in = sum(p["pwe"][c] * QE[c] for c in C) + sum(p["trnsfr_row"].values()) + FSAV
        res.append((row_out - row_in) / imports)
        inv = sum(p["qinvbar"].values())
        saving = sum(mps[i] * (1 - ty[i]) * YI[i] for i in I) + GSAV + EXR * FSAV
        res.append((saving - sum(PQ[c] * QINV[c] for c in C) - u["WALRAS"][""]) / inv)
        # closures (§7) and numeraire
        gs = max(abs(self.GSAV0), 1e-3 * inv)
        res.append((GSAV - p["gsavbar"] * CPI) / gs if cl.government == "budget_neutral" else DTY - p["DTY"])
        res.append(DMPS - p["DMPS"] if cl.savings == "savings_driven" else IADJ - p["IADJ"])
        res.append((FSAV - p["FSAV"]) / (abs(self.FSAV0) or 1.0) if cl.foreign == "flex_exchange" else EXR - CPI)
        num = CPI if cl.numeraire == "CPI" else EXR if cl.numeraire == "EXR" else WF[cl.numeraire]
        res.append(num - p["numeraire"])
        exported, imported = [c for c in C if self.QE0[c]], [c for c in C if self.QM0[c]]   # §5: else no branch
        v.update(PA=PA, PVA=PVA, PINTA=PINTA, QVA={a: self.iva[a] * u["QA"][a] for a in A},
                 QINTA={a: self.inta[a] * u["QA"][a] for a in A}, QINT=QINT, PN=PN, QN=QN, QF=QF, WF=WF,
                 WFU=WFU, YF=YF, QX={c: u["QA"][self.act[c]] for c in C}, PX=PX, QD=QD, PQ=PQ,
                 QE={c: QE[c] for c in exported}, PE={c: PE[c] for c in exported},
                 QM={c: QM[c] for c in imported}, PM={c: PM[c] for c in imported}, YIF=YIF, TRII=TRII, YW=YW, EH=EH, QH=QH, QG=QG, QINV=QINV,
                 YG={"": YG}, EG={"": EG}, GSAV={"": GSAV}, CPI={"": CPI}, GADJ={"": p["GADJ"]})
        return np.array(res), v

    # ------------------------------------------------------------------ solving and reports (§8)
    def solve(self) -> dict:
        """Solve at the current parameters (from the benchmark, in steps if needed); all variables and reports."""
        target, start = self.par, copy.deepcopy(self.par0)
        z = np.ones(len(self.unknowns()))
        for c, name in enumerate(self.unknowns()):
            if name[0] in ("DTY", "DMPS", "WALRAS"):
                z[c] = 0.0
        for steps in (1, 4, 16, 64):
            ok, zt = True, z
            for t in np.linspace(0, 1, steps + 1)[1:]:
                self.par = blend(start, target, t)
                sol = root(lambda x: self.evaluate(x)[0], zt, method="hybr", options={"xtol": 1e-14, "maxfev": 20000})
                if not np.all(np.isfinite(sol.x)) or np.max(np.abs(self.evaluate(sol.x)[0])) > 1e-10:
                    ok = False
                    break
                zt = sol.x
            self.par = target
            if ok:
                return self.reports(self.evaluate(zt)[1])
        raise RuntimeError(f"no solution: residual {np.max(np.abs(self.evaluate(sol.x)[0]))}")

    def reports(self, v: dict) -> dict:
        """EV, real GDP, income ratio, persons per use (§8 and §4), added to the variables."""
        C, H = self.C, self.H
        def util(q, h):
            return np.prod([(q[c, h] - self.gamma[c, h]) ** self.beta[c, h] for c in C])
        ev = {h: np.prod([(1 / self.beta[c, h]) ** self.beta[c, h] for c in C]) * (util(v["QH"], h) - util(self.QH0, h))
              for h in H}
        v["EV"] = ev
        gdp0 = sum(self.EH0.values()) + sum(self.QE0[c] + self.par0["qgbar"][c] + self.par0["qinvbar"][c]
                                            - self.S(self.row, c) for c in C)
        gdp = sum(sum(v["QH"][c, h] for h in H) + v["QG"][c] + v["QINV"][c] + v["QE"].get(c, 0.0)
                  - self.par0["pwm"][c] * v["QM"].get(c, 0.0) for c in C)
        v["GDP_real"], v["GDP_real_pct"] = {"": gdp}, {"": 100 * (gdp / gdp0 - 1)}
        v["EV_pct"] = {h: 100 * ev[h] / self.EH0[h] for h in H}
        trii0 = {ij: self.S(*ij) for ij in self.shii}
        v["income_ratio"] = {"": self.income_ratio(v["YI"], v["DTY"][""], v["TRII"])}
        v["income_ratio0"] = {"": self.income_ratio(self.YI0, 0.0, trii0, self.par0)}
        v["physical"] = self.physical(v)
        base = {(f, a): x for f, spec in self.cfg["factors"].items() for a, x in spec.get("physical", {}).items()
                if a in self.A}
        v["physical_change"] = {k: x - base.get(k, 0.0) for k, x in v["physical"].items()}
        v["invalid"] = [f"unemployment of {f} is negative" for f in self.closure.unemployment
                        if v["QFS"][f] > self.QFS0[f] * (1 + 1e-9)]
        return v

    def income_ratio(self, YI: dict, DTY: float, TRII: dict, par: dict | None = None) -> float:
        """Per-capita disposable income ((1 − ty_h) YI_h − Σ_i TRII_ih) / pop_h, urban over rural."""
        hh, par = self.cfg["households"], par or self.par

        def disposable(h):
            paid = sum(x for (i, j), x in TRII.items() if j == h)
            return ((1 - par["ty0"][h] - DTY * self.ty01[h]) * YI[h] - paid) / hh["population"][h]
        return disposable(hh["urban"]) / disposable(hh["rural"])

    def physical(self, v: dict) -> dict:
        """Persons (or area) per use: non-home uses scale with QF; the home use holds the rest."""
        out = {}
        for f, spec in self.cfg["factors"].items():
            phys = spec.get("physical")
            if not phys:
                continue
            per0 = {a: x for a, x in phys.items() if a in self.A}
            home, total = phys.get("home"), phys.get("headcount", sum(per0.values()))
            for a, x in per0.items():
                if a != home:
                    out[f, a] = x * v["QF"][f, a] / self.QF0[f, a]
            if f in self.closure.unemployment and "headcount" in phys:
                out[f, "unemployed"] = phys["headcount"] * (1 - v["QFS"][f] / self.QFS0[f])
            if home is not None:
                out[f, home] = total - sum(x for (g, a), x in out.items() if g == f)
        return out


def blend(a, b, t: float):
    """Parameters a + t·(b − a), element by element."""
    if isinstance(a, dict):
        return {k: blend(a[k], b[k], t) for k in a}
    return a + t * (b - a)
