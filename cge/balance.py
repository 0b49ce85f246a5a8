"""Balancing a SAM: make every row total equal its column total.

Both methods are explicit (nothing balances a SAM behind the user's back),
keep zero cells zero and keep the sign of every cell, and return a
:class:`BalanceResult` with the balanced SAM and a report.

* :func:`ras` -- sign-preserving bi-proportional scaling. With P, N the
  positive and negative parts of the prior:
  - without targets (the default), ``x_ij = P_ij r_i / r_j - N_ij r_j / r_i``:
    one multiplier per account, scaling its row by r and its column by 1/r,
    updated account by account so that its row and column totals agree (a
    sign-preserving Osborne/"SAM-RAS" sweep). The account totals are free.
  - with targets t (row and column total of each account), the generalised
    RAS (GRAS) of Junius & Oosterhaven (2003), in the form of Temurshoev,
    Miller & Bouwmeester (2013): ``x_ij = r_i P_ij s_j - N_ij / (r_i s_j)``,
    row multipliers r and column multipliers s updated in turn.
  Fixed target totals must respect the SAM's zero pattern. In the model.md
  layout commodity columns pay only act, tcom, timp and row rows, and only
  commodity columns pay those rows, so the targets of those rows must add up
  to the commodity targets; averages of row and column totals of an
  unbalanced SAM break that identity, so they are not the default.
  RAS converges linearly: usually in tens (no targets) to thousands (GRAS)
  of iterations, occasionally slower; cross entropy converges quadratically.
* :func:`cross_entropy` -- minimum information distance from the prior in
  *cell-value* form: with ``x_c = a_c z_c`` (z_c > 0 keeps the sign), minimise
  ``sum_c |a_c| (z_c ln z_c - z_c + 1)`` subject to row total = column total
  for every account (or to given targets), fixed cells kept exactly and
  optional bounds on cell values. Solved by Newton's method on the concave
  dual: the optimum is ``z_c = clip(exp(sign(a_c) (C' lambda)_c))`` where C is
  the constraint matrix, so for a balance-only problem
  ``x_ij = a_ij exp(±(lambda_i - lambda_j))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .sam import SAM, problems_error

Cell = tuple[str, str]


@dataclass(frozen=True)
class BalanceReport:
    """What balancing did: iterations, convergence, the largest remaining
    constraint violation, and the largest absolute and relative cell changes."""

    method: str
    iterations: int
    converged: bool
    max_residual: float
    tolerance: float
    max_abs_change: float
    max_abs_cell: Cell | None
    max_rel_change: float
    max_rel_cell: Cell | None

    def __str__(self) -> str:
        def cell(c):
            return f"({c[0]}, {c[1]})" if c else "-"

        status = "converged" if self.converged else "NOT converged"
        return "\n".join([
            f"method: {self.method}, {status} after {self.iterations} iterations",
            f"largest remaining imbalance: {self.max_residual:.3e} (tolerance {self.tolerance:.3e})",
            f"largest absolute change: {self.max_abs_change:.6g} in cell {cell(self.max_abs_cell)}",
            f"largest relative change: {self.max_rel_change:.3%} in cell {cell(self.max_rel_cell)}",
        ])


@dataclass(frozen=True)
class BalanceResult:
    sam: SAM
    report: BalanceReport


# --- shared checks ----------------------------------------------------------
def _prior(sam: SAM) -> np.ndarray:
    values = sam.matrix.to_numpy()
    labels = sam.labels()
    _refuse(sam, [f"cell ({labels[i]}, {labels[j]}) is {float(values[i, j])}"
                  for i, j in zip(*np.nonzero(~np.isfinite(values)))])
    return values


def _refuse(sam: SAM, problems: list[str]) -> None:
    if problems:
        raise problems_error(f"{sam.name or 'SAM'}: cannot balance", problems)


def _scale(values: np.ndarray) -> float:
    """The size balance is measured against: the SAM total (sum of |cells| if that is not positive)."""
    total = float(values.sum())
    return total if total > 0 else float(np.abs(values).sum()) or 1.0


def _fixed_mask(sam: SAM, fixed) -> np.ndarray:
    labels = sam.labels()
    position = {lab: k for k, lab in enumerate(labels)}
    mask = np.zeros((len(labels),) * 2, dtype=bool)
    unknown = [f"fixed cell ({r}, {c}) names an unknown account" for r, c in fixed
               if r not in position or c not in position]
    _refuse(sam, unknown)
    for r, c in fixed:
        mask[position[r], position[c]] = True
    return mask


def _targets(sam: SAM, targets) -> np.ndarray:
    """Target totals per account, in SAM order, from a mapping label -> total."""
    series = pd.Series(targets, dtype=float)
    missing = [lab for lab in sam.labels() if lab not in series.index]
    unknown = [lab for lab in series.index if lab not in sam.matrix.index]
    problems = ([f"no target total for account {lab!r}" for lab in missing]
                + [f"target given for unknown account {lab!r}" for lab in unknown]
                + [f"target for {lab!r} is {v!r}" for lab, v in series.items() if not np.isfinite(v)])
    _refuse(sam, problems)
    return series.reindex(sam.labels()).to_numpy()


def _result(method, sam, prior, values, iterations, converged, residual, tolerance) -> BalanceResult:
    labels = sam.labels()
    change = np.abs(values - prior)
    rel = np.divide(change, np.abs(prior), out=np.zeros_like(change), where=prior != 0)

    def argmax(m):
        if not m.size or m.max() == 0:
            return 0.0, None
        i, j = np.unravel_index(np.argmax(m), m.shape)
        return float(m[i, j]), (labels[i], labels[j])

    abs_change, abs_cell = argmax(change)
    rel_change, rel_cell = argmax(rel)
    report = BalanceReport(method, iterations, converged, float(residual), float(tolerance),
                           abs_change, abs_cell, rel_change, rel_cell)
    balanced = SAM(pd.DataFrame(values, index=labels, columns=labels), sam.accounts, sam.unit, sam.name)
    return BalanceResult(balanced, report)


# --- RAS --------------------------------------------------------------------
def _multipliers(p: np.ndarray, n: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Positive root m of ``p m - n / m = target`` (1 where p = n = 0), in the
    form that avoids cancellation for either sign of the target."""
    root = np.sqrt(target * target + 4.0 * p * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.where(target >= 0, (target + root) / (2.0 * p), 2.0 * n / (root - target))
    return np.where((p == 0) & (n == 0), 1.0, m)


def _sign_problems(sam: SAM, free: np.ndarray, u: np.ndarray, v: np.ndarray) -> list[str]:
    """Targets that no sign-preserving scaling of a row (column) can reach."""
    problems = []
    for axis, name, target in ((1, "row", u), (0, "column", v)):
        has_pos = (free > 0).any(axis=axis)
        has_neg = (free < 0).any(axis=axis)
        for k, lab in enumerate(sam.labels()):
            t = target[k]
            if (has_pos[k] or has_neg[k]) and ((not has_pos[k] and t > 0) or (not has_neg[k] and t < 0) or (
                    t == 0 and has_pos[k] != has_neg[k])):
                signs = "only positive" if has_pos[k] else "only negative"
                problems.append(f"the {name} of {lab!r} has {signs} free cells but must sum to {t:.6g}")
    return problems


def _pattern_problems(sam: SAM, free: np.ndarray, b: np.ndarray, tolerance: float, targets: bool) -> list[str]:
    """Identities the zero pattern imposes on the constraints ``C x = b``.

    With targets the constraints are row sums (b[:n]) and column sums (b[n:]);
    in each connected group of rows and columns linked by free cells the row
    targets must add up to the column targets. Without targets b is the
    imbalance the kept cells leave per account; it must add up to zero over each
    group of accounts linked by free cells."""
    labels, n = sam.labels(), len(sam.labels())
    i, j = np.nonzero(free)
    size = 2 * n if targets else n
    graph = sp.coo_matrix((np.ones(len(i)), (i, j + n if targets else j)), shape=(size, size))
    count, group = connected_components(graph, directed=False)
    problems = []
    for g in range(count):
        members = np.nonzero(group == g)[0]
        gap = b[members].sum() if not targets else b[members[members < n]].sum() - b[members[members >= n]].sum()
        if abs(gap) <= tolerance:
            continue
        if targets:
            rows = [labels[k] for k in members if k < n]
            cols = [labels[k - n] for k in members if k >= n]
            problems.append(
                f"rows {', '.join(rows) or '(none)'} are paid only by columns {', '.join(cols) or '(none)'}, "
                f"which pay only them, so their targets must add up: rows {b[members[members < n]].sum():.6g} "
                f"vs columns {b[members[members >= n]].sum():.6g}")
        else:
            names = ", ".join(labels[k] for k in members)
            problems.append(f"accounts {names} are linked to the others only by kept cells, "
                            f"which leave their row total minus column total at {-gap:.6g}")
    return problems


def _osborne(pos, neg, drift, tolerance, max_iter):
    """Balance-only sweeps: for each account k in turn solve for rho > 0 with
    ``rho (R+ + C-) - (R- + C+) / rho = drift_k`` and scale its row by rho and its
    column by 1/rho (negative parts inversely). R+-, C+- are the off-diagonal
    positive/negative row and column sums; ``drift`` = kept column - kept row total."""
    x = pos - neg
    off = ~np.eye(len(x), dtype=bool)
    p_mask, n_mask = (pos > 0) & off, (neg > 0) & off
    residual, sweep = np.inf, 0
    while sweep < max_iter:
        residual = np.abs(x.sum(axis=1) - x.sum(axis=0) - drift).max()
        if residual <= tolerance:
            break
        sweep += 1
        for k in range(len(x)):
            row, col = x[k], x[:, k]
            a = row[p_mask[k]].sum() - col[n_mask[:, k]].sum()
            b = col[p_mask[:, k]].sum() - row[n_mask[k]].sum()
            rho = _multipliers(np.array([a]), np.array([b]), np.array([drift[k]]))[0]
            if not rho > 0 or not np.isfinite(rho):
                return x, sweep, np.inf
            up = np.where(p_mask[k], rho, np.where(n_mask[k], 1 / rho, 1.0))
            down = np.where(p_mask[:, k], 1 / rho, np.where(n_mask[:, k], rho, 1.0))
            x[k] *= up
            x[:, k] *= down
    return x, sweep, residual


def _gras(pos, neg, u, v, tolerance, max_iter):
    """GRAS iterations: row multipliers, then column multipliers, until row sums
    hit u and column sums hit v."""
    s = np.ones(len(u))
    x, residual, iteration = pos - neg, np.inf, 0
    while iteration < max_iter and residual > tolerance:
        iteration += 1
        r = _multipliers(pos @ s, neg @ (1.0 / s), u)
        s = _multipliers(pos.T @ r, neg.T @ (1.0 / r), v)
        x = r[:, None] * pos * s - neg / (r[:, None] * s)
        residual = max(np.abs(x.sum(axis=1) - u).max(), np.abs(x.sum(axis=0) - v).max())
    return x, iteration, residual


def ras(sam: SAM, targets=None, tol: float = 1e-12, max_iter: int = 100_000, fixed=()) -> BalanceResult:
    """Sign-preserving bi-proportional balancing (see module docstring).

    ``targets``: None (account totals free) or a mapping label -> total used
    for both the row and the column. Cells in ``fixed`` [(row, col)] are kept.
    Converged when every constraint holds to ``tol`` x SAM total.
    """
    prior = _prior(sam)
    mask = _fixed_mask(sam, fixed)
    free = np.where(mask, 0.0, prior)
    kept = prior - free
    tolerance = tol * _scale(prior)
    pos, neg = np.maximum(free, 0.0), np.maximum(-free, 0.0)
    if targets is None:
        drift = kept.sum(axis=0) - kept.sum(axis=1)
        _refuse(sam, _pattern_problems(sam, free != 0, drift, tolerance, targets=False))
        x, iterations, residual = _osborne(pos, neg, drift, tolerance, max_iter)
    else:
        t = _targets(sam, targets)
        u, v = t - kept.sum(axis=1), t - kept.sum(axis=0)
        _refuse(sam, _pattern_problems(sam, free != 0, np.concatenate([u, v]), tolerance, targets=True)
                + _sign_problems(sam, free, u, v))
        x, iterations, residual = _gras(pos, neg, u, v, tolerance, max_iter)
    return _result("ras", sam, prior, x + kept, iterations, residual <= tolerance, residual, tolerance)


# --- cross entropy ------------------------------------------------------------
def _constraints(sam, rows, cols, kept, targets):
    """Sparse C (constraints x free cells) and b with ``C x = b``: row minus
    column total per account, or row and column totals equal to targets."""
    n, m = len(sam.labels()), len(rows)
    cells = np.arange(m)
    into_row = sp.csr_matrix((np.ones(m), (rows, cells)), shape=(n, m))
    out_col = sp.csr_matrix((np.ones(m), (cols, cells)), shape=(n, m))
    if targets is None:
        return (into_row - out_col).tocsr(), kept.sum(axis=0) - kept.sum(axis=1)
    t = _targets(sam, targets)
    return sp.vstack([into_row, out_col]).tocsr(), np.concatenate([t - kept.sum(axis=1), t - kept.sum(axis=0)])


def _z_bounds(sam, bounds, rows, cols, a):
    """Bounds on z = x / a from bounds on cell values (sign preserved: z >= 0)."""
    lo, hi = np.zeros(len(a)), np.full(len(a), np.inf)
    if not bounds:
        return lo, hi
    labels = sam.labels()
    index = {(labels[i], labels[j]): k for k, (i, j) in enumerate(zip(rows, cols))}
    problems = []
    for (r, c), (vlo, vhi) in bounds.items():
        k = index.get((r, c))
        if k is None:
            problems.append(f"bounds given for cell ({r}, {c}), which is not a free cell (it is zero, fixed or unknown)")
            continue
        vlo = -np.inf if vlo is None else vlo
        vhi = np.inf if vhi is None else vhi
        zlo, zhi = sorted((vlo / a[k], vhi / a[k]))
        lo[k], hi[k] = max(zlo, 0.0), zhi
        if vlo > vhi or hi[k] < lo[k] or hi[k] == 0:
            problems.append(f"bounds ({vlo}, {vhi}) for cell ({r}, {c}) exclude every value of the sign of its prior {float(a[k])}")
    _refuse(sam, problems)
    return lo, hi


def cross_entropy(sam: SAM, fixed=(), bounds=None, targets=None, tol: float = 1e-12,
                  max_iter: int = 200) -> BalanceResult:
    """Minimum cross-entropy (cell-value form, see module docstring) balanced SAM.

    ``fixed``: cells [(row, col)] kept exactly; ``bounds``: {(row, col): (lo, hi)}
    on cell values (None for no bound); ``targets``: optional totals per account
    (else only row total = column total is imposed). Converged when every
    constraint holds to ``tol`` x SAM total.
    """
    prior = _prior(sam)
    mask = _fixed_mask(sam, fixed)
    free = (prior != 0) & ~mask
    kept = np.where(free, 0.0, prior)
    rows, cols = np.nonzero(free)
    a = prior[rows, cols]
    w, sign = np.abs(a), np.sign(a)
    C, b = _constraints(sam, rows, cols, kept, targets)
    zlo, zhi = _z_bounds(sam, bounds, rows, cols, a)
    tolerance = tol * _scale(prior)
    _refuse(sam, _pattern_problems(sam, free, b, tolerance, targets=targets is not None))

    def state(lam):
        theta = sign * (C.T @ lam)
        z = np.clip(np.exp(np.clip(theta, -700.0, 700.0)), zlo, zhi)
        with np.errstate(invalid="ignore"):
            dual = float(np.sum(w * (z * (np.log(np.maximum(z, 1e-300)) - theta) - z + 1.0)) + lam @ b)
        return z, b - C @ (a * z), dual

    lam = np.zeros(C.shape[0])
    z, res, dual = state(lam)
    iteration = 0
    while np.abs(res).max(initial=0.0) > tolerance and iteration < max_iter:
        iteration += 1
        inside = (z > zlo) & (z < zhi)
        H = (C @ sp.diags(w * z * inside) @ C.T).toarray()
        step = np.linalg.lstsq(H, res, rcond=None)[0]
        slope, alpha = float(res @ step), 1.0
        for _ in range(60):
            z_new, res_new, dual_new = state(lam + alpha * step)
            if dual_new >= dual + 1e-4 * alpha * slope - 1e-13 * (1.0 + abs(dual)):
                break
            alpha /= 2
        lam, z, res, dual = lam + alpha * step, z_new, res_new, dual_new
    values = kept.copy()
    values[rows, cols] = a * z
    residual = np.abs(res).max(initial=0.0)
    return _result("cross-entropy", sam, prior, values, iteration, residual <= tolerance, residual, tolerance)
