"""The four checks every calibrated model must pass (spec §9).

1. Benchmark replication: before any solver iteration, each equation's residual
   divided by max(|left side|, |right side|) at the benchmark is below 1e-9.
2. Homogeneity: doubling the numeraire doubles every nominal value and leaves
   every real value unchanged (to 1e-8).
3. Walras: WALRAS is 0 at every solution (|WALRAS| < 1e-8 × GDP).
4. Square system: as many equations as free variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyomo.environ import Constraint, Var, value

from .labels import label
from .results import real_gdp, variables

# Variables measured in money or as prices: they scale with the numeraire.
NOMINAL_VARS = {"PA", "PVA", "PINTA", "PN", "WFA", "WF", "PX", "PE", "PDS", "PM", "PQ", "EXR", "CPI",
                "YF", "YIF", "YI", "YW", "TRII", "EH", "YG", "EG", "GSAV", "WALRAS"}


@dataclass
class CheckReport:
    equations: int
    free_variables: int
    benchmark_residual: float               # max relative residual at the benchmark
    worst_benchmark: list[tuple[str, float]] = field(default_factory=list)
    homogeneity_error: float | None = None  # max relative deviation
    worst_homogeneity: list[tuple[str, float]] = field(default_factory=list)
    walras: float | None = None             # |WALRAS| / GDP

    @property
    def passed(self) -> bool:
        ok = self.equations == self.free_variables and self.benchmark_residual < 1e-9
        if self.homogeneity_error is not None:
            ok = ok and self.homogeneity_error < 1e-8
        if self.walras is not None:
            ok = ok and self.walras < 1e-8
        return ok


def count_system(m) -> tuple[int, int]:
    """(active equations, free variables) — check 4."""
    eqs = sum(1 for _ in m.component_data_objects(Constraint, active=True))
    free = sum(1 for v in m.component_data_objects(Var) if not v.fixed)
    return eqs, free


def relative_residuals(m) -> dict[str, float]:
    """|lhs − rhs| / max(|lhs|, |rhs|) per active equation at the current values (check 1)."""
    out = {}
    for c in m.component_data_objects(Constraint, active=True):
        lhs, rhs = (value(x) for x in c.expr.args)
        scale = max(abs(lhs), abs(rhs))
        out[c.name] = abs(lhs - rhs) / scale if scale else abs(lhs - rhs)
    return out


def numeraire_var(m):
    """The fixed variable that is the numeraire of the model's closure."""
    num = m.closure.numeraire
    return m.CPI if num == "CPI" else m.EXR if num == "EXR" else m.WF[num]


def homogeneity(m, solve, factor: float = 2.0) -> tuple[float, list[tuple[str, float]]]:
    """Solve, scale the numeraire by ``factor``, solve again; return the worst deviation.

    Nominal variables must scale by ``factor``, real ones stay. ``solve(m)``
    solves the model in place. The numeraire is restored afterwards.
    """
    solve(m)
    before = variables(m)
    num = numeraire_var(m)
    level = num.value
    num.fix(level * factor)
    try:
        solve(m)
        after = variables(m)
    finally:
        num.fix(level)
        solve(m)
    worst = []
    for name, vals in before.items():
        k = factor if name in NOMINAL_VARS else 1.0
        for idx, x in vals.items():
            target = k * x
            if name == "WALRAS":
                continue
            scale = max(abs(target), 1e-6)
            worst.append((label(name, idx), abs(after[name][idx] - target) / scale))
    worst.sort(key=lambda t: -t[1])
    return (worst[0][1] if worst else 0.0), worst[:5]


def walras_ratio(m) -> float:
    """|WALRAS| relative to real GDP at the current solution (check 3)."""
    return abs(value(m.WALRAS)) / abs(real_gdp(m.cal, variables(m)))


def run_checks(m, solve=None) -> CheckReport:
    """All four checks; homogeneity and Walras need ``solve`` (skipped when None)."""
    eqs, free = count_system(m)
    rel = relative_residuals(m)
    worst = sorted(rel.items(), key=lambda t: -t[1])[:5]
    report = CheckReport(eqs, free, worst[0][1] if worst else 0.0, worst)
    if solve is not None:
        report.homogeneity_error, report.worst_homogeneity = homogeneity(m, solve)
        report.walras = walras_ratio(m)
    return report
