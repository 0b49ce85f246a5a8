"""Calibration files: what is assumed (elasticities, nests, mobility, wedges, demand).

A calibration file is TOML. Every table that carries numbers also carries a
``source``; a source beginning with ``ASSUMPTION`` marks an assumption. Layout::

    [meta]            title, sam (bundled SAM name or a path relative to the file)
    [households]      urban, rural (roles for the income ratio), population_unit,
                      population = {h = persons}, source
    [les.<h>]         frisch (< 0), income_elasticity = {c = eta}, source
    [trade.<c>]       armington (sigma_Q >= 0), export_cet (Omega_E >= 0), source
    [nests.<a>.<node>] sigma >= 0, inputs = [node or factor labels], source
    [factors.<f>]     mobility = "cet" | "perfect" (required for multi-use factors),
                      omega (cet only), source
    [factors.<f>.physical]  unit, headcount, home, <a> = benchmark persons/area, source
    [[wedges]]        factor, activity, rate, recipient (default "gov"), source
    [institutions.<i>] ty01, mps01 (defaults: 1 for households, 0 for enterprises)
    [closure]         optional default closure (see :mod:`cge.closure`)

Loading checks structure (unknown keys name the valid ones) and value ranges;
consistency with the SAM is checked in :mod:`cge.calibrate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import bundled
from .errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Meta(_Strict):
    title: str = ""
    sam: str
    money_unit: str = ""


class Households(_Strict):
    urban: str | None = None
    rural: str | None = None
    population_unit: str = ""
    population: dict[str, float] = Field(default_factory=dict)
    source: str = ""

    @field_validator("population")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: x for k, x in v.items() if not x > 0}
        if bad:
            raise ValueError(f"populations must be positive: {bad}")
        return v


class LES(_Strict):
    frisch: float = Field(lt=0)
    income_elasticity: dict[str, float]
    source: str

    @field_validator("income_elasticity")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: x for k, x in v.items() if not x > 0}
        if bad:
            raise ValueError(f"income elasticities must be positive: {bad}")
        return v


class Trade(_Strict):
    armington: float = Field(ge=0)
    export_cet: float = Field(ge=0)
    source: str


class Node(_Strict):
    sigma: float = Field(ge=0)
    inputs: list[str] = Field(min_length=1)
    source: str


class Physical(_Strict):
    unit: str
    headcount: float | None = Field(default=None, gt=0)
    home: str | None = None
    source: str
    model_config = ConfigDict(extra="allow")  # per-activity benchmark values

    def per_use(self) -> dict[str, float]:
        """Benchmark persons (or area) per activity."""
        out = {k: float(v) for k, v in (self.model_extra or {}).items()}
        bad = {k: v for k, v in out.items() if not v >= 0}
        if bad:
            raise ConfigError(f"physical quantities must be non-negative: {bad}")
        return out


class Factor(_Strict):
    mobility: Literal["cet", "perfect"] | None = None
    omega: float | None = Field(default=None, ge=0)
    source: str = ""
    physical: Physical | None = None


class Wedge(_Strict):
    factor: str
    activity: str
    rate: float = Field(gt=-1)
    recipient: str = "gov"
    source: str


class Institution(_Strict):
    ty01: float | None = None
    mps01: float | None = None
    source: str = ""


class Assumptions(_Strict):
    """The validated content of one calibration file."""

    meta: Meta
    households: Households = Field(default_factory=Households)
    les: dict[str, LES] = Field(default_factory=dict)
    trade: dict[str, Trade] = Field(default_factory=dict)
    nests: dict[str, dict[str, Node]] = Field(default_factory=dict)
    factors: dict[str, Factor] = Field(default_factory=dict)
    wedges: list[Wedge] = Field(default_factory=list)
    institutions: dict[str, Institution] = Field(default_factory=dict)
    closure: dict[str, Any] = Field(default_factory=dict)
    path: Path | None = None

    def sam_path(self) -> Path:
        """The SAM file named in [meta]: a bundled name or a path relative to this file."""
        name = self.meta.sam
        if self.path is not None:
            local = (self.path.parent / name)
            if local.suffix and local.exists():
                return local
        if Path(name).suffix:
            return Path(name)
        return bundled.path("sam", f"{name}.csv")


def format_validation_error(exc: ValidationError, where: str, model: type[BaseModel]) -> str:
    """One line per problem, naming the key path and, for unknown keys, the valid ones."""
    lines = []
    for err in sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden"):
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            valid = _valid_keys(model, err["loc"][:-1])
            hint = f"; valid keys here: {', '.join(valid)}" if valid else ""
            lines.append(f"unknown key '{loc}'{hint}")
        elif err["type"] == "missing":
            lines.append(f"missing key '{loc}'")
        else:
            lines.append(f"'{loc}': {err['msg']} (got {err.get('input')!r})")
    return f"{where}:\n  " + "\n  ".join(lines)


def _valid_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the pydantic model reached by following ``loc`` (dict keys skipped)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            continue  # a free dict key (a label): stay on the value type
        current = _inner_model(fields[part].annotation)
    fields = getattr(current, "model_fields", None)
    return sorted(k for k in fields if k != "path") if fields else []


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside ``dict[str, M]``, ``list[M]``, ``M | None`` annotations."""
    stack = [annotation]
    while stack:
        t = stack.pop()
        if isinstance(t, type) and issubclass(t, BaseModel):
            return t
        stack.extend(getattr(t, "__args__", ()))
    return annotation


def load_assumptions(source: str | Path) -> Assumptions:
    """Read a calibration file (a path, or the name of a bundled one such as ``china2020``)."""
    raw, p = bundled.load_toml(source, "calibration", "calibration")
    return parse_assumptions(raw, where=str(p), path=p)


def parse_assumptions(raw: dict, where: str = "calibration", path: Path | None = None) -> Assumptions:
    """Validate a calibration mapping (as read from TOML)."""
    try:
        out = Assumptions.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, where, Assumptions)) from None
    out.path = path
    return out
