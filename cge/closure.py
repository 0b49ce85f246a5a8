"""Closures (spec §7): who adjusts. A closure is plain data, read from config.

| block | default | alternative |
|---|---|---|
| government | ``budget_neutral``: GSAV = GSAV0·CPI, DTY free, GADJ fixed | ``gsav_free``: DTY fixed, GSAV free; ``fixed_shares``: DTY fixed, GSAV = sgov·YG, the rest spent in fixed value shares |
| savings–investment | ``savings_driven``: DMPS fixed, IADJ free | ``investment_driven``: IADJ fixed, DMPS free; ``fixed_shares``: DMPS fixed, total savings (IADJ·INV0·CPI) spent in fixed value shares |
| foreign | ``flex_exchange``: FSAV fixed, EXR free | ``fixed_exchange``: EXR = EXR0·CPI, FSAV free |
| factors | full employment: QFS_f = qfsbar_f | per factor ``unemployment``: WF_f = wfbar_f·CPI, QFS_f free |
| numeraire | ``CPI`` | ``EXR`` or a factor label (its WF) |

:func:`apply_closure` fixes variables and activates the closure equations of a
built model; switching closure changes which variables are free, so the solver
bridge recompiles once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import ConfigError

class _ClosureConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    government: Literal["budget_neutral", "gsav_free", "fixed_shares"] = "budget_neutral"
    savings: Literal["savings_driven", "investment_driven", "fixed_shares"] = "savings_driven"
    foreign: Literal["flex_exchange", "fixed_exchange"] = "flex_exchange"
    unemployment: list[str] = []
    numeraire: str = "CPI"


@dataclass(frozen=True)
class Closure:
    """A named choice per block of spec §7."""

    government: str = "budget_neutral"
    savings: str = "savings_driven"
    foreign: str = "flex_exchange"
    unemployment: tuple[str, ...] = field(default_factory=tuple)
    numeraire: str = "CPI"

    @classmethod
    def from_config(cls, raw: dict | None, factors: list[str] | None = None) -> "Closure":
        """Validate a ``[closure]`` table; unknown keys and values name the valid ones."""
        try:
            cfg = _ClosureConfig.model_validate(raw or {})
        except ValidationError as exc:
            msgs = []
            for err in exc.errors():
                key = ".".join(str(p) for p in err["loc"])
                if err["type"] == "extra_forbidden":
                    msgs.append(f"unknown closure key '{key}'; valid: {', '.join(_ClosureConfig.model_fields)}")
                else:
                    msgs.append(f"closure '{key}': {err['msg']} (got {err.get('input')!r})")
            raise ConfigError("; ".join(msgs)) from None
        closure = cls(cfg.government, cfg.savings, cfg.foreign, tuple(cfg.unemployment), cfg.numeraire)
        closure.check(factors)
        return closure

    def check(self, factors: list[str] | None = None) -> None:
        """Refuse contradictory combinations (each would fix one level twice), and,
        given the model's factors, unknown factor labels."""
        if factors is not None:
            valid_num = ["CPI", "EXR", *factors]
            if self.numeraire not in valid_num:
                raise ConfigError(f"numeraire '{self.numeraire}' is not one of {', '.join(valid_num)}")
            bad = [f for f in self.unemployment if f not in factors]
            if bad:
                raise ConfigError(f"unemployment of unknown factor(s) {bad}; factors: {', '.join(factors)}")
        if self.numeraire == "EXR" and self.foreign == "fixed_exchange":
            raise ConfigError("numeraire EXR with the fixed_exchange closure fixes the exchange rate "
                              "twice: choose flex_exchange or another numeraire")
        if self.numeraire in self.unemployment:
            raise ConfigError(f"numeraire WF({self.numeraire}) with unemployment of {self.numeraire} fixes "
                              f"its wage twice: choose another numeraire")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["unemployment"] = list(self.unemployment)
        return d


def _switch(constraint, on: bool) -> None:
    constraint.activate() if on else constraint.deactivate()


def apply_closure(m, closure: Closure) -> None:
    """Fix the closure's variables and activate its equations on model ``m``.

    An economy without foreign flows ties EXR to the CPI (the balance of
    payments is empty); one without investment demand fixes IADJ and frees
    DMPS whatever the savings closure (savings must match zero investment).
    """
    closure.check(list(m.F))
    for v in (m.DTY, m.DMPS, m.GADJ, m.IADJ, m.FSAV, m.CPI, m.EXR):
        v.unfix()
    for f in m.F:
        m.WF[f].unfix()
    m.GADJ.fix()
    gov = closure.government
    _switch(m.clo_gsav, gov == "budget_neutral")
    _switch(m.clo_gsav_share, gov == "fixed_shares")
    _switch(m.gov_demand, gov != "fixed_shares")
    _switch(m.gov_spending, gov != "fixed_shares")
    _switch(m.gov_demand_shares, gov == "fixed_shares")
    if gov != "budget_neutral":
        m.DTY.fix()
    if closure.savings == "investment_driven" or not len(m.CI):
        m.IADJ.fix()
    else:
        m.DMPS.fix()
    _switch(m.inv_demand, closure.savings != "fixed_shares")
    _switch(m.inv_demand_shares, closure.savings == "fixed_shares")
    open_economy = not m.cal.closed_economy
    flex = closure.foreign == "flex_exchange" or not open_economy
    if flex:
        m.FSAV.fix()
    _switch(m.row_balance, open_economy)
    _switch(m.clo_exr, not flex or (not open_economy and closure.numeraire != "EXR"))
    for f in m.F:
        unemployed = f in closure.unemployment
        _switch(m.fac_endowment[f], not unemployed)
        _switch(m.fac_wage_floor[f], unemployed)
    if closure.numeraire == "CPI":
        m.CPI.fix()
    elif closure.numeraire == "EXR":
        m.EXR.fix()
    else:
        m.WF[closure.numeraire].fix()
    m.closure = closure
