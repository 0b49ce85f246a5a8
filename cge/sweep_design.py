"""Sweep designs: the parameter values of every draw, and their weights.

- Monte Carlo: draw k, parameter j is ``F_j⁻¹(u_kj)`` with ``u = default_rng(seed).random((N, n))``
  (row-major, so the first draws are the same for any N), weight ``1/N``.
- Gaussian quadrature (Stroud 1957 degree 3; DeVuyst & Preckel 1997, Arndt 1996):
  ``2n`` points ``μ_j + σ_j·γ_kj``, each of weight ``1/(2n)``, with, for k = 1..2n,
  ``γ_k,2r−1 = √2·cos((2r−1)kπ/n)``, ``γ_k,2r = √2·sin((2r−1)kπ/n)`` (r = 1..⌊n/2⌋) and
  ``γ_k,n = (−1)^k`` if n is odd. It reproduces the means and (co)variances of
  independent parameters, so E[f] and Var[f] are exact for f polynomial of degree ≤ 2
  (degree 3 when the distributions are symmetric).
- Grid: the listed values of one parameter, in order; weights are NaN (no distribution).

Distributions are scipy frozen distributions truncated to the valid range of the
parameter when it is ``set`` (see :mod:`cge.sweep_config`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .errors import ConfigError
from .sweep_config import ParamSpec, SweepConfig, valid_bounds


@dataclass(frozen=True)
class Design:
    """Points (rows) × parameters (columns), with the dimension name of the points."""

    method: str
    dim: str                    # "draw" (monte_carlo, quadrature) or "grid"
    labels: tuple[str, ...]
    values: np.ndarray          # (points, parameters)
    weights: np.ndarray         # (points,)
    seed: int | None = None

    def __len__(self) -> int:
        return len(self.values)


def distribution(p: ParamSpec):
    """The scipy distribution of a drawn parameter (truncated normal within its bounds)."""
    a = dict(p.args)
    if p.distribution == "uniform":
        return stats.uniform(loc=a["low"], scale=a["high"] - a["low"])
    if p.distribution == "triangular":
        return stats.triang(c=(a["mode"] - a["low"]) / (a["high"] - a["low"]), loc=a["low"],
                            scale=a["high"] - a["low"])
    lo, hi = a.get("low", -math.inf), a.get("high", math.inf)
    if p.op == "set":
        vlo, vhi = valid_bounds(p.item)
        lo, hi = max(lo, vlo), min(hi, vhi)
    mean, sd = a["mean"], a["sd"]
    return stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)


def stroud3(n: int) -> np.ndarray:
    """Stroud's degree-3 points for n standardised independent variables: (2n, n)."""
    k = np.arange(1, 2 * n + 1)[:, None]
    gamma = np.empty((2 * n, n))
    for r in range(1, n // 2 + 1):
        angle = (2 * r - 1) * k[:, 0] * np.pi / n
        gamma[:, 2 * r - 2] = math.sqrt(2) * np.cos(angle)
        gamma[:, 2 * r - 1] = math.sqrt(2) * np.sin(angle)
    if n % 2:
        gamma[:, n - 1] = (-1.0) ** k[:, 0]
    return gamma


def monte_carlo(params: tuple[ParamSpec, ...], draws: int, seed: int) -> np.ndarray:
    u = np.random.default_rng(seed).random((draws, len(params)))
    return np.column_stack([distribution(p).ppf(u[:, j]) for j, p in enumerate(params)])


def quadrature(params: tuple[ParamSpec, ...]) -> np.ndarray:
    """Stroud points in parameter units; ConfigError if a point leaves a distribution's support."""
    dists = [distribution(p) for p in params]
    points = np.column_stack([d.mean() + d.std() * g for d, g in zip(dists, stroud3(len(params)).T)])
    problems = []
    for j, (p, d) in enumerate(zip(params, dists)):
        lo, hi = d.support()
        outside = points[(points[:, j] < lo) | (points[:, j] > hi), j]
        if len(outside):
            problems.append(f"parameter '{p.label}': quadrature point(s) {', '.join(f'{v:g}' for v in outside)} "
                            f"fall outside its support [{lo:g}, {hi:g}]; widen the bounds or use monte_carlo")
    if problems:
        raise ConfigError("the quadrature design does not fit:\n  " + "\n  ".join(problems))
    return points


def make_design(cfg: SweepConfig, draws: int | None = None, seed: int | None = None) -> Design:
    """The design of a sweep; ``draws`` and ``seed`` override the table's (monte_carlo only)."""
    labels = tuple(p.label for p in cfg.parameters)
    if cfg.method != "monte_carlo" and (draws is not None or seed is not None):
        raise ConfigError(f"--draws and --seed apply to method monte_carlo only (this sweep is '{cfg.method}')")
    if cfg.method == "monte_carlo":
        n, s = draws or cfg.draws, cfg.seed if seed is None else seed
        if n < 1 or s < 0:
            raise ConfigError(f"draws must be positive and seed non-negative (got {n}, {s})")
        return Design("monte_carlo", "draw", labels, monte_carlo(cfg.parameters, n, s), np.full(n, 1.0 / n), s)
    if cfg.method == "quadrature":
        points = quadrature(cfg.parameters)
        return Design("quadrature", "draw", labels, points, np.full(len(points), 1.0 / len(points)))
    values = np.array(cfg.parameters[0].values, dtype=float)[:, None]
    return Design("grid", "grid", labels, values, np.full(len(values), np.nan))
