"""The Pyomo model of spec §3–§6, built from a :class:`~cge.calibrate.Calibration`.

One function per equation block, named as in the spec; variables carry the
spec's names (QA, PVA, WFA, ...), parameters too (tw, tfp, ta, tq, tm, pwm,
pwe, qfsbar, ...). Every parameter is a mutable Param, so a scenario that
changes parameter values re-solves without rebuilding or recompiling; the
closure (:mod:`cge.closure`) fixes variables and activates closure equations.

Variables start at their benchmark values, so before any solver iteration the
model sits at the benchmark (spec §9, check 1).
"""

from __future__ import annotations

from pyomo.environ import ConcreteModel, Constraint, NonNegativeReals, Param, PositiveReals, Reals, Set, Var

from . import shareform as sf
from .calibrate import Calibration
from .closure import Closure, apply_closure

def build_model(cal: Calibration, closure: Closure | None = None, params: dict | None = None) -> ConcreteModel:
    """Build the equilibrium model of ``cal`` under ``closure`` (default closure if None).

    ``params`` ({(name, index): value}, see :func:`set_values`) overrides
    calibrated parameter values before the equations are written, so that the
    σ = 1 (Cobb–Douglas) forms follow the values in force; entries naming
    variables set the levels the closure fixes.
    """
    m = ConcreteModel(name=f"cge[{cal.sam.name}]")
    m.cal = cal
    _sets(m, cal)
    _params(m, cal)
    params = params or {}
    set_values(m, {k: x for k, x in params.items() if isinstance(getattr(m, k[0], None), Param)})
    m.cd_nodes = cobb_douglas_nodes(m)
    _variables(m, cal)
    _production(m, cal)
    _value_added_nests(m, cal)
    _factor_markets(m, cal)
    _commodities(m, cal)
    _institutions(m, cal)
    _government_and_macro(m, cal)
    _closure_equations(m)
    apply_closure(m, closure or Closure())
    set_values(m, {k: x for k, x in params.items() if isinstance(getattr(m, k[0]), Var)})
    return m


def set_values(m, values: dict) -> None:
    """Set Params, and fix variables, from ``{(name, index): value}``."""
    for (name, k), x in values.items():
        comp = getattr(m, name)
        obj = comp[k] if comp.is_indexed() else comp
        if hasattr(obj, "fix"):
            obj.fix(x)
        else:
            obj.set_value(x)


def cobb_douglas_nodes(m) -> frozenset:
    """The CES nodes currently at σ = 1 (their unit cost takes the Cobb–Douglas form)."""
    return frozenset((p, k) for p in ("sigma_va", "sigma_q") for k, d in getattr(m, p).items() if d.value == 1)


def _sets(m, cal: Calibration) -> None:
    s = cal.sets
    m.A = Set(initialize=s.A, ordered=True)
    m.C = Set(initialize=s.C, ordered=True)
    m.AI = Set(initialize=[a for a in s.A if cal.bench["QINTA"][a] != 0], ordered=True)  # with intermediates
    m.F = Set(initialize=s.F, ordered=True)
    m.H = Set(initialize=s.H, ordered=True)
    m.I = Set(initialize=s.I, ordered=True)
    m.IG = Set(initialize=s.IG, ordered=True)
    m.CM = Set(initialize=s.CM, ordered=True)
    m.CE = Set(initialize=s.CE, ordered=True)
    m.CD = Set(initialize=s.CD, ordered=True)
    m.FA = Set(initialize=s.FA, dimen=2, ordered=True)
    m.CA = Set(initialize=list(cal.par["ica"]), dimen=2, ordered=True)      # (c, a) intermediate uses
    m.CH = Set(initialize=list(cal.bench["QH"]), dimen=2, ordered=True)     # (c, h) consumption
    m.CG = Set(initialize=list(cal.bench["QG"]), ordered=True)
    m.CI = Set(initialize=list(cal.bench["QINV"]), ordered=True)
    m.IF = Set(initialize=list(cal.par["shif"]), dimen=2, ordered=True)     # (i, f) factor income
    m.II = Set(initialize=list(cal.par["shii"]), dimen=2, ordered=True)     # (i, i') transfers
    m.WR = Set(initialize=[i for i in s.IG if i == s.gov or i in cal.recipient.values()], ordered=True)
    nodes = [(a, n) for a in s.A for n, node in cal.nests.get(a, {}).items() if not node.is_root]
    m.N = Set(initialize=nodes, dimen=2, ordered=True)                       # non-root nest nodes
    m.NODE = Set(initialize=[(a, n) for a in s.A for n in cal.nests.get(a, {})], dimen=2, ordered=True)
    m.NIN = Set(initialize=[(a, n, j) for a in s.A for n, node in cal.nests.get(a, {}).items()
                            for j in node.inputs], dimen=3, ordered=True)    # node inputs
    m.FCET = Set(initialize=[f for f in s.F if cal.mobility.get(f) == "cet"], ordered=True)
    m.FPERF = Set(initialize=[f for f in s.F if cal.mobility.get(f) == "perfect"], ordered=True)
    m.FSGL = Set(initialize=[f for f in s.F if cal.mobility.get(f) == "single" and s.uses[f]], ordered=True)


def _p(m, name: str, index, values: dict, default: float | None = None) -> None:
    """A mutable Param named as in the spec."""
    if index is None:
        setattr(m, name, Param(initialize=values[""], mutable=True, within=Reals))
    else:
        init = values if default is None else {k: values.get(k, default) for k in index}
        setattr(m, name, Param(index, initialize=init, mutable=True, within=Reals))


def _params(m, cal: Calibration) -> None:
    par, b = cal.par, cal.bench
    # production
    _p(m, "iva", m.A, par["iva"])
    _p(m, "inta", m.A, par["inta"])
    _p(m, "ica", m.CA, par["ica"])
    _p(m, "ta", m.A, par["ta0"])
    _p(m, "tfp", m.A, par["tfp0"])
    _p(m, "tw", m.FA, par["tw0"])
    nodes = cal.nests
    _p(m, "sigma_va", m.NODE, {(a, n): nodes[a][n].sigma for a, n in m.NODE})
    _p(m, "nest_q0", m.NODE, {(a, n): nodes[a][n].q0 for a, n in m.NODE})
    _p(m, "nest_x0", m.NIN, {(a, n, j): nodes[a][n].x0[j] for a, n, j in m.NIN})
    _p(m, "nest_p0", m.NIN, {(a, n, j): nodes[a][n].p0[j] for a, n, j in m.NIN})
    _p(m, "nest_theta", m.NIN, {(a, n, j): nodes[a][n].theta[j] for a, n, j in m.NIN})
    # factors
    _p(m, "qfsbar", m.F, par["qfsbar"])
    _p(m, "wfbar", m.F, par["wfbar"])
    _p(m, "QFS0", m.F, b["QFS"])
    _p(m, "QF0", m.FA, b["QF"])
    _p(m, "omega_f", m.FCET, {f: cal.omega_f[f] for f in m.FCET})
    # trade
    _p(m, "sigma_q", m.C, cal.sigma_q, default=0.0)
    _p(m, "omega_e", m.C, cal.omega_e, default=0.0)
    _p(m, "tq", m.C, par["tq0"])
    _p(m, "tq0", m.C, par["tq0"])
    _p(m, "tm", m.CM, par["tm0"])
    _p(m, "pwm", m.CM, par["pwm0"])
    _p(m, "pwm0", m.CM, par["pwm0"])
    _p(m, "pwe", m.CE, par["pwe0"])
    for name in ("QX", "QE", "QD", "QM", "QQ"):
        _p(m, name + "0", getattr(m, {"QX": "C", "QE": "CE", "QD": "CD", "QM": "CM", "QQ": "C"}[name]), b[name])
    # institutions
    _p(m, "shif", m.IF, par["shif"])
    _p(m, "shii", m.II, par["shii"])
    _p(m, "ty0", m.I, par["ty0"])
    _p(m, "ty01", m.I, par["ty01"])
    _p(m, "mps0", m.I, par["mps0"])
    _p(m, "mps01", m.I, par["mps01"])
    _p(m, "trnsfr_gov", m.I, par["trnsfr_gov"])
    _p(m, "trnsfr_row", m.IG, par["trnsfr_row"])
    _p(m, "beta", m.CH, par["beta"])
    _p(m, "gamma", m.CH, par["gamma"])
    _p(m, "cwts", m.C, par["cwts"])
    _p(m, "qgbar", m.CG, {c: par["qgbar"][c] for c in m.CG})
    _p(m, "qinvbar", m.CI, {c: par["qinvbar"][c] for c in m.CI})
    _p(m, "gsavbar", None, par["gsavbar"])
    _p(m, "sgov", None, par["sgov"])
    _p(m, "gshare", m.CG, {c: par["qgbar"][c] / sum(par["qgbar"].values()) for c in m.CG})
    _p(m, "ishare", m.CI, {c: par["qinvbar"][c] / sum(par["qinvbar"].values()) for c in m.CI})
    _p(m, "exrbar", None, {"": 1.0})


def _variables(m, cal: Calibration) -> None:
    b = cal.bench

    def var(name, index, within=PositiveReals):
        values = b[name]
        if index is None:
            setattr(m, name, Var(within=within, initialize=values[""]))
        else:
            setattr(m, name, Var(index, within=within, initialize=values))

    for name in ("QA", "PA", "QVA", "PVA"):
        var(name, m.A)
    for name in ("QINTA", "PINTA"):   # 0 for an activity without intermediate inputs
        var(name, m.A, NonNegativeReals)
    var("QINT", m.CA)
    m.PN = Var(m.N, within=PositiveReals, initialize=1.0)
    m.QN = Var(m.N, within=PositiveReals, initialize={(a, n): cal.nests[a][n].q0 for a, n in m.N})
    var("QF", m.FA)
    var("WFA", m.FA)
    var("WF", m.F)
    var("QFS", m.F)
    var("YF", m.F, Reals)
    for name, idx in (("QX", m.C), ("PX", m.C), ("QE", m.CE), ("PE", m.CE), ("QD", m.CD),
                      ("PDS", m.CD), ("QM", m.CM), ("PM", m.CM), ("QQ", m.C), ("PQ", m.C)):
        var(name, idx)
    var("YIF", m.IF, Reals)
    var("YI", m.I, Reals)
    var("YW", m.WR, Reals)
    var("TRII", m.II, Reals)
    var("EH", m.H)
    var("QH", m.CH)
    var("QG", m.CG)
    var("QINV", m.CI, Reals)   # inventory drawdowns make some investment demand negative
    for name in ("YG", "EG", "GSAV", "FSAV", "DTY", "DMPS", "WALRAS"):
        var(name, None, Reals)
    for name in ("EXR", "CPI", "GADJ", "IADJ"):
        var(name, None)


# --- spec §3: production ------------------------------------------------------

def _production(m, cal: Calibration) -> None:
    """Leontief top level and zero profit.

    An activity without intermediate inputs has an empty intermediate
    aggregate: QINTA = PINTA = 0 are fixed and its two equations dropped.
    """
    m.prod_va = Constraint(m.A, rule=lambda m, a: m.QVA[a] == m.iva[a] * m.QA[a])
    m.prod_int = Constraint(m.AI, rule=lambda m, a: m.QINTA[a] == m.inta[a] * m.QA[a])
    m.prod_intdem = Constraint(m.CA, rule=lambda m, c, a: m.QINT[c, a] == m.ica[c, a] * m.QINTA[a])
    m.prod_pinta = Constraint(m.AI, rule=lambda m, a: m.PINTA[a] == sum(
        m.ica[c, a2] * m.PQ[c] for c, a2 in m.CA if a2 == a))
    for a in m.A:
        if a not in m.AI:
            m.QINTA[a].fix(0.0)
            m.PINTA[a].fix(0.0)
    m.prod_zero_profit = Constraint(m.A, rule=lambda m, a: m.PA[a] * (1 - m.ta[a]) * m.QA[a]
                                    == m.PVA[a] * m.QVA[a] + m.PINTA[a] * m.QINTA[a])


def user_cost(m, f: str, a: str):
    """WFU_fa = WFA_fa·(1 + tw_fa): the price of factor use (f, a) paid by the activity."""
    return m.WFA[f, a] * (1 + m.tw[f, a])


def _node_price_quantity(m, a: str, x: str):
    """Price and quantity of an input ``x`` of a nest of activity ``a`` (node or factor leaf)."""
    if x == m.cal.root[a]:
        return m.PVA[a], m.QVA[a]
    if (a, x) in m.N:
        return m.PN[a, x], m.QN[a, x]
    return user_cost(m, x, a), m.QF[x, a]


def _value_added_nests(m, cal: Calibration) -> None:
    """CES tree of value added (spec §3): a unit-cost and an input-demand equation per node.

    The root's price and quantity are PVA and QVA and its shifter is tfp;
    other nodes have PN, QN and shifter 1.
    """

    def shifter(a, n):
        return m.tfp[a] if n == cal.root[a] else 1.0

    def price_rule(m, a, n):
        node = cal.nests[a][n]
        P, _ = _node_price_quantity(m, a, n)
        p = {j: _node_price_quantity(m, a, j)[0] for j in node.inputs}
        p0 = {j: m.nest_p0[a, n, j] for j in node.inputs}
        theta = {j: m.nest_theta[a, n, j] for j in node.inputs}
        return P == sf.ces_price(1.0, shifter(a, n), m.sigma_va[a, n], theta, p, p0)

    def demand_rule(m, a, n, j):
        P, Q = _node_price_quantity(m, a, n)
        pj, Xj = _node_price_quantity(m, a, j)
        return Xj == sf.ces_demand(m.nest_x0[a, n, j], Q, m.nest_q0[a, n], shifter(a, n), P, 1.0,
                                   pj, m.nest_p0[a, n, j], m.sigma_va[a, n])

    m.nest_price = Constraint(m.NODE, rule=price_rule)
    m.nest_demand = Constraint(m.NIN, rule=demand_rule)


# --- spec §4: factor markets ---------------------------------------------------

def _factor_markets(m, cal: Calibration) -> None:
    uses = cal.sets.uses

    def single_use(m, f):
        (a,) = uses[f]
        return m.QF[f, a] == m.QFS[f]

    def single_price(m, f):
        (a,) = uses[f]
        return m.WF[f] == m.WFA[f, a]

    m.fac_single_use = Constraint(m.FSGL, rule=single_use)
    m.fac_single_price = Constraint(m.FSGL, rule=single_price)

    def cet_index(m, f):
        theta = {a: m.QF0[f, a] / m.QFS0[f] for a in uses[f]}
        return m.WF[f] == sf.cet_price(1.0, m.omega_f[f], theta, {a: m.WFA[f, a] for a in uses[f]},
                                       {a: 1.0 for a in uses[f]})

    m.fac_cet_index = Constraint(m.FCET, rule=cet_index)
    m.fac_cet_supply = Constraint(
        [(f, a) for f in m.FCET for a in uses[f]],
        rule=lambda m, f, a: m.QF[f, a] == sf.cet_supply(m.QF0[f, a], m.QFS[f], m.QFS0[f], m.WFA[f, a],
                                                         1.0, m.WF[f], 1.0, m.omega_f[f]))
    m.fac_perfect_price = Constraint([(f, a) for f in m.FPERF for a in uses[f]],
                                     rule=lambda m, f, a: m.WFA[f, a] == m.WF[f])
    m.fac_perfect_clear = Constraint(m.FPERF, rule=lambda m, f: sum(m.QF[f, a] for a in uses[f]) == m.QFS[f])
    m.fac_income = Constraint(m.F, rule=lambda m, f: m.YF[f] == sum(m.WFA[f, a] * m.QF[f, a] for a in uses[f]))

    def wedge_income(m, i):
        return m.YW[i] == sum(m.tw[f, a] * m.WFA[f, a] * m.QF[f, a]
                              for f, a in m.FA if cal.recipient[f, a] == i)

    m.fac_wedge_income = Constraint(m.WR, rule=wedge_income)


# --- spec §5: commodities, trade and prices --------------------------------------

def _commodities(m, cal: Calibration) -> None:
    act_of = cal.sets.act_of
    m.com_output = Constraint(m.C, rule=lambda m, c: m.QX[c] == m.QA[act_of[c]])
    m.com_price = Constraint(m.C, rule=lambda m, c: m.PX[c] == m.PA[act_of[c]])

    def outlets(c):
        """Export CET outlets of c: price, quantity, benchmark quantity."""
        out = {}
        if c in m.CE:
            out["E"] = (m.PE[c], m.QE[c], m.QE0[c])
        if c in m.CD:
            out["D"] = (m.PDS[c], m.QD[c], m.QD0[c])
        return out

    def cet_price(m, c):
        o = outlets(c)
        theta = {k: q0 / m.QX0[c] for k, (_, _, q0) in o.items()}
        return m.PX[c] == sf.cet_price(1.0, m.omega_e[c], theta, {k: p for k, (p, _, _) in o.items()},
                                       {k: 1.0 for k in o})

    m.cet_price = Constraint(m.C, rule=cet_price)
    m.cet_supply = Constraint(
        [(c, k) for c in m.C for k in outlets(c)],
        rule=lambda m, c, k: outlets(c)[k][1] == sf.cet_supply(outlets(c)[k][2], m.QX[c], m.QX0[c],
                                                               outlets(c)[k][0], 1.0, m.PX[c], 1.0, m.omega_e[c]))

    def sources(c):
        """Armington inputs of c: price, quantity, benchmark quantity."""
        out = {}
        if c in m.CM:
            out["M"] = (m.PM[c], m.QM[c], m.QM0[c])
        if c in m.CD:
            out["D"] = (m.PDS[c], m.QD[c], m.QD0[c])
        return out

    def unit_cost0(c):
        return 1 - m.tq0[c]

    def arm_price(m, c):
        src = sources(c)
        total = sum(q0 for _, _, q0 in src.values())
        theta = {k: q0 / total for k, (_, _, q0) in src.items()}
        return m.PQ[c] * (1 - m.tq[c]) == sf.ces_price(unit_cost0(c), 1.0, m.sigma_q[c], theta,
                                                       {k: p for k, (p, _, _) in src.items()},
                                                       {k: 1.0 for k in src})

    m.arm_price = Constraint(m.C, rule=arm_price)
    m.arm_demand = Constraint(
        [(c, k) for c in m.C for k in sources(c)],
        rule=lambda m, c, k: sources(c)[k][1] == sf.ces_demand(
            sources(c)[k][2], m.QQ[c], m.QQ0[c], 1.0, m.PQ[c] * (1 - m.tq[c]), unit_cost0(c),
            sources(c)[k][0], 1.0, m.sigma_q[c]))
    m.price_import = Constraint(m.CM, rule=lambda m, c: m.PM[c] == m.pwm[c] * (1 + m.tm[c]) * m.EXR)
    m.price_export = Constraint(m.CE, rule=lambda m, c: m.PE[c] == m.pwe[c] * m.EXR)

    def market(m, c):
        return m.QQ[c] == (sum(m.QINT[c2, a] for c2, a in m.CA if c2 == c)
                           + sum(m.QH[c2, h] for c2, h in m.CH if c2 == c)
                           + (m.QG[c] if c in m.CG else 0) + (m.QINV[c] if c in m.CI else 0))

    m.com_market = Constraint(m.C, rule=market)


# --- spec §6: institutions ---------------------------------------------------------

def ty(m, i):
    """Direct tax rate ty_i = ty0_i + DTY·ty01_i."""
    return m.ty0[i] + m.DTY * m.ty01[i]


def mps(m, i):
    """Savings rate mps_i = mps0_i + DMPS·mps01_i."""
    return m.mps0[i] + m.DMPS * m.mps01[i]


def savings(m):
    """Total savings Σ_i mps_i (1 − ty_i) YI_i + GSAV + EXR·FSAV."""
    return sum(mps(m, i) * (1 - ty(m, i)) * m.YI[i] for i in m.I) + m.GSAV + m.EXR * m.FSAV


def _institutions(m, cal: Calibration) -> None:
    m.inst_factor_income = Constraint(m.IF, rule=lambda m, i, f: m.YIF[i, f] == m.shif[i, f] * m.YF[f])

    def income(m, i):
        return m.YI[i] == (sum(m.YIF[i2, f] for i2, f in m.IF if i2 == i)
                           + sum(m.TRII[i2, j] for i2, j in m.II if i2 == i)
                           + m.trnsfr_gov[i] * m.CPI + m.trnsfr_row[i] * m.EXR
                           + (m.YW[i] if i in m.WR else 0))

    m.inst_income = Constraint(m.I, rule=income)
    m.inst_transfers = Constraint(m.II, rule=lambda m, i, j: m.TRII[i, j] == m.shii[i, j] * (1 - mps(m, j))
                                  * (1 - ty(m, j)) * m.YI[j])

    def spending(m, h):
        paid = sum(m.shii[i, j] for i, j in m.II if j == h)
        return m.EH[h] == (1 - paid) * (1 - mps(m, h)) * (1 - ty(m, h)) * m.YI[h]

    m.hh_spending = Constraint(m.H, rule=spending)

    def les(m, c, h):
        committed = sum(m.PQ[c2] * m.gamma[c2, h2] for c2, h2 in m.CH if h2 == h)
        return m.PQ[c] * m.QH[c, h] == m.PQ[c] * m.gamma[c, h] + m.beta[c, h] * (m.EH[h] - committed)

    m.hh_les = Constraint(m.CH, rule=les)


def _government_and_macro(m, cal: Calibration) -> None:
    gov, row = cal.sets.gov, cal.sets.row

    def revenue(m):
        return m.YG == (sum(ty(m, i) * m.YI[i] for i in m.I)
                        + sum(m.tq[c] * m.PQ[c] * m.QQ[c] for c in m.C)
                        + sum(m.tm[c] * m.pwm[c] * m.EXR * m.QM[c] for c in m.CM)
                        + sum(m.ta[a] * m.PA[a] * m.QA[a] for a in m.A)
                        + sum(m.YIF[i, f] for i, f in m.IF if i == gov)
                        + sum(m.TRII[i, j] for i, j in m.II if i == gov)
                        + m.trnsfr_row[gov] * m.EXR + m.YW[gov])

    m.gov_revenue = Constraint(rule=revenue)
    m.gov_spending = Constraint(rule=lambda m: m.EG == sum(m.PQ[c] * m.QG[c] for c in m.CG)
                                + sum(m.trnsfr_gov[i] for i in m.I) * m.CPI)
    m.gov_demand = Constraint(m.CG, rule=lambda m, c: m.QG[c] == m.GADJ * m.qgbar[c])
    m.gov_saving = Constraint(rule=lambda m: m.GSAV == m.YG - m.EG)
    m.gov_demand_shares = Constraint(m.CG, rule=lambda m, c: m.PQ[c] * m.QG[c]
                                     == m.gshare[c] * (m.EG - sum(m.trnsfr_gov[i] for i in m.I) * m.CPI))
    m.inv_demand = Constraint(m.CI, rule=lambda m, c: m.QINV[c] == m.IADJ * m.qinvbar[c])
    # fixed value shares: total investment spending IADJ·INV0·CPI (INV0 = Σ qinvbar) is set by savings
    m.inv_demand_shares = Constraint(m.CI, rule=lambda m, c: m.PQ[c] * m.QINV[c]
                                     == m.ishare[c] * m.IADJ * sum(m.qinvbar[c2] for c2 in m.CI) * m.CPI)

    def row_balance(m):
        return (sum(m.pwm[c] * m.QM[c] for c in m.CM)
                + sum(m.YIF[i, f] for i, f in m.IF if i == row) / m.EXR
                == sum(m.pwe[c] * m.QE[c] for c in m.CE) + sum(m.trnsfr_row[i] for i in m.IG) + m.FSAV)

    m.row_balance = Constraint(rule=row_balance)
    m.savings_investment = Constraint(
        rule=lambda m: savings(m) == sum(m.PQ[c] * m.QINV[c] for c in m.CI) + m.WALRAS)
    m.price_index = Constraint(rule=lambda m: m.CPI == sum(m.cwts[c] * m.PQ[c] for c in m.C))


def _closure_equations(m) -> None:
    """Equations that closures switch on (spec §7); CPI-indexed fixed nominal levels."""
    m.clo_gsav = Constraint(rule=lambda m: m.GSAV == m.gsavbar * m.CPI)
    m.clo_gsav_share = Constraint(rule=lambda m: m.GSAV == m.sgov * m.YG)
    m.clo_exr = Constraint(rule=lambda m: m.EXR == m.exrbar * m.CPI)
    m.fac_endowment = Constraint(m.F, rule=lambda m, f: m.QFS[f] == m.qfsbar[f])
    m.fac_wage_floor = Constraint(m.F, rule=lambda m, f: m.WF[f] == m.wfbar[f] * m.CPI)
