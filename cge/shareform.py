"""CES and CET functions in calibrated share form (spec §2), as Pyomo expressions.

Inputs are dicts keyed by input name: ``theta`` benchmark value shares, ``p``
current prices, ``p0`` benchmark prices. Elasticities may be mutable Params;
``cobb_douglas`` (σ = 1) is decided when the model is built, because the
general formula divides by 1 − σ.

- CES unit cost: ``P = (P0/A)·[Σ θ_j (p_j/p0_j)^(1−σ)]^(1/(1−σ))``; σ = 1: ``P = (P0/A)·Π (p_j/p0_j)^θ_j``
- CES demand:    ``X_j = X0_j·(Q/Q0)·(1/A)·(A·P·p0_j/(P0·p_j))^σ``
- CET index:     ``P = P0·[Σ θ_j (p_j/p0_j)^(1+Ω)]^(1/(1+Ω))``
- CET supply:    ``X_j = X0_j·(Q/Q0)·(p_j·P0/(p0_j·P))^Ω``
"""

from __future__ import annotations

from pyomo.environ import prod, value


def is_cobb_douglas(sigma) -> bool:
    """σ = 1 at build time selects the Cobb–Douglas form of the unit cost."""
    return value(sigma) == 1


def ces_price(P0, A, sigma, theta: dict, p: dict, p0: dict):
    """Unit cost of a CES aggregate."""
    if len(p) == 1:
        (j,) = p
        return P0 / A * (p[j] / p0[j])
    if is_cobb_douglas(sigma):
        return P0 / A * prod((p[j] / p0[j]) ** theta[j] for j in p)
    return P0 / A * sum(theta[j] * (p[j] / p0[j]) ** (1 - sigma) for j in p) ** (1 / (1 - sigma))


def ces_demand(X0, Q, Q0, A, P, P0, pj, p0j, sigma):
    """Demand for one input of a CES aggregate."""
    return X0 * (Q / Q0) / A * (A * P * p0j / (P0 * pj)) ** sigma


def cet_price(P0, omega, theta: dict, p: dict, p0: dict):
    """Price index of a CET split."""
    if len(p) == 1:
        (j,) = p
        return P0 * (p[j] / p0[j])
    return P0 * sum(theta[j] * (p[j] / p0[j]) ** (1 + omega) for j in p) ** (1 / (1 + omega))


def cet_supply(X0, Q, Q0, pj, p0j, P, P0, omega):
    """Supply to one outlet of a CET split."""
    return X0 * (Q / Q0) * (pj * P0 / (p0j * P)) ** omega
