"""Solver bridge: a Pyomo ConcreteModel of equilibrium equations, solved by Ipopt.

The active constraints (all equalities) are the equations ``g(x, p) = lhs - rhs = 0``;
free Vars are the unknowns ``x``; fixed Vars and mutable Params are the data ``p``,
read into a parameter vector at every call, so changing their values re-solves
without recompiling. Residuals, the exact sparse Jacobian and the exact Hessian
of the Lagrangian are differentiated symbolically once
(``differentiate(..., mode=reverse_symbolic)``), emitted as numpy source and
``compile()``d. Constraints that share one algebraic template (as a rule the
members of an indexed constraint built from mutable Params) are evaluated
together, vectorised over their members, and subexpressions shared inside a
template are computed once. (Immutable Params are printed as numbers, so members
with different values no longer share a template: still correct, but compiled
one by one, about 0.6 ms per equation.)

Ipopt (cyipopt) solves the square system as a feasibility problem (constant
objective) with user scaling: variables by ``1/max(|x|, 1)`` at compile time,
equations by the largest entry of their Jacobian row in scaled variables at
compile time; a Pyomo ``Suffix`` named ``scaling_factor`` on the model overrides
either. Defaults (measured by benchmarks/bench_solver.py): the exact Hessian
(same iterations as limited-memory on mild shocks, fewer on hard ones, and
cheaper per iteration on large systems) and the monotone barrier strategy.
"""

from __future__ import annotations

import dataclasses
import re
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

import cyipopt
import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.core.expr import numeric_expr as ne
from pyomo.core.expr.calculus.derivatives import Modes, differentiate
from pyomo.core.expr.relational_expr import EqualityExpression
from pyomo.core.expr.visitor import identify_variables
from scipy.sparse.csgraph import maximum_bipartite_matching

from cge.errors import SolveError, StructureError

DEFAULT_OPTIONS = {
    "print_level": 0,
    "sb": "yes",
    "tol": 1e-9,
    "max_iter": 200,
    "hessian_approximation": "exact",
    "nlp_scaling_method": "user-scaling",
    "mu_strategy": "monotone",
}

_IPOPT_STATUS = {
    0: "solve_succeeded",
    1: "solved_to_acceptable_level",
    2: "infeasible_problem_detected",
    3: "search_direction_becomes_too_small",
    4: "diverging_iterates",
    5: "user_requested_stop",
    6: "feasible_point_found",
    -1: "maximum_iterations_exceeded",
    -2: "restoration_failed",
    -3: "error_in_step_computation",
    -4: "maximum_cputime_exceeded",
    -5: "maximum_walltime_exceeded",
    -10: "not_enough_degrees_of_freedom",
    -11: "invalid_problem_definition",
    -12: "invalid_option",
    -13: "invalid_number_detected",
    -100: "unrecoverable_exception",
    -101: "nonipopt_exception_thrown",
    -102: "insufficient_memory",
    -199: "internal_error",
}
_SUCCESS = {0, 6}
_ACCEPTABLE = 1
_N_WORST = 10

# ---------------------------------------------------------------------------
# Pyomo expression -> Python source
# ---------------------------------------------------------------------------

_VAR, _PARAM, _CONST, _NAMED, _SUM, _PROD, _DIV, _POW, _NEG, _ABS, _FUNC = range(1, 12)
_OPERATORS = [  # order matters: AbsExpression is a UnaryFunctionExpression
    (ne.AbsExpression, _ABS),
    (ne.UnaryFunctionExpression, _FUNC),
    (ne.SumExpression, _SUM),
    (ne.ProductExpression, _PROD),
    (ne.DivisionExpression, _DIV),
    (ne.PowExpression, _POW),
    (ne.NegationExpression, _NEG),
]
_FUNCTIONS = {
    "exp": np.exp, "log": np.log, "log10": np.log10, "sqrt": np.sqrt,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin,
    "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh,
    "atanh": np.arctanh, "ceil": np.ceil, "floor": np.floor,
}
_KINDS: dict[type, int] = {}
_SLOT = re.compile(r"\b[xp]\d+\b")


def _classify(node) -> int:
    """Kind of a Pyomo node class (cached per class)."""
    kind = None
    if not node.is_expression_type():
        if node.is_variable_type():
            kind = _VAR
        elif node.is_parameter_type():
            kind = _PARAM
        elif node.is_constant():
            kind = _CONST
    elif node.is_named_expression_type():
        kind = _NAMED
    else:
        kind = next((k for cls, k in _OPERATORS if isinstance(node, cls)), None)
    if kind is None:
        raise TypeError(f"the solver bridge cannot compile {type(node).__name__} nodes: {node}")
    _KINDS[node.__class__] = kind
    return kind


def _number(value) -> str:
    text = repr(float(value))
    return f"({text})" if text[0] == "-" else text


def _is_number(node) -> bool:
    return isinstance(node, (int, float, np.number))


def _is_zero(node) -> bool:
    return _is_number(node) and node == 0


class _Writer:
    """Python source of Pyomo expressions over slot names.

    Leaves become slots numbered by first occurrence: ``x<k>`` for a free Var,
    ``p<k>`` for a fixed Var or a mutable Param, so two constraints with the same
    source share a template. Nodes whose id is in ``shared`` are computed once
    into temporaries ``t<k>`` (``lines``)."""

    def __init__(self, names: dict | None = None, shared: frozenset = frozenset()):
        self.names = {} if names is None else names
        self.leaves: list = []
        self.shared = shared
        self.temps: dict[int, str] = {}
        self.lines: list[str] = []

    def _leaf(self, node, prefix: str) -> str:
        name = self.names.get(id(node))
        if name is None:
            name = f"{prefix}{len(self.names)}"
            self.names[id(node)] = name
            self.leaves.append(node)
        return name

    def write(self, node) -> str:
        if _is_number(node):
            return _number(node)
        kind = _KINDS.get(node.__class__) or _classify(node)
        if kind == _VAR:
            return self._leaf(node, "p" if node.fixed else "x")
        if kind == _PARAM:
            return self._leaf(node, "p")
        if kind == _CONST:
            return _number(node.value)
        if self.shared and id(node) in self.shared:
            temp = self.temps.get(id(node))
            if temp is None:
                source = self._operator(kind, node)
                temp = self.temps[id(node)] = f"t{len(self.temps)}"
                self.lines.append(f"{temp} = {source}")
            return temp
        return self._operator(kind, node)

    def _operator(self, kind: int, node) -> str:
        if kind == _NAMED:
            return self.write(node.expr)
        if kind == _SUM:
            return "(" + " + ".join([self.write(arg) for arg in node.args]) + ")"
        a = [self.write(arg) for arg in node.args]
        if kind == _PROD:
            return f"({a[0]}*{a[1]})"
        if kind == _DIV:
            return f"({a[0]}/{a[1]})"
        if kind == _POW:
            return f"({a[0]}**{a[1]})"
        if kind == _NEG:
            return f"(-{a[0]})"
        if kind == _ABS:
            return f"abs({a[0]})"
        name = node.getname()
        if name not in _FUNCTIONS:
            raise TypeError(f"the solver bridge cannot compile the function {name}()")
        return f"{name}({a[0]})"


def _shared_nodes(exprs) -> frozenset:
    """Ids of composite nodes reached more than once from ``exprs``."""
    seen, shared, stack = set(), set(), list(exprs)
    while stack:
        node = stack.pop()
        if _is_number(node) or not node.is_expression_type():
            continue
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        stack.extend(node.args)
    return frozenset(shared)


def _derivatives(expr, wrt: list, con) -> list:
    """Symbolic d expr / d w for w in wrt (reverse mode); names the constraint on failure."""
    if not wrt:
        return []
    try:
        return differentiate(expr, wrt_list=wrt, mode=Modes.reverse_symbolic)
    except Exception as err:
        raise TypeError(f"cannot differentiate constraint {con.name}: {err}") from err


def _sides(con):
    """(lhs, rhs) of an equality constraint."""
    expr = con.expr
    if isinstance(expr, EqualityExpression):
        return expr.args
    return con.body, con.upper


# ---------------------------------------------------------------------------
# Compilation
# ---------------------------------------------------------------------------


@dataclass
class _Group:
    """Constraints sharing one template: ``slots[k][m]`` is the index (into x or
    p) of slot k for member m; ``rows`` is the slice of the equation vector."""

    rep: object
    names: dict
    leaves: list
    members: list
    cons: list
    slots: list = dataclasses.field(default_factory=list)
    rows: slice | None = None
    x_slots: list = dataclasses.field(default_factory=list)
    derivatives: list = dataclasses.field(default_factory=list)


class _Source:
    """Builds one compiled function ``name(x, p, out)`` from per-group blocks."""

    def __init__(self, namespace: dict):
        self.ns = namespace
        self.body: list[str] = []

    def index(self, values: np.ndarray) -> str:
        if len(values) == 1:
            return str(int(values[0]))
        name = f"_i{len(self.ns)}"
        self.ns[name] = values
        return name

    def block(self, group: _Group, writer: _Writer, targets: list[tuple[slice, str]]) -> None:
        used = set(_SLOT.findall(" ".join(writer.lines + [s for _, s in targets])))
        loads = []
        for k, leaf_name in enumerate(group.names.values()):
            if leaf_name in used:
                array = "x" if leaf_name[0] == "x" else "p"
                loads.append(f"{leaf_name} = {array}[{self.index(group.slots[k])}]")
        self.body += loads + writer.lines
        for where, source in targets:
            target = where.start if where.stop - where.start == 1 else f"{where.start}:{where.stop}"
            self.body.append(f"out[{target}] = {source}")

    def compile(self, name: str) -> Callable:
        source = f"def {name}(x, p, out):\n" + "".join(f"    {line}\n" for line in self.body)
        source += "    return out\n"
        exec(compile(source, f"<cge.solver {name}>", "exec"), self.ns)
        return self.ns[name]


def _namespace() -> dict:
    return {**_FUNCTIONS, "inf": np.inf, "nan": np.nan}


def _pieces(block: pyo.Block):
    """(active constraints, free Vars) of a model: what the compiled code depends on."""
    cons = list(block.component_data_objects(pyo.Constraint, active=True, descend_into=True))
    free = [v for v in block.component_data_objects(pyo.Var, descend_into=True) if not v.fixed]
    return cons, free


_FIXED, _ACTIVE, _VALUE = attrgetter("fixed"), attrgetter("active"), attrgetter("value")
_WATCHED = (pyo.Var, pyo.Constraint, pyo.Block)


class _Watch:
    """A cheap test that ``_pieces(model)`` is unchanged since this snapshot.

    It records the Var, Constraint and Block components (identity, number of
    members, active flag) and the flags of all their members (``fixed`` of
    VarData, ``active`` of ConstraintData and BlockData), and compares them
    again without walking the model's members. The active constraints and free
    Vars follow from exactly these, unless a member of an indexed component was
    deleted and another added between two checks (member count unchanged),
    which is not detected, like an edit of a constraint's expression."""

    def __init__(self, model: pyo.Block):
        self.model = model
        self.components = list(model.component_objects(_WATCHED, descend_into=True))  # kept alive: ids stay unique
        self.shape = self._shape(self.components)
        self.vars = list(model.component_data_objects(pyo.Var, descend_into=True))
        self.others = [model, *model.component_data_objects((pyo.Constraint, pyo.Block), descend_into=True)]
        self.flags = self._flags()

    @staticmethod
    def _shape(components) -> list:
        return [(id(c), len(c), c.active) for c in components]

    def _flags(self) -> tuple[list, list]:
        return list(map(_FIXED, self.vars)), list(map(_ACTIVE, self.others))

    def unchanged(self) -> bool:
        components = self.model.component_objects(_WATCHED, descend_into=True)
        return self._shape(components) == self.shape and self._flags() == self.flags


def _values(objs: list, missing_message: str) -> np.ndarray:
    """``.value`` of Vars or mutable Params as floats; ValueError names all without one."""
    try:
        values = list(map(_VALUE, objs))
    except ValueError:  # a mutable Param never given a value
        values = [pyo.value(obj, exception=False) for obj in objs]
    if None in values:
        missing = [obj.name for obj, value in zip(objs, values) if value is None]
        raise ValueError(f"{missing_message}: " + ", ".join(missing))
    return np.array(values, dtype=float)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


@dataclass
class SolveStatus:
    """Outcome of a converged solve (times in seconds; residuals are max-abs)."""

    status: str
    message: str
    iterations: int
    compile_time: float
    solve_time: float
    max_residual: float
    max_scaled_residual: float


class CompiledModel:
    """Compiled residuals and Jacobian of a Pyomo model's equation system.

    Values of mutable Params, fixed Vars and Var bounds are read at every call,
    so a scenario re-solves with the same compiled code, warm-started from the
    current Var values. A change of WHICH Vars are fixed (a closure switch) or
    of which constraints are active is detected automatically and recompiles
    (a cheap check of the ``fixed`` and ``active`` flags and of the components
    and their member counts; on any change, the free Vars and active
    constraints are compared with those compiled); ``n_compiles`` counts
    compilations. Editing a constraint's expression in place, or replacing a
    member of an indexed component, is not detected: build a new CompiledModel
    then.

    Equations are ordered by template (members of an indexed constraint stay
    together): ``equation_names`` and ``variable_names`` label the rows and
    columns of ``residuals()`` and ``jacobian()``.
    """

    def __init__(self, model: pyo.ConcreteModel, options: dict | None = None):
        self.model = model
        self.options = dict(options or {})
        self.n_compiles = 0
        self._compile_seconds = 0.0
        self._signature = self._watch = self._ipopt = None
        self._ensure_current()

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_ipopt": None}  # a cyipopt Problem cannot be copied (Block.clone)

    # -- compilation ------------------------------------------------------

    def _compile(self, cons: list, free: list) -> None:
        start = time.perf_counter()
        not_equal = [c.name for c in cons if not c.equality]
        if not_equal:
            raise StructureError(
                f"{len(not_equal)} active constraints are not equations: " + ", ".join(not_equal)
            )
        self._vars, self._params = list(free), []
        self._groups = self._templates(cons)
        self._index_slots()
        self.equation_names = [c.name for group in self._groups for c in group.cons]
        self.variable_names = [v.name for v in self._vars]

        ns = _namespace()
        residuals, jacobian = _Source(ns), _Source(ns)
        rows, cols, nnz = [], [], 0
        for group in self._groups:
            n = group.rows.stop - group.rows.start
            residual = self._residual_expr(group.rep)
            writer = _Writer(group.names, _shared_nodes([residual]))
            residuals.block(group, writer, [(group.rows, writer.write(residual))])

            ders = _derivatives(residual, [group.leaves[k] for k in group.x_slots], group.rep)
            group.derivatives = [(k, d) for k, d in zip(group.x_slots, ders) if not _is_zero(d)]
            writer = _Writer(group.names, _shared_nodes(d for _, d in group.derivatives))
            targets = []
            for k, der in group.derivatives:
                targets.append((slice(nnz, nnz + n), writer.write(der)))
                nnz += n
                rows.append(np.arange(group.rows.start, group.rows.stop))
                cols.append(group.slots[k])
            jacobian.block(group, writer, targets)

        self._jac_rows = np.concatenate(rows) if rows else np.zeros(0, np.intp)
        self._jac_cols = np.concatenate(cols) if cols else np.zeros(0, np.intp)
        self._res_fn = residuals.compile("residuals")
        self._jac_fn = jacobian.compile("jacobian")
        self._hess = None
        self._structure_error = self._structure_problem()
        self._scaling()
        self.n_compiles += 1
        self._compile_seconds = time.perf_counter() - start

    def _templates(self, cons: list) -> list[_Group]:
        """Constraints grouped by template (their source with numbered slots);
        each group gets its slice of the equation vector."""
        groups: dict[str, _Group] = {}
        for con in cons:
            writer = _Writer()
            key = self._residual_source(writer, con)
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(con, writer.names, writer.leaves, [], [])
            group.members.append(writer.leaves)
            group.cons.append(con)
        first = 0
        for group in groups.values():
            group.rows = slice(first, first + len(group.cons))
            first = group.rows.stop
        return list(groups.values())

    def _index_slots(self) -> None:
        """For each group and slot, the positions of its members' leaves in x
        (free Vars) or p (fixed Vars, mutable Params, numbered here)."""
        column = {id(v): j for j, v in enumerate(self._vars)}
        param_index: dict[int, int] = {}
        for group in self._groups:
            for k, leaf in enumerate(group.leaves):
                objs = [leaves[k] for leaves in group.members]
                free = group.names[id(leaf)][0] == "x"
                index, items = (column, self._vars) if free else (param_index, self._params)
                for obj in objs:
                    if id(obj) not in index:  # a new Param, or a free Var outside the model
                        index[id(obj)] = len(items)
                        items.append(obj)
                group.slots.append(np.array([index[id(o)] for o in objs], dtype=np.intp))
                if free:
                    group.x_slots.append(k)

    @staticmethod
    def _residual_source(writer: _Writer, con) -> str:
        lhs, rhs = _sides(con)
        left = writer.write(lhs)
        return left if _is_zero(rhs) else f"{left} - {writer.write(rhs)}"

    @staticmethod
    def _residual_expr(con):
        lhs, rhs = _sides(con)
        return lhs if _is_zero(rhs) else lhs - rhs

    def _compile_hessian(self) -> None:
        """Second derivatives per template: ``contrib`` values, their equation
        rows and their positions in the lower-triangular Hessian structure."""
        start = time.perf_counter()
        source = _Source(_namespace())
        rows, keys, first = [], [], 0
        n = len(self._vars)
        for group in self._groups:
            size = group.rows.stop - group.rows.start
            pairs = []
            for k, der in group.derivatives:
                if _is_number(der):  # constant first derivative: no second derivative
                    continue
                present = {id(v) for v in identify_variables(der, include_fixed=False)}
                slots = [j for j, _ in group.derivatives if j <= k]
                slots = [j for j in slots if id(group.leaves[j]) in present]
                second = _derivatives(der, [group.leaves[j] for j in slots], group.rep)
                pairs += [(j, k, d2) for j, d2 in zip(slots, second)]
            writer = _Writer(group.names, _shared_nodes(d2 for *_, d2 in pairs))
            targets = []
            for j, k, d2 in pairs:
                if _is_zero(d2):
                    continue
                targets.append((slice(first, first + size), writer.write(d2)))
                first += size
                a, b = group.slots[j], group.slots[k]
                keys.append(np.maximum(a, b) * n + np.minimum(a, b))
                rows.append(np.arange(group.rows.start, group.rows.stop))
            source.block(group, writer, targets)
        keys = np.concatenate(keys) if keys else np.zeros(0, np.intp)
        unique, position = np.unique(keys, return_inverse=True)
        self._hess = {
            "fn": source.compile("hessian"),
            "rows": np.concatenate(rows) if rows else np.zeros(0, np.intp),
            "position": position,
            "structure": (unique // max(n, 1), unique % max(n, 1)),
            "n_contrib": first,
        }
        self._compile_seconds += time.perf_counter() - start

    # -- values -----------------------------------------------------------

    def _ensure_current(self) -> float:
        """Recompile if the free Vars or active constraints changed; return the
        seconds spent compiling (0.0 when the compiled code was reused)."""
        if self._watch is not None and self._watch.unchanged():
            return 0.0
        watch = _Watch(self.model)
        cons, free = _pieces(self.model)
        signature = ([id(c) for c in cons], [id(v) for v in free])
        seconds = 0.0
        if signature != self._signature:
            self._watch = self._signature = None  # until compiled: a failed compile is retried
            self._compile(cons, free)
            self._signature, seconds = signature, self._compile_seconds
        self._watch = watch
        return seconds

    def _x(self) -> np.ndarray:
        return _values(self._vars, "free Vars without a starting value")

    def _set_x(self, x: np.ndarray) -> None:
        for var, value in zip(self._vars, x.tolist()):
            var.set_value(value, skip_validation=True)

    def _p(self) -> np.ndarray:
        return _values(self._params, "fixed Vars or Params without a value")

    def _g(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self._res_fn(x, p, np.empty(len(self.equation_names)))

    def _jac_values(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self._jac_fn(x, p, np.empty(len(self._jac_rows)))

    def residuals(self) -> pd.Series:
        """Unscaled residuals lhs - rhs at the current Var values, by constraint name."""
        self._ensure_current()
        return pd.Series(self._g(self._x(), self._p()), index=self.equation_names, name="residual")

    def jacobian(self) -> sp.csr_matrix:
        """Jacobian d(lhs - rhs)/dx at the current values; rows follow
        ``equation_names``, columns ``variable_names``."""
        self._ensure_current()
        values = self._jac_values(self._x(), self._p())
        shape = (len(self.equation_names), len(self._vars))
        return sp.csr_matrix((values, (self._jac_rows, self._jac_cols)), shape=shape)

    def _scaling(self) -> None:
        """x scale 1/max(|x|, 1); equation scale 1/max_j |J_ij / sx_j| (1 for an
        all-zero row), both at the compile-time point; the ``scaling_factor``
        Suffix, if present, overrides both."""
        suffix = getattr(self.model, "scaling_factor", None)
        suffix = suffix if isinstance(suffix, pyo.Suffix) else {}
        x = np.array([v.value if v.value is not None else 0.0 for v in self._vars])
        self._x_scale = 1.0 / np.maximum(np.abs(x), 1.0)
        try:
            values = self._jac_values(x, self._p()) / self._x_scale[self._jac_cols]
        except ValueError:  # data not yet set: scale from structure only
            values = np.ones(len(self._jac_rows))
        row_max = np.zeros(len(self.equation_names))
        np.maximum.at(row_max, self._jac_rows, np.nan_to_num(np.abs(values)))
        self._g_scale = np.where(row_max > 0, 1.0 / np.where(row_max > 0, row_max, 1.0), 1.0)
        self._g_scale = np.clip(self._g_scale, 1e-12, 1e12)
        if suffix:
            for j, var in enumerate(self._vars):
                self._x_scale[j] = suffix.get(var, self._x_scale[j])
            cons = [con for group in self._groups for con in group.cons]
            for i, con in enumerate(cons):
                self._g_scale[i] = suffix.get(con, self._g_scale[i])

    # -- structure --------------------------------------------------------

    def check_structure(self) -> None:
        """Raise StructureError unless equations and free Vars are equal in number
        and a maximum matching of the incidence pattern pairs all of them."""
        self._ensure_current()
        self._raise_structure_error()

    def _raise_structure_error(self) -> None:
        if self._structure_error:
            raise StructureError(self._structure_error)

    def _structure_problem(self) -> str | None:
        m, n = len(self.equation_names), len(self._vars)
        pattern = sp.csr_matrix(
            (np.ones(len(self._jac_rows)), (self._jac_rows, self._jac_cols)), shape=(m, n)
        )
        match = np.full(m, -1)
        if m and n:
            match = maximum_bipartite_matching(pattern, perm_type="column")
        bad_rows = [self.equation_names[i] for i in np.flatnonzero(match < 0)]
        matched = np.zeros(n, bool)
        matched[match[match >= 0]] = True
        bad_cols = [self.variable_names[j] for j in np.flatnonzero(~matched)]
        if not bad_rows and not bad_cols:
            return None
        head = "not square" if m != n else "structurally singular"
        return (
            f"the equation system is {head}: {m} equations, {n} free variables, "
            f"a maximum matching pairs {m - len(bad_rows)}.\n"
            f"unmatched equations ({len(bad_rows)}): {', '.join(bad_rows) or '-'}\n"
            f"unmatched variables ({len(bad_cols)}): {', '.join(bad_cols) or '-'}"
        )

    # -- solving ----------------------------------------------------------

    def solve(self, **options) -> SolveStatus:
        """Solve the square system from the current Var values; write the
        solution into the Vars.

        Options (Ipopt's, e.g. tol, max_iter, linear_solver, print_level,
        hessian_approximation='exact') override the constructor's, which
        override DEFAULT_OPTIONS. Success is Ipopt's 'solve succeeded' (or
        'feasible point found'); 'solved to acceptable level' counts only if the
        max scaled residual is below ``tol``. Otherwise SolveError lists the 10
        equations with the largest scaled residuals (values unscaled) and the
        Vars keep their pre-solve values. Raises StructureError first if the
        system is not square or structurally singular.
        """
        compile_time = self._ensure_current()
        self._raise_structure_error()
        opts = {**DEFAULT_OPTIONS, **self.options, **options}
        exact = opts["hessian_approximation"] == "exact"
        if exact and self._hess is None:
            before = self._compile_seconds
            self._compile_hessian()
            compile_time += self._compile_seconds - before
        start = time.perf_counter()
        x0, p = self._x(), self._p()
        if not len(x0):
            return SolveStatus("solve_succeeded", "empty system", 0, compile_time, 0.0, 0.0, 0.0)
        problem, callbacks = self._problem(opts, p)
        try:
            x, info = problem.solve(x0)
        except BaseException:  # cyipopt would raise a callback's error again at the next solve
            self._ipopt = None
            raise
        g = self._g(x, p)
        scaled = np.abs(g * self._g_scale)
        status = _IPOPT_STATUS.get(info["status"], str(info["status"]))
        message = info["status_msg"]
        message = message.decode() if isinstance(message, bytes) else str(message)
        converged = np.all(np.isfinite(g)) and (
            info["status"] in _SUCCESS
            or (info["status"] == _ACCEPTABLE and scaled.max() <= opts["tol"])
        )
        if not converged:
            worst = np.argsort(-np.nan_to_num(scaled, nan=np.inf))[:_N_WORST]
            raise SolveError(
                f"Ipopt did not converge ({status}: {message}) after {callbacks.iterations} "
                f"iterations; max residual {np.abs(g).max():.3e} (scaled {scaled.max():.3e}). "
                "The variables keep their values from before the solve.",
                status=status,
                worst=[(self.equation_names[i], float(g[i])) for i in worst],
            )
        self._set_x(x)
        return SolveStatus(
            status, message, callbacks.iterations, compile_time,
            time.perf_counter() - start, float(np.abs(g).max()), float(scaled.max()),
        )

    def _problem(self, opts: dict, p: np.ndarray) -> tuple[cyipopt.Problem, _Callbacks]:
        """A cyipopt Problem with the current bounds, scaling and ``opts``, and its
        callbacks, set to parameters ``p``. The last one is reused while the
        compiled code, bounds and options are unchanged (options persist in a
        Problem); creating one costs about 0.4 ms."""
        lb, ub = _bounds(self._vars)
        key = (self.n_compiles, opts, lb.tobytes(), ub.tobytes())
        if self._ipopt is None or self._ipopt[0] != key:
            exact = opts["hessian_approximation"] == "exact"
            callbacks = (_ExactCallbacks if exact else _Callbacks)(self, p)
            zeros = np.zeros(len(self.equation_names))
            problem = cyipopt.Problem(len(lb), len(zeros), callbacks, lb, ub, zeros, zeros)
            for name, value in opts.items():
                _add_option(problem, name, value)
            if opts["nlp_scaling_method"] == "user-scaling":
                problem.set_problem_scaling(1.0, self._x_scale, self._g_scale)
            self._ipopt = (key, problem, callbacks)
        _, problem, callbacks = self._ipopt
        callbacks.p, callbacks.iterations = p, 0
        return problem, callbacks


def _bounds(variables: list) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of Vars for Ipopt; no bound is -/+1e20 (Ipopt's infinity)."""
    bounds = np.array([v.bounds for v in variables], dtype=float).reshape(-1, 2)  # None: nan
    lb, ub = np.where(np.isnan(bounds), [-1e20, 1e20], bounds).T.copy()
    return lb, ub


def _add_option(problem, key: str, value) -> None:
    """Pass one Ipopt option; an int given for a float option is retried as float."""
    try:
        problem.add_option(key, value)
    except TypeError:
        if not isinstance(value, int):
            raise
        problem.add_option(key, float(value))


class _Callbacks:
    """cyipopt callbacks for the feasibility problem min 0 s.t. g(x, p) = 0."""

    def __init__(self, compiled: CompiledModel, p: np.ndarray):
        self.c, self.p = weakref.proxy(compiled), p  # no cycle through CompiledModel._ipopt
        self.iterations = 0
        self._gradient = np.zeros(len(compiled._vars))

    def objective(self, x):
        return 0.0

    def gradient(self, x):
        return self._gradient

    def constraints(self, x):
        return self.c._g(x, self.p)

    def jacobian(self, x):
        return self.c._jac_values(x, self.p)

    def jacobianstructure(self):
        return self.c._jac_rows, self.c._jac_cols

    def intermediate(self, alg_mod, iter_count, *args):
        self.iterations = iter_count
        return True


class _ExactCallbacks(_Callbacks):
    """Adds the exact Hessian of the Lagrangian sum_i lambda_i g_i."""

    def hessianstructure(self):
        return self.c._hess["structure"]

    def hessian(self, x, lagrange, obj_factor):
        hess = self.c._hess
        with np.errstate(all="ignore"):
            contrib = hess["fn"](x, self.p, np.empty(hess["n_contrib"]))
        weights = contrib * lagrange[hess["rows"]]
        return np.bincount(hess["position"], weights=weights, minlength=len(hess["structure"][0]))


def solve(model: pyo.ConcreteModel, **options) -> SolveStatus:
    """Compile ``model`` once (cached as ``model._cge_compiled``) and solve it."""
    compiled = getattr(model, "_cge_compiled", None)
    if not isinstance(compiled, CompiledModel) or compiled.model is not model:
        compiled = CompiledModel(model)
        model._cge_compiled = compiled
    return compiled.solve(**options)


def solve_path(
    compiled: CompiledModel,
    set_params: Callable[[float], None],
    steps: int = 8,
    min_step: float = 1 / 256,
    **options,
) -> tuple[SolveStatus, list[float]]:
    """Solve the shock ``set_params(1)``; if that fails from the current point,
    walk t = 0 -> 1 in steps of 1/steps, each solve warm-started from the last,
    halving the step after a failure (down to ``min_step``) and doubling it back
    after a success. Returns the final status (iterations and solve time summed
    over the path) and the t values solved. If t = 1 cannot be reached, the
    parameters (``set_params(0)``) and the Vars are restored to their state
    before the call and SolveError names the worst equations of the last failure.
    """
    start_x = compiled._x()
    set_params(1.0)
    try:
        return compiled.solve(**options), [1.0]
    except SolveError:
        pass
    t, step, path, total = 0.0, 1.0 / steps, [], None
    while t < 1.0:
        target = min(1.0, t + step)
        set_params(target)
        try:
            status = compiled.solve(**options)
        except SolveError as err:
            step /= 2
            if step < min_step:
                set_params(0.0)
                compiled._set_x(start_x)
                raise SolveError(
                    f"homotopy stopped at t={t:.6g}: the step to t={target:.6g} failed "
                    f"with the smallest step {2 * step:.3g} ({err.status})",
                    status=err.status,
                    worst=err.worst,
                ) from None
            continue
        t = target
        path.append(t)
        step = min(2 * step, 1.0 / steps)
        total = status if total is None else dataclasses.replace(
            status,
            iterations=total.iterations + status.iterations,
            solve_time=total.solve_time + status.solve_time,
            compile_time=total.compile_time + status.compile_time,
        )
    return total, path
