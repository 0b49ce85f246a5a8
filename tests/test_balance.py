"""Balancing: RAS (balance-only sweeps and GRAS to targets) and minimum cross entropy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cge.balance import cross_entropy, ras
from cge.errors import SAMError
from sam_fixtures import full_sam, perturb, random_balanced_sam, toy_sam

METHODS = [ras, cross_entropy]


def assert_balanced_like(result, prior, balance_tol=1e-10):
    """Converged, balanced to ``balance_tol`` x SAM total, same sign pattern as the prior."""
    sam = result.sam
    assert result.report.converged
    assert np.abs(sam.imbalances()).max() <= balance_tol * sam.total
    assert np.array_equal(np.sign(sam.matrix.to_numpy()), np.sign(prior.matrix.to_numpy()))
    assert sam.labels() == prior.labels() and sam.accounts.equals(prior.accounts)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("make", [toy_sam, full_sam])
def test_restores_balance_and_signs(method, make):
    prior = perturb(make(), seed=11)
    assert np.abs(prior.imbalances()).max() > 1e-3 * prior.total
    result = method(prior)
    assert_balanced_like(result, prior)
    result.sam.validate(tol=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_balanced_sam_is_left_alone(method):
    sam = full_sam()
    result = method(sam)
    assert result.report.iterations == 0 and result.report.max_abs_change == 0.0
    assert result.sam.hash() == sam.hash()


def test_ras_and_cross_entropy_solve_the_same_problem():
    """Balance-only RAS is coordinate ascent on the dual that CE solves by Newton;
    GRAS to targets likewise matches CE with the same targets."""
    truth = full_sam()
    prior = perturb(truth, seed=4)
    scale = prior.total
    free_r, free_c = ras(prior).sam.matrix.to_numpy(), cross_entropy(prior).sam.matrix.to_numpy()
    assert np.abs(free_r - free_c).max() <= 1e-9 * scale
    t = truth.row_totals
    tr, tc = ras(prior, targets=t).sam.matrix.to_numpy(), cross_entropy(prior, targets=t).sam.matrix.to_numpy()
    assert np.abs(tr - tc).max() <= 1e-9 * scale
    assert np.abs(tr - free_r).max() > 1e-3  # different problems, different answers


@pytest.mark.parametrize("method", METHODS)
def test_targets_are_reached(method):
    truth = full_sam()
    prior = perturb(truth, seed=8)
    result = method(prior, targets=truth.row_totals)
    assert_balanced_like(result, prior)
    assert np.abs(result.sam.row_totals - truth.row_totals).max() <= 1e-10 * truth.total


@pytest.mark.parametrize("method", METHODS)
def test_fixed_cells_are_kept_exactly(method):
    prior = perturb(full_sam(), seed=9)
    fixed = [("gov", "tdir"), ("a_nag", "c_nag"), ("wdg", "a_agr"), ("ent", "gov")]
    result = method(prior, fixed=fixed)
    assert_balanced_like(result, prior)
    for cell in fixed:
        assert result.sam[cell] == prior[cell]
    assert result.sam["c_nag", "urb"] != prior["c_nag", "urb"]


def test_report_names_largest_changes():
    prior = perturb(toy_sam(), seed=2)
    result = cross_entropy(prior)
    change = (result.sam.matrix - prior.matrix).abs()
    r, c = result.report.max_abs_cell
    assert change.loc[r, c] == change.to_numpy().max() == result.report.max_abs_change
    rel = (change / prior.matrix.abs()).fillna(0.0)
    r, c = result.report.max_rel_cell
    assert rel.loc[r, c] == pytest.approx(rel.to_numpy().max()) == pytest.approx(result.report.max_rel_change)
    text = str(result.report)
    assert "converged" in text and f"({r}, {c})" in text


def test_average_targets_break_the_commodity_identity():
    """Commodity columns pay only act, tcom and row rows, which only commodity
    columns pay: target totals must respect that, and averages do not."""
    prior = perturb(toy_sam(), seed=1)
    averages = (prior.row_totals + prior.col_totals) / 2
    for method in METHODS:
        with pytest.raises(SAMError) as info:
            method(prior, targets=averages)
        assert "rows a_agr, a_nag, tcom, row are paid only by columns c_agr, c_nag" in str(info.value)


def test_fixed_cells_that_leave_an_account_unbalanced():
    prior = toy_sam()
    prior.matrix.loc["tdir", "hh"] = 11.0  # tdir: row 11, column 10
    for method in METHODS:
        with pytest.raises(SAMError) as info:
            method(prior, fixed=[("tdir", "hh"), ("gov", "tdir")])
        assert "accounts tdir are linked to the others only by kept cells, which leave their row total minus column total at 1" in str(info.value)


def test_sign_impossible_targets_for_gras():
    sam = toy_sam()
    targets = sam.row_totals.copy()
    targets["tdir"] = -1.0
    targets["hh"] += 11.0  # keep the identities; only the sign is impossible
    with pytest.raises(SAMError, match="the row of 'tdir' has only positive free cells but must sum to -1"):
        ras(sam, targets=targets)


def test_bad_inputs_are_named():
    sam = toy_sam()
    with pytest.raises(SAMError, match=r"fixed cell \(hh, nowhere\) names an unknown account"):
        cross_entropy(sam, fixed=[("hh", "nowhere")])
    with pytest.raises(SAMError, match="no target total for account 'row'"):
        ras(sam, targets=sam.row_totals.drop("row"))
    broken = sam.copy()
    broken.matrix.loc["hh", "gov"] = np.nan
    with pytest.raises(SAMError, match=r"cell \(hh, gov\) is nan"):
        ras(broken)


def test_cross_entropy_bounds():
    prior = perturb(toy_sam(), seed=6)
    free = cross_entropy(prior).sam
    cap = free["c_nag", "hh"] - 2.0
    result = cross_entropy(prior, bounds={("c_nag", "hh"): (None, cap)})
    assert_balanced_like(result, prior)
    assert result.sam["c_nag", "hh"] == pytest.approx(cap, rel=1e-12)
    with pytest.raises(SAMError, match=r"bounds \(-5, -1\) for cell \(c_nag, hh\) exclude every value"):
        cross_entropy(prior, bounds={("c_nag", "hh"): (-5, -1)})
    with pytest.raises(SAMError, match=r"cell \(gov, gov\), which is not a free cell"):
        cross_entropy(prior, bounds={("gov", "gov"): (0, 1)})


# --- properties on random SAMs balanced by construction ------------------------------
sams = st.builds(random_balanced_sam, st.integers(0, 2**31), n_act=st.integers(1, 4),
                 n_fac=st.integers(1, 4), n_hh=st.integers(1, 3), ent=st.booleans())


@settings(max_examples=40, deadline=None)
@given(sams, st.integers(0, 2**31), st.floats(0.001, 0.3))
def test_random_perturbed_sams_are_rebalanced(truth, seed, scale):
    prior = perturb(truth, seed, scale)
    for method in METHODS:
        assert_balanced_like(method(prior), prior)


@settings(max_examples=30, deadline=None)
@given(sams, st.integers(0, 2**31), st.data())
def test_random_fixed_cells_and_targets(truth, seed, data):
    """Cells fixed at their true values and true totals are feasible targets: both
    methods reach them and keep the fixed cells bit for bit."""
    prior = perturb(truth, seed)
    nonzero = list(zip(*np.nonzero(truth.matrix.to_numpy())))
    picks = data.draw(st.lists(st.sampled_from(nonzero), max_size=4, unique=True))
    labels = truth.labels()
    fixed = [(labels[i], labels[j]) for i, j in picks]
    for cell in fixed:
        prior.matrix.loc[cell] = truth[cell]
    for method in METHODS:
        result = method(prior, fixed=fixed, targets=truth.row_totals)
        assert_balanced_like(result, prior)
        assert np.abs(result.sam.col_totals - truth.col_totals).max() <= 1e-10 * truth.total
        assert all(result.sam[cell] == truth[cell] for cell in fixed)
