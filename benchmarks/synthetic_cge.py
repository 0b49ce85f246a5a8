"""A synthetic square CGE-like system of any size, calibrated to a random balanced SAM.

N sectors; sector j buys commodities from a random input set S_j (itself plus
1-4 others) and labour (price W, the numeraire) and sector-specific capital
(price R_j), under CES with elasticity sigma_j and productivity A_j:

  EQ_cost[j]   P_j = (1/A_j) (sum_i th_ij P_i^(1-s) + thL_j W^(1-s) + thK_j R_j^(1-s))^(1/(1-s))
  EQ_input[i,j] X_ij = th_ij Y_j (A_j P_j / P_i)^s / A_j
  EQ_labour[j] L_j   = thL_j Y_j (A_j P_j / W)^s / A_j
  EQ_capital[j] Kbar_j = thK_j Y_j (A_j P_j / R_j)^s / A_j
  EQ_market[i] Y_i = sum_{j: i in S_j} X_ij + C_i
  EQ_demand[i] P_i C_i = beta_i INC
  EQ_income    INC = W Lbar + sum_j R_j Kbar_j

The labour market is left out (Walras' law) and W is a fixed Var, so the system
has sum_j (|S_j| + 5) + 1 equations and as many unknowns.
All benchmark prices are 1; quantities are multiplied by ``scale`` (1e6 mimics a
SAM in 100-million-yuan units).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo


def n_equations(n_sectors: int, seed: int = 0) -> int:
    return sum(len(s) + 5 for s in _input_sets(n_sectors, seed)) + 1


def _input_sets(n: int, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    sets = []
    for j in range(n):
        others = rng.choice(np.delete(np.arange(n), j), size=min(n - 1, rng.integers(1, 5)), replace=False)
        sets.append([j] + sorted(int(i) for i in others))
    return sets


def build(n_sectors: int, scale: float = 1.0, seed: int = 0) -> pyo.ConcreteModel:
    """The model at its benchmark (every residual zero)."""
    rng = np.random.default_rng(seed)
    sets = _input_sets(n_sectors, seed)
    theta = np.zeros((n_sectors, n_sectors))
    for j, inputs in enumerate(sets):
        theta[inputs, j] = rng.dirichlet(np.ones(len(inputs))) * rng.uniform(0.2, 0.5)
    va = 1 - theta.sum(axis=0)
    th_l = va * rng.uniform(0.3, 0.7, n_sectors)
    th_k = va - th_l
    consumption = rng.uniform(0.5, 2.0, n_sectors) * scale
    output = np.linalg.solve(np.eye(n_sectors) - theta, consumption)

    m = pyo.ConcreteModel()
    m.J = pyo.RangeSet(0, n_sectors - 1)
    m.IJ = pyo.Set(dimen=2, initialize=[(i, j) for j, s in enumerate(sets) for i in s])
    m.theta = pyo.Param(m.IJ, initialize=lambda m, i, j: theta[i, j], mutable=True)
    m.th_l = pyo.Param(m.J, initialize=lambda m, j: th_l[j], mutable=True)
    m.th_k = pyo.Param(m.J, initialize=lambda m, j: th_k[j], mutable=True)
    m.sigma = pyo.Param(m.J, initialize=lambda m, j: rng.uniform(0.5, 1.5), mutable=True)
    m.A = pyo.Param(m.J, initialize=1.0, mutable=True)
    m.Kbar = pyo.Param(m.J, initialize=lambda m, j: th_k[j] * output[j], mutable=True)
    m.Lbar0 = pyo.Param(initialize=float(th_l @ output))
    m.Lbar = pyo.Param(initialize=m.Lbar0, mutable=True)
    m.beta = pyo.Param(m.J, initialize=lambda m, j: consumption[j] / consumption.sum(), mutable=True)

    positive = (1e-8, None)
    m.W = pyo.Var(initialize=1.0, bounds=positive)
    m.W.fix()
    m.P = pyo.Var(m.J, initialize=1.0, bounds=positive)
    m.R = pyo.Var(m.J, initialize=1.0, bounds=positive)
    m.Y = pyo.Var(m.J, initialize=lambda m, j: output[j], bounds=positive)
    m.X = pyo.Var(m.IJ, initialize=lambda m, i, j: theta[i, j] * output[j], bounds=positive)
    m.L = pyo.Var(m.J, initialize=lambda m, j: th_l[j] * output[j], bounds=positive)
    m.C = pyo.Var(m.J, initialize=lambda m, j: consumption[j], bounds=positive)
    m.INC = pyo.Var(initialize=float(consumption.sum()), bounds=positive)

    def demand(m, j, share, price):
        s = m.sigma[j]
        return share * m.Y[j] * (m.A[j] * m.P[j] / price) ** s / m.A[j]

    def cost(m, j):
        s = m.sigma[j]
        inner = sum(m.theta[i, j] * m.P[i] ** (1 - s) for i in sets[j])
        inner += m.th_l[j] * m.W ** (1 - s) + m.th_k[j] * m.R[j] ** (1 - s)
        return m.P[j] == inner ** (1 / (1 - s)) / m.A[j]

    m.EQ_cost = pyo.Constraint(m.J, rule=cost)
    m.EQ_input = pyo.Constraint(m.IJ, rule=lambda m, i, j: m.X[i, j] == demand(m, j, m.theta[i, j], m.P[i]))
    m.EQ_labour = pyo.Constraint(m.J, rule=lambda m, j: m.L[j] == demand(m, j, m.th_l[j], m.W))
    m.EQ_capital = pyo.Constraint(m.J, rule=lambda m, j: m.Kbar[j] == demand(m, j, m.th_k[j], m.R[j]))
    users = {i: [j for j, s in enumerate(sets) if i in s] for i in range(n_sectors)}
    m.EQ_market = pyo.Constraint(
        m.J, rule=lambda m, i: m.Y[i] == sum(m.X[i, j] for j in users[i]) + m.C[i]
    )
    m.EQ_demand = pyo.Constraint(m.J, rule=lambda m, i: m.P[i] * m.C[i] == m.beta[i] * m.INC)
    m.EQ_income = pyo.Constraint(expr=m.INC == m.W * m.Lbar + sum(m.R[j] * m.Kbar[j] for j in m.J))
    return m


def shock(m: pyo.ConcreteModel, size: float) -> None:
    """Productivity of every third sector and the labour endowment up by ``size``
    (relative to the benchmark; size 0 restores it)."""
    for j in list(m.J)[::3]:
        m.A[j] = 1.0 + size
    m.Lbar = m.Lbar0 * (1.0 + size)
