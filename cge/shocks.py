"""Shocks: what a counterfactual changes — set, scale or add to a parameter by label.

Every shockable item is a mutable Param of the model (spec names) or the
level of a variable the closure fixes (FSAV, GADJ, IADJ, DTY, DMPS). A shock
names the item, optionally an index (SAM labels; omitted = every element),
and one operation. Unknown items and labels, and values outside the item's
valid range, are refused with a message that lists what is valid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pyomo.environ import Param, Var

from .errors import ConfigError

# item -> (meaning, check on the new value, description of the valid range)
SHOCKABLE: dict[str, tuple[str, Any, str]] = {
    "tw": ("factor-use wedge rate tw(f,a)", lambda x: x > -1, "> -1"),
    "tfp": ("total factor productivity of value added tfp(a)", lambda x: x > 0, "> 0"),
    "ta": ("production tax rate ta(a)", lambda x: x < 1, "< 1"),
    "tq": ("sales tax rate tq(c)", lambda x: x < 1, "< 1"),
    "tm": ("import tariff rate tm(c)", lambda x: x > -1, "> -1"),
    "pwm": ("world import price pwm(c)", lambda x: x > 0, "> 0"),
    "pwe": ("world export price pwe(c)", lambda x: x > 0, "> 0"),
    "qfsbar": ("factor endowment qfsbar(f)", lambda x: x > 0, "> 0"),
    "wfbar": ("wage floor wfbar(f) under unemployment", lambda x: x > 0, "> 0"),
    "ty0": ("base direct tax rate ty0(i)", lambda x: x < 1, "< 1"),
    "mps0": ("base savings rate mps0(i)", lambda x: x < 1, "< 1"),
    "qgbar": ("government demand qgbar(c)", lambda x: x >= 0, ">= 0"),
    "qinvbar": ("investment demand qinvbar(c)", lambda x: x >= 0, ">= 0"),
    "trnsfr_gov": ("government transfer to institution i", math.isfinite, "finite"),
    "trnsfr_row": ("transfer from abroad to institution i", math.isfinite, "finite"),
    "gsavbar": ("government saving (CPI-indexed) under budget_neutral", math.isfinite, "finite"),
    "sigma_va": ("elasticity of substitution of a value-added nest node (a, node)", lambda x: x >= 0, ">= 0"),
    "sigma_q": ("Armington elasticity sigma_Q(c)", lambda x: x >= 0, ">= 0"),
    "omega_e": ("export CET elasticity Omega_E(c)", lambda x: x >= 0, ">= 0"),
    "omega_f": ("factor CET elasticity Omega(f)", lambda x: x >= 0, ">= 0"),
    "FSAV": ("foreign savings (foreign currency) when the closure fixes it", math.isfinite, "finite"),
    "GADJ": ("government demand scale", lambda x: x > 0, "> 0"),
    "IADJ": ("investment scale when the closure fixes it", lambda x: x > 0, "> 0"),
    "DTY": ("direct tax rate shifter when the closure fixes it", math.isfinite, "finite"),
    "DMPS": ("savings rate shifter when the closure fixes it", math.isfinite, "finite"),
}
OPERATIONS = ("set", "scale", "add")


@dataclass(frozen=True)
class Shock:
    """One change: ``item[index] (set | scale | add) value``; index None = every element."""

    item: str
    op: str
    value: float
    index: tuple[str, ...] | None = None

    def new_value(self, old: float) -> float:
        return self.value if self.op == "set" else old * self.value if self.op == "scale" else old + self.value


def parse_shock(raw: dict, where: str) -> Shock:
    """A shock from config: ``{param = "tw", index = ["labr", "a_nag"], scale = 0.5}``."""
    keys = set(raw)
    valid = {"param", "index", *OPERATIONS}
    unknown = keys - valid
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; valid: {', '.join(sorted(valid))}")
    if "param" not in raw:
        raise ConfigError(f"{where}: a shock needs 'param', one of {', '.join(SHOCKABLE)}")
    item = raw["param"]
    if item not in SHOCKABLE:
        raise ConfigError(f"{where}: unknown parameter '{item}'; shockable: {', '.join(SHOCKABLE)}")
    ops = [op for op in OPERATIONS if op in raw]
    if len(ops) != 1:
        raise ConfigError(f"{where}: give exactly one of {', '.join(OPERATIONS)} (got {ops or 'none'})")
    value = raw[ops[0]]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where}: '{ops[0]}' must be a finite number (got {value!r})")
    index = raw.get("index")
    if isinstance(index, str):
        index = (index,)
    elif index is not None:
        if not isinstance(index, list) or not all(isinstance(x, str) for x in index):
            raise ConfigError(f"{where}: 'index' must be a label or a list of labels (got {index!r})")
        index = tuple(index)
    return Shock(item, ops[0], float(value), index)


def _component(m, item: str):
    comp = getattr(m, item, None)
    if not isinstance(comp, (Param, Var)):
        raise ConfigError(f"the model has no parameter '{item}'")
    return comp


def targets(m, shock: Shock, where: str = "shock") -> list:
    """The Param/Var data objects a shock changes; unknown labels list the valid ones."""
    comp = _component(m, shock.item)
    if not comp.is_indexed():
        if shock.index:
            raise ConfigError(f"{where}: '{shock.item}' is a scalar and takes no index")
        objs = [comp]
    elif shock.index is None:
        objs = list(comp.values())
    else:
        key = shock.index[0] if len(shock.index) == 1 else shock.index
        if key not in comp:
            valid = ", ".join(",".join(k) if isinstance(k, tuple) else str(k) for k in comp)
            raise ConfigError(f"{where}: '{shock.item}' has no element [{','.join(shock.index)}]; "
                              f"valid: {valid}")
        objs = [comp[key]]
    if isinstance(comp, Var):
        free = [o.name for o in objs if not o.fixed]
        if free:
            raise ConfigError(f"{where}: {', '.join(free)} is determined by the model under this closure "
                              f"({m.closure.as_dict()}); only a fixed level can be shocked")
    return objs


def apply_shock(m, shock: Shock, where: str = "shock") -> None:
    """Apply one shock to model ``m``, checking the valid range of every new value."""
    meaning, ok, valid = SHOCKABLE[shock.item]
    for obj in targets(m, shock, where):
        new = shock.new_value(obj.value)
        if not ok(new):
            raise ConfigError(f"{where}: {obj.name} ({meaning}) would become {new:g}; it must be {valid}")
        if hasattr(obj, "fix"):
            obj.fix(new)
        else:
            obj.set_value(new)
