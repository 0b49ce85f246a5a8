"""Experiment files (TOML): which model, which closure, which scenarios.

    [experiment]
    title = "..."
    calibration = "china2020"     # a bundled calibration, or a path relative to this file
    description = "..."

    [closure]                     # optional, spec §7 (see cge.closure)
    government = "budget_neutral"

    [solver]                      # optional Ipopt options (tol, max_iter, ...)

    [[scenario]]
    name = "hukou_half"
    description = "Hukou wedge cut by half"
    shocks = [{ param = "tw", index = ["labr", "a_nag"], scale = 0.5 }]

    [[scenario]]
    name = "all_reforms"
    combine = ["hukou_half", "land_off"]    # the shocks of earlier scenarios, in order
    closure = { foreign = "fixed_exchange" } # optional per-scenario closure

Every scenario starts from the benchmark parameters. Loading validates the
structure (unknown keys name the valid ones); :func:`validate_against`
checks every label and value against a built model before anything is solved.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import bundled
from .assumptions import format_validation_error
from .closure import Closure
from .errors import ConfigError
from .shocks import Shock, parse_shock


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExperimentMeta(_Strict):
    title: str = ""
    calibration: str = "china2020"
    description: str = ""


class ScenarioConfig(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    shocks: list[dict[str, Any]] = Field(default_factory=list)
    combine: list[str] = Field(default_factory=list)
    closure: dict[str, Any] | None = None

    @field_validator("name")
    @classmethod
    def _plain(cls, v: str) -> str:
        if v == "base" or not v.replace("_", "").replace("-", "").isalnum():
            raise ValueError("scenario names use letters, digits, '_' and '-', and 'base' is reserved")
        return v


class ExperimentConfig(_Strict):
    experiment: ExperimentMeta = Field(default_factory=ExperimentMeta)
    closure: dict[str, Any] = Field(default_factory=dict)
    solver: dict[str, Any] = Field(default_factory=dict)
    scenario: list[ScenarioConfig] = Field(min_length=1)
    sweep: dict[str, Any] | None = None   # sensitivity / grid sweep, validated by cge.sweep


class Scenario:
    """A validated scenario: its shocks (combined ones expanded) and closure."""

    def __init__(self, name: str, description: str, shocks: list[Shock], closure: dict | None):
        self.name, self.description, self.shocks, self.closure = name, description, shocks, closure


class Experiment:
    """A loaded experiment: the config as read, its hash, and its scenarios."""

    def __init__(self, raw: dict, path: Path | None):
        where = str(path) if path else "experiment"
        try:
            cfg = ExperimentConfig.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, where, ExperimentConfig)) from None
        self.raw, self.path, self.config = raw, path, cfg
        self.closure = Closure.from_config(cfg.closure)
        self.scenarios = _scenarios(cfg.scenario, where)

    @property
    def name(self) -> str:
        return self.path.stem if self.path else "experiment"

    @property
    def calibration(self) -> str | Path:
        """The calibration file: a path relative to the experiment file, or a bundled name."""
        name = self.config.experiment.calibration
        if self.path is not None and Path(name).suffix:
            return (self.path.parent / name).resolve()
        return name

    @property
    def hash(self) -> str:
        """sha256 of the config as run (canonical JSON)."""
        return hashlib.sha256(json.dumps(self.raw, sort_keys=True, default=str).encode()).hexdigest()


def _scenarios(configs: list[ScenarioConfig], where: str) -> list[Scenario]:
    seen: dict[str, Scenario] = {}
    for sc in configs:
        here = f"{where}: scenario '{sc.name}'"
        if sc.name in seen:
            raise ConfigError(f"{here}: the name is used twice")
        if not sc.shocks and not sc.combine:
            raise ConfigError(f"{here}: give 'shocks' or 'combine' (a scenario must change something)")
        shocks: list[Shock] = []
        for other in sc.combine:
            if other not in seen:
                raise ConfigError(f"{here}: combine names '{other}', which is not an earlier scenario "
                                  f"(earlier: {', '.join(seen) or 'none'})")
            shocks.extend(seen[other].shocks)
        shocks.extend(parse_shock(raw, f"{here}, shock {j + 1}") for j, raw in enumerate(sc.shocks))
        if sc.closure is not None:
            Closure.from_config(sc.closure)
        seen[sc.name] = Scenario(sc.name, sc.description, shocks, sc.closure)
    return list(seen.values())


def load_experiment(source: str | Path) -> Experiment:
    """Read an experiment file: a path, or the name of a bundled one (e.g. ``reforms``)."""
    raw, p = bundled.load_toml(source, "experiments", "experiment")
    return Experiment(raw, p)
