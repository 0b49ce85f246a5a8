"""The ``[sweep]`` table of an experiment file: what varies, how, and how often.

    [sweep]
    method = "monte_carlo"          # "monte_carlo", "quadrature" or "grid"
    draws = 500                     # monte_carlo only
    seed = 2020                     # monte_carlo only (default 0)
    scenarios = ["hukou", "all"]    # optional: the scenarios swept (default: every scenario)
    chunk = 25                      # optional: draws per task (default: automatic)

    [[sweep.parameter]]             # monte_carlo / quadrature: one table per varied parameter
    param = "sigma_q"               # a shockable item (cge.shocks.SHOCKABLE)
    index = "c_agr"                 # label(s); omitted = every element takes the same draw
    distribution = "triangular"     # uniform(low, high) | triangular(low, mode, high)
    low = 1.3                       #   | normal(mean, sd), optional low/high truncation bounds
    mode = 2.3
    high = 5.0
    op = "set"                      # optional: set (default), scale or add
    label = "armington_agr"         # optional name in the results (default sigma_q[c_agr])

    [[sweep.parameter]]             # grid: exactly one parameter
    param = "tw"
    index = ["labr", "a_nag"]
    from = 0.15                     # `steps` equal steps from `from` to `to` (steps + 1 points)
    to = 0.0
    steps = 15                      # or: values = [0.15, 0.1, 0.05, 0.0]

A drawn value is applied with ``op`` on top of each swept scenario. With
``op = "set"`` a distribution is truncated to the parameter's valid range
(``SHOCKABLE``); a normal is further truncated to ``low``/``high`` if given.
Every problem of the table is reported at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import ConfigError
from .labels import label as label_of
from .shocks import OPERATIONS, SHOCKABLE, Shock

METHODS = ("monte_carlo", "quadrature", "grid")
DISTRIBUTIONS = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"), "normal": ("mean", "sd")}
SWEEP_KEYS = {"method", "draws", "seed", "scenarios", "chunk", "parameter"}
METHOD_ONLY = {"draws": "monte_carlo", "seed": "monte_carlo"}
COMMON_PARAM_KEYS = {"param", "index", "op", "label"}
DRAW_PARAM_KEYS = COMMON_PARAM_KEYS | {"distribution", "low", "high", "mode", "mean", "sd"}
GRID_PARAM_KEYS = COMMON_PARAM_KEYS | {"values", "from", "to", "steps"}
_BOUND = re.compile(r"^(>=|>|<=|<)\s*(-?\d+(?:\.\d*)?)$")


@dataclass(frozen=True)
class ParamSpec:
    """One varied parameter: a shock ``item[index] op value`` whose value is drawn or gridded."""

    label: str
    item: str
    index: tuple[str, ...] | None
    op: str
    distribution: str | None = None                 # None for a grid
    args: tuple[tuple[str, float], ...] = ()        # low, high, mode, mean, sd as given
    values: tuple[float, ...] | None = None         # grid points

    def shock(self, value: float) -> Shock:
        return Shock(self.item, self.op, float(value), self.index)

    def arg(self, name: str, default: float | None = None) -> float | None:
        return dict(self.args).get(name, default)


@dataclass(frozen=True)
class SweepConfig:
    method: str
    parameters: tuple[ParamSpec, ...]
    draws: int | None = None
    seed: int = 0
    scenarios: tuple[str, ...] | None = None
    chunk: int | None = None


def valid_bounds(item: str) -> tuple[float, float]:
    """The closed hull of an item's valid range, read from ``SHOCKABLE`` ("> -1" -> (-1, inf))."""
    desc = SHOCKABLE[item][2]
    if desc == "finite":
        return -math.inf, math.inf
    op, number = _BOUND.match(desc).groups()
    return (float(number), math.inf) if op.startswith(">") else (-math.inf, float(number))


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _index(raw, where: str, problems: list[str]) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
        return tuple(raw)
    problems.append(f"{where}: 'index' must be a label or a list of labels (got {raw!r})")
    return None


def _distribution(raw: dict, where: str, problems: list[str]) -> tuple[str | None, dict]:
    """The distribution name and its numeric arguments; checks their count and order."""
    name = raw.get("distribution")
    if name not in DISTRIBUTIONS:
        problems.append(f"{where}: 'distribution' must be one of {', '.join(DISTRIBUTIONS)} (got {name!r})")
        return None, {}
    needed = DISTRIBUTIONS[name]
    allowed = set(needed) | ({"low", "high"} if name == "normal" else set())
    given = {k: raw[k] for k in ("low", "high", "mode", "mean", "sd") if k in raw}
    extra, missing = sorted(set(given) - allowed), [k for k in needed if k not in given]
    if extra:
        problems.append(f"{where}: {name} takes {', '.join(sorted(allowed))}; not {', '.join(extra)}")
    if missing:
        problems.append(f"{where}: {name} needs {', '.join(needed)}; missing {', '.join(missing)}")
    bad = [k for k, v in given.items() if not _number(v)]
    if bad:
        problems.append(f"{where}: {', '.join(bad)} must be finite numbers")
    if extra or missing or bad:
        return None, {}
    args = {k: float(v) for k, v in given.items() if k in allowed}
    lo, hi = args.get("low", -math.inf), args.get("high", math.inf)
    if not lo < hi:
        problems.append(f"{where}: low ({lo:g}) must be below high ({hi:g})")
    if name == "triangular" and not lo <= args["mode"] <= hi:
        problems.append(f"{where}: mode ({args['mode']:g}) must lie between low and high")
    if name == "normal" and args["sd"] <= 0:
        problems.append(f"{where}: sd must be positive (got {args['sd']:g})")
    if name == "normal" and not lo <= args["mean"] <= hi:
        problems.append(f"{where}: mean ({args['mean']:g}) must lie between the truncation bounds")
    return name, args


def _grid_values(raw: dict, where: str, problems: list[str]) -> tuple[float, ...] | None:
    ranged = [k for k in ("from", "to", "steps") if k in raw]
    if ("values" in raw) == bool(ranged):
        problems.append(f"{where}: a grid needs either 'values' or all of 'from', 'to', 'steps' (not both)")
        return None
    if "values" in raw:
        vals = raw["values"]
        if not isinstance(vals, list) or not vals or not all(_number(v) for v in vals):
            problems.append(f"{where}: 'values' must be a non-empty list of finite numbers (got {vals!r})")
            return None
        return tuple(float(v) for v in vals)
    missing = [k for k in ("from", "to", "steps") if k not in raw]
    if missing:
        problems.append(f"{where}: a from/to grid needs {', '.join(missing)} too")
        return None
    steps = raw["steps"]
    if not (_number(raw["from"]) and _number(raw["to"])):
        problems.append(f"{where}: 'from' and 'to' must be finite numbers")
        return None
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        problems.append(f"{where}: 'steps' must be a positive integer (got {steps!r})")
        return None
    a, b = float(raw["from"]), float(raw["to"])
    return tuple(a + (b - a) * k / steps for k in range(steps + 1))


def _parameter(raw, method: str, where: str, problems: list[str]) -> ParamSpec | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a table (got {raw!r})")
        return None
    valid = GRID_PARAM_KEYS if method == "grid" else DRAW_PARAM_KEYS
    unknown = sorted(set(raw) - valid)
    if unknown:
        problems.append(f"{where}: unknown key(s) {unknown} for method '{method}'; valid: {', '.join(sorted(valid))}")
    before = len(problems)
    item = raw.get("param")
    if item not in SHOCKABLE:
        problems.append(f"{where}: 'param' must be a shockable item, one of {', '.join(SHOCKABLE)} (got {item!r})")
    op = raw.get("op", "set")
    if op not in OPERATIONS:
        problems.append(f"{where}: 'op' must be one of {', '.join(OPERATIONS)} (got {op!r})")
    index = _index(raw.get("index"), where, problems)
    name, args, values = None, {}, None
    if method == "grid":
        values = _grid_values(raw, where, problems)
    else:
        name, args = _distribution(raw, where, problems)
    if unknown or len(problems) > before:
        return None
    if op == "set":
        _check_range(item, args, values, where, problems)
    default = label_of(item, index if index is None or len(index) > 1 else index[0])
    return ParamSpec(str(raw.get("label", default)), item, index, op, name, tuple(sorted(args.items())), values)


def _check_range(item: str, args: dict, values, where: str, problems: list[str]) -> None:
    """A set value must stay in the item's valid range: bounds and grid points are checked."""
    vlo, vhi = valid_bounds(item)
    outside = [v for v in (*(values or ()), *(args[k] for k in ("low", "mode", "high") if k in args))
               if not vlo <= v <= vhi]
    if outside:
        problems.append(f"{where}: {item} must be {SHOCKABLE[item][2]}; "
                        f"{', '.join(f'{v:g}' for v in outside)} is outside")


def parse_sweep(raw, where: str) -> SweepConfig:
    """Validate a ``[sweep]`` table; ConfigError lists every problem, naming the key at fault."""
    where = f"{where}: [sweep]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} is missing or not a table: a sweep needs method and parameter(s); "
                          f"valid keys: {', '.join(sorted(SWEEP_KEYS))}")
    problems: list[str] = []
    unknown = sorted(set(raw) - SWEEP_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {unknown}; valid: {', '.join(sorted(SWEEP_KEYS))}")
    method = raw.get("method")
    if method not in METHODS:
        problems.append(f"{where}: 'method' must be one of {', '.join(METHODS)} (got {method!r})")
        method = None
    for key, only in METHOD_ONLY.items():
        if key in raw and method and method != only:
            problems.append(f"{where}: '{key}' applies to method '{only}' only (method is '{method}')")
    draws = raw.get("draws")
    if method == "monte_carlo" and (isinstance(draws, bool) or not isinstance(draws, int) or draws < 1):
        problems.append(f"{where}: method 'monte_carlo' needs 'draws', a positive integer (got {draws!r})")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append(f"{where}: 'seed' must be a non-negative integer (got {seed!r})")
    chunk = raw.get("chunk")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        problems.append(f"{where}: 'chunk' must be a positive integer (got {chunk!r})")
    scenarios = raw.get("scenarios")
    if scenarios is not None and (not isinstance(scenarios, list) or not scenarios
                                  or not all(isinstance(s, str) for s in scenarios)):
        problems.append(f"{where}: 'scenarios' must be a non-empty list of scenario names (got {scenarios!r})")
        scenarios = None
    params_raw = raw.get("parameter")
    if not isinstance(params_raw, list) or not params_raw:
        problems.append(f"{where}: give the varied parameters as [[sweep.parameter]] tables "
                        f"(keys: {', '.join(sorted(GRID_PARAM_KEYS if method == 'grid' else DRAW_PARAM_KEYS))})")
        params_raw = []
    elif method == "grid" and len(params_raw) != 1:
        problems.append(f"{where}: method 'grid' sweeps exactly one parameter (got {len(params_raw)})")
    params = []
    if method:
        params = [_parameter(p, method, f"{where} parameter {k + 1}", problems) for k, p in enumerate(params_raw)]
    labels = [p.label for p in params if p]
    twice = sorted({x for x in labels if labels.count(x) > 1})
    if twice:
        problems.append(f"{where}: parameter label(s) {twice} used twice; give each a distinct 'label'")
    if problems:
        raise ConfigError("the sweep table is invalid:\n  " + "\n  ".join(problems))
    return SweepConfig(method, tuple(params), draws if method == "monte_carlo" else None, seed,
                       tuple(scenarios) if scenarios else None, chunk)
