"""The Python API for scripts: calibrate once, change parameters, re-solve.

    >>> from cge import Model
    >>> model = Model("china2020")                 # bundled SAM + calibration
    >>> base = model.solve()                         # the benchmark
    >>> model.set("tw", ("labr", "a_nag"), scale=0.5)
    >>> result = model.solve()                       # warm-started, no recompile
    >>> result.welfare                               # EV by household

The Pyomo model is built once; a change of parameter values re-solves the
compiled system warm-started from the last solution. A change of closure, or
an elasticity moving onto or off σ = 1 (which switches the CES formula to its
Cobb–Douglas form), rebuilds the model and compiles again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import xarray as xr
from pyomo.environ import Param, Var

from .assumptions import Assumptions, load_assumptions
from .calibrate import Calibration, calibrate
from .checks import CheckReport, run_checks
from .closure import Closure
from .errors import SolveError
from .model import build_model, cobb_douglas_nodes, set_values
from .labels import to_dataset
from .results import capture, invalid_reasons, welfare_table
from .shocks import Shock, apply_shock
from .solver import CompiledModel, SolveStatus, solve_path

# Solver defaults for results: residuals of the scaled system below 1e-10.
SOLVER_DEFAULTS = {"tol": 1e-10, "max_iter": 200}
# Variables whose fixed levels belong to a scenario (closure-fixed levels and the numeraire).
LEVEL_VARS = ("FSAV", "GADJ", "IADJ", "DTY", "DMPS", "CPI", "EXR", "WF")


@dataclass
class Result:
    """One solved scenario: all variables and reports, the solver status, the path taken.

    Values are captured when the scenario is solved; the xarray Dataset is built
    on first use (sweeps that read a few numbers never pay for it).
    """

    name: str
    items: dict
    status: SolveStatus
    path: list[float] = field(default_factory=lambda: [1.0])

    @cached_property
    def dataset(self) -> xr.Dataset:
        return to_dataset(self.items)

    @property
    def welfare(self) -> pd.DataFrame:
        """EV by household, in the SAM's money unit and in % of benchmark consumption."""
        return welfare_table(self.dataset)

    def __getitem__(self, name: str) -> xr.DataArray:
        return self.dataset[name]


def snapshot(m) -> dict:
    """Values of every mutable Param and of the fixed scenario-level variables."""
    out = {}
    for p in m.component_objects(Param):
        for k, d in p.items():
            out[p.name, k] = d.value
    for name in LEVEL_VARS:
        for k, v in getattr(m, name).items():
            if v.fixed:
                out[name, k] = v.value
    return out


class Model:
    """A calibrated model under a closure, built once and re-solved per scenario."""

    def __init__(self, calibration: str | Path | Assumptions = "china2020", *, sam=None,
                 closure: Closure | dict | None = None, solver_options: dict | None = None):
        asm = calibration if isinstance(calibration, Assumptions) else load_assumptions(calibration)
        self.cal: Calibration = calibrate(sam, asm)
        if not isinstance(closure, Closure):
            closure = Closure.from_config(closure if closure is not None else asm.closure, self.cal.sets.F)
        self.solver_options = {**SOLVER_DEFAULTS, **(solver_options or {})}
        self.m = build_model(self.cal, closure)
        self._benchmark_values = free_values(self.m)
        self.benchmark = snapshot(self.m)
        self._solved = dict(self.benchmark)   # parameters of the last solution
        self._compiled: CompiledModel | None = None

    # --- parameters -------------------------------------------------------------
    @property
    def closure(self) -> Closure:
        return self.m.closure

    def set(self, item: str, index=None, *, to: float | None = None, scale: float | None = None,
            add: float | None = None) -> "Model":
        """Change one parameter (or a fixed level) by label: ``set("tfp", "a_agr", scale=1.05)``."""
        ops = {"set": to, "scale": scale, "add": add}
        given = [(op, v) for op, v in ops.items() if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of to=, scale=, add=")
        if isinstance(index, str):
            index = (index,)
        apply_shock(self.m, Shock(item, given[0][0], float(given[0][1]), tuple(index) if index else None))
        return self

    def apply(self, shocks: list[Shock], where: str = "scenario") -> "Model":
        """Apply a list of shocks (from an experiment file)."""
        for k, s in enumerate(shocks):
            apply_shock(self.m, s, f"{where}, shock {k + 1}")
        return self

    def reset(self) -> "Model":
        """Parameters back to the benchmark; variables stay (a warm start)."""
        set_values(self.m, self.benchmark)
        return self

    def set_closure(self, closure: Closure | dict) -> "Model":
        """Switch closure (rebuilds and recompiles), keeping parameter values.

        The fixed levels of the new closure start at their benchmark values.
        """
        if not isinstance(closure, Closure):
            closure = Closure.from_config(closure, self.cal.sets.F)

        def params(values: dict) -> dict:
            return {k: v for k, v in values.items() if k[0] not in LEVEL_VARS}

        self._rebuild(closure, params(snapshot(self.m)))
        levels = snapshot(self.m)
        self.benchmark = {**levels, **params(self.benchmark)}
        self._solved = {**levels, **params(self._solved)}
        return self

    def _rebuild(self, closure: Closure, params: dict) -> None:
        """Build the model again with these parameter values, warm-started from the old one."""
        old = self.m
        self.m = build_model(self.cal, closure, params=params)
        self._benchmark_values = free_values(self.m)
        _copy_values(old, self.m)
        self._compiled = None

    # --- solving ------------------------------------------------------------------
    @property
    def compiled(self) -> CompiledModel:
        if self._compiled is None:
            self._compiled = CompiledModel(self.m, self.solver_options)
        return self._compiled

    def solve(self, name: str = "scenario", homotopy: bool = True) -> Result:
        """Solve at the current parameters, warm-started; walk there in steps if needed.

        Raises :class:`SolveError` (with the worst equations) if no equilibrium
        is found, or if the solution is invalid for the closure (a wage floor
        that does not bind).
        """
        if cobb_douglas_nodes(self.m) != self.m.cd_nodes:
            self._rebuild(self.closure, snapshot(self.m))
        target = snapshot(self.m)
        moved = {k: (self._solved.get(k, x), x) for k, x in target.items() if self._solved.get(k, x) != x}
        if homotopy and moved:

            def set_params(t: float) -> None:
                set_values(self.m, {k: a + t * (b - a) for k, (a, b) in moved.items()})

            status, path = solve_path(self.compiled, set_params)
        else:
            status, path = self.compiled.solve(), [1.0]
        self._solved = target
        invalid = invalid_reasons(self.m)
        if invalid:
            raise SolveError(f"scenario '{name}' has no valid solution under its closure: " + "; ".join(invalid),
                             status="invalid_for_closure")
        return Result(name, capture(self.m), status, path)

    def check(self, solve: bool = True) -> CheckReport:
        """The four checks of spec §9, from the benchmark: parameters and variables are
        put back to their benchmark values first (homogeneity and Walras then solve)."""
        self.restore_state(ModelState(self._benchmark_values, self.benchmark, self.benchmark))
        return run_checks(self.m, (lambda m: self.compiled.solve()) if solve else None)

    # --- state ----------------------------------------------------------------------
    def save_state(self) -> "ModelState":
        """Where the model is now: its variable values and parameters (to come back to)."""
        return ModelState(free_values(self.m), dict(self._solved), snapshot(self.m))

    def restore_state(self, state: "ModelState") -> "Model":
        """Back to a saved state: the next solve warm-starts from its variables."""
        for (name, k), x in state.variables.items():
            var = getattr(self.m, name)[k]
            if not var.fixed:
                var.set_value(x, skip_validation=True)
        set_values(self.m, state.params)
        self._solved = dict(state.solved)
        return self


@dataclass(frozen=True)
class ModelState:
    """Free-variable values, the parameters they are the solution for, the parameters in force."""

    variables: dict
    solved: dict
    params: dict


def free_values(m) -> dict:
    """Values of the free variables, by (variable name, index)."""
    return {(v.parent_component().name, v.index()): v.value for v in m.component_data_objects(Var) if not v.fixed}


def _copy_values(src, dst) -> None:
    """Warm start: copy free-variable values from one model to its rebuilt twin."""
    for var in src.component_objects(Var):
        twin = getattr(dst, var.name)
        for k, v in var.items():
            if k in twin and not twin[k].fixed:
                twin[k].set_value(v.value)
