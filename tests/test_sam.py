"""SAM object, file formats, validation messages, aggregation and the ``cge sam`` CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cge.aggregate import aggregate
from cge.cli import main
from cge.errors import SAMError
from cge.sam import KINDS, SAM, read_sam, write_sam
from sam_fixtures import (TOY_ACCOUNTS, TOY_CELLS, full_sam, perturb, random_balanced_sam,
                          sam_from_cells, toy_sam)


def toy_with(cells=None, accounts=None) -> SAM:
    """The toy SAM with some cells changed (value None deletes) or accounts replaced."""
    merged = dict(TOY_CELLS)
    for key, value in (cells or {}).items():
        if value is None:
            merged.pop(key)
        else:
            merged[key] = value
    return sam_from_cells(accounts or TOY_ACCOUNTS, merged)


def problems_of(sam: SAM, tol=1e-9) -> str:
    with pytest.raises(SAMError) as info:
        sam.validate(tol)
    return str(info.value)


def read_problems(*args, **kwargs) -> str:
    with pytest.raises(SAMError) as info:
        read_sam(*args, **kwargs)
    return str(info.value)


def bits(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).view(np.int64)


# --- the object ---------------------------------------------------------------
def test_fixtures_are_valid_and_balanced():
    for sam in (toy_sam(), full_sam(), random_balanced_sam(7)):
        sam.validate(tol=1e-14)
    assert toy_sam().total == 1125.0
    assert (full_sam().matrix < 0).to_numpy().sum() >= 2  # a wedge subsidy and a negative transfer


def test_accessors():
    sam = toy_sam()
    assert sam.labels("act") == ["a_agr", "a_nag"]
    assert sam.labels("gov", "row") == ["gov", "row"]
    assert sam.labels() == [a[0] for a in TOY_ACCOUNTS]
    assert sam.kind("lnd") == "fac" and sam.commodity_of("a_nag") == "c_nag"
    assert sam["lab", "a_nag"] == 60.0
    assert sam.row_totals["hh"] == 160.0 and sam.col_totals["hh"] == 160.0
    assert sam.block("fac", "act").to_numpy().tolist() == [[30, 60], [10, 40], [25, 0]]
    assert (sam.imbalances() == 0).all()
    assert list(sam.matrix.dtypes.unique()) == [np.float64]


def test_to_xarray_has_labels_and_kinds():
    da = toy_sam().to_xarray()
    assert da.dims == ("row", "col")
    assert da.sel(row="hh", col="lab").item() == 90.0
    assert da["kind"].sel(row="cap").item() == "fac"
    assert float(da.where(da["kind"] == "fac", drop=True).sum()) == 165.0
    assert da.attrs["unit"] == "100 million yuan"


def test_hash_depends_on_values_kinds_and_commodities_only():
    sam = toy_sam()
    other = sam.copy()
    other.name = "renamed"
    assert other.hash() == sam.hash()
    other.matrix.loc["hh", "gov"] = np.nextafter(5.0, 6.0)
    assert other.hash() != sam.hash()
    assert sam["hh", "gov"] == 5.0  # copy is deep
    relabeled = sam.copy()
    relabeled.accounts.loc["hh", "kind"] = "ent"
    assert relabeled.hash() != sam.hash()


def test_constructor_refuses_mismatched_labels():
    m = pd.DataFrame(np.zeros((2, 2)), index=["a", "b"], columns=["a", "c"])
    with pytest.raises(SAMError, match="row labels and column labels differ"):
        SAM(m, pd.DataFrame({"kind": ["gov", "row"]}, index=["a", "b"]))


# --- validation: one test per kind of problem -----------------------------------
def test_unbalanced_account_names_account_and_totals():
    msg = problems_of(toy_with({("hh", "gov"): 7}))
    assert "account 'hh' is unbalanced: row total 162, column total 160, difference 2" in msg
    assert "account 'gov' is unbalanced: row total 30, column total 32, difference -2" in msg


def test_imbalance_within_tolerance_passes():
    sam = toy_with({("hh", "gov"): 5 + 1e-9})
    sam.validate(tol=1e-9)
    assert "'hh' is unbalanced" in problems_of(sam, tol=1e-13)


def test_cell_without_meaning_is_named():
    msg = problems_of(toy_with({("gov", "gov"): 3, ("row", "hh"): 0.5}))
    assert "cell (gov, gov) = 3.0: a payment from gov to gov has no meaning" in msg
    assert "cell (row, hh) = 0.5: a payment from hh to row has no meaning" in msg


def test_activity_selling_another_commodity_is_named():
    msg = problems_of(toy_with({("a_agr", "c_nag"): 1}))
    assert "cell (a_agr, c_nag) = 1.0: activity 'a_agr' makes 'c_agr', not 'c_nag'" in msg


@pytest.mark.parametrize("cell", [("c_agr", "a_nag"), ("a_nag", "c_nag"), ("lab", "a_agr"), ("c_agr", "hh"),
                                  ("c_nag", "gov"), ("c_agr", "row"), ("row", "c_nag")])
def test_negative_quantity_cells_are_named(cell):
    msg = problems_of(toy_with({cell: -1.5}))
    assert f"cell ({cell[0]}, {cell[1]}) = -1.5 is negative" in msg


def test_negative_wedge_tax_saving_and_transfer_cells_are_allowed():
    sam = full_sam()
    negatives = {(r, c) for r in sam.labels() for c in sam.labels() if sam[r, c] < 0}
    assert negatives == {("wdg", "a_agr"), ("ent", "gov")}
    sam.validate()


def test_account_without_kind_is_named():
    accounts = [a if a[0] != "lnd" else ("lnd", "", "") for a in TOY_ACCOUNTS]
    msg = problems_of(toy_with(accounts=accounts))
    assert "account 'lnd' has no kind (valid kinds: act, com, fac" in msg


def test_unknown_kind_lists_valid_kinds():
    accounts = [a if a[0] != "lnd" else ("lnd", "land", "") for a in TOY_ACCOUNTS]
    msg = problems_of(toy_with(accounts=accounts))
    assert "account 'lnd' has unknown kind 'land' (valid kinds: " + ", ".join(KINDS) + ")" in msg


def test_activity_commodity_missing_or_not_a_commodity():
    accounts = [("a_agr", "act", ""), ("a_nag", "act", "lab")] + TOY_ACCOUNTS[2:]
    msg = problems_of(toy_with(accounts=accounts))
    assert "activity 'a_agr' names no commodity" in msg
    assert "activity 'a_nag' makes 'lab', which is not a com account" in msg


def test_commodity_made_by_two_activities():
    accounts = [("a_agr", "act", "c_agr"), ("a_nag", "act", "c_agr")] + TOY_ACCOUNTS[2:]
    msg = problems_of(toy_with(accounts=accounts))
    assert "commodity 'c_agr' is made by 2 activities (a_agr, a_nag)" in msg


def test_commodity_on_non_activity():
    accounts = [a if a[0] != "hh" else ("hh", "hh", "c_agr") for a in TOY_ACCOUNTS]
    assert "account 'hh' of kind 'hh' names a commodity ('c_agr')" in problems_of(toy_with(accounts=accounts))


def test_single_accounts_counted():
    accounts = [a if a[0] != "gov" else ("gov", "hh", "") for a in TOY_ACCOUNTS]
    accounts = [a if a[0] != "tcom" else ("tcom", "tdir", "") for a in accounts]
    msg = problems_of(toy_with(accounts=accounts))
    assert "the SAM needs exactly one gov account, it has 0" in msg
    assert "the SAM needs at most one tdir account, it has 2: tdir, tcom" in msg


def test_two_rest_of_world_accounts():
    accounts = TOY_ACCOUNTS + [("row2", "row", "")]
    msg = problems_of(toy_with({("row2", "c_agr"): 1, ("c_agr", "row2"): 1}, accounts=accounts))
    assert "the SAM needs exactly one row account, it has 2: row, row2" in msg


def test_non_finite_cells_are_named():
    msg = problems_of(toy_with({("hh", "gov"): np.nan, ("sav", "hh"): np.inf}))
    assert "cell (hh, gov) is nan, not a finite number" in msg
    assert "cell (sav, hh) is inf, not a finite number" in msg


def test_every_problem_is_listed_at_once():
    accounts = [a if a[0] != "lnd" else ("lnd", "land", "") for a in TOY_ACCOUNTS]
    msg = problems_of(toy_with({("gov", "gov"): 3, ("c_agr", "hh"): -1}, accounts=accounts))
    assert "unknown kind 'land'" in msg and "(gov, gov)" in msg and "(c_agr, hh) = -1.0 is negative" in msg
    assert "account 'c_agr' is unbalanced" in msg
    assert msg.splitlines()[0] == f"test: {len(msg.splitlines()) - 1} problems"


# --- file problems ----------------------------------------------------------------
def write_text(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_files_are_named(tmp_path):
    assert f"{tmp_path / 'nope.csv'}: SAM file not found" in read_problems(tmp_path / "nope.csv")
    write_text(tmp_path / "s.csv", "row,gov\ngov,0\n")
    assert f"{tmp_path / 's_accounts.csv'}: accounts file not found" in read_problems(tmp_path / "s.csv")


def test_ragged_csv_names_line(tmp_path):
    write_text(tmp_path / "s.csv", "row,gov,row\ngov,0,1\nrow,1\n")
    write_text(tmp_path / "s_accounts.csv", "label,kind,commodity\ngov,gov,\nrow,row,\n")
    assert "line 3 has 2 fields, the header has 3" in read_problems(tmp_path / "s.csv")


def test_labels_square_duplicate_blank_non_numeric(tmp_path):
    write_text(tmp_path / "s.csv", "row,gov,row,sav\ngov,0,1,x\ngov,1,0,0\n,0,0,0\n")
    write_text(tmp_path / "s_accounts.csv", "label,kind,commodity\ngov,gov,\nrow,row,\n")
    msg = read_problems(tmp_path / "s.csv")
    assert "cell (gov, sav) at line 2, field 4 is not a number: 'x'" in msg
    assert "row label(s) number 3 are blank" in msg
    assert "duplicate row labels: gov" in msg
    assert "row and column labels differ (columns only: row, sav)" in msg


def test_not_square(tmp_path):
    write_text(tmp_path / "s.csv", "row,gov,row\ngov,0,1\n")
    write_text(tmp_path / "s_accounts.csv", "label,kind\ngov,gov\nrow,row\n")
    msg = read_problems(tmp_path / "s.csv")
    assert "the matrix is not square: 1 rows, 2 columns" in msg


def test_accounts_table_problems(tmp_path):
    write_text(tmp_path / "s.csv", "row,gov\ngov,0\n")
    write_text(tmp_path / "a.csv", "label,kind\ngov,gov\ngov,row\n")
    assert "lists these labels more than once: gov" in read_problems(tmp_path / "s.csv", tmp_path / "a.csv")
    write_text(tmp_path / "a.csv", "label,type\ngov,gov\n")
    assert "missing kind" in read_problems(tmp_path / "s.csv", tmp_path / "a.csv")
    write_text(tmp_path / "a.csv", "label,kind\ngov,gov\nrow,row\n")
    assert "the accounts table lists labels not in the matrix: row" in read_problems(tmp_path / "s.csv", tmp_path / "a.csv")


def test_long_csv_problems(tmp_path):
    write_text(tmp_path / "s.csv", "row,col,value\ngov,row,1\ngov,row,2\nhh,gov,1\nrow,gov,abc\n")
    write_text(tmp_path / "s_accounts.csv", "label,kind\ngov,gov\nrow,row\n")
    msg = read_problems(tmp_path / "s.csv")
    assert "line 3: cell (gov, row) already given on line 2" in msg
    assert "line 4: label 'hh' is not in the accounts table" in msg
    assert "cell (row, gov) at line 5 is not a number: 'abc'" in msg


def test_xlsx_missing_sheet(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "data"
    book.save(tmp_path / "s.xlsx")
    assert "missing sheet(s) sam, accounts (have: data)" in read_problems(tmp_path / "s.xlsx")


# --- round trips ---------------------------------------------------------------------
@pytest.mark.parametrize("fmt,name", [("matrix", "s.csv"), ("long", "s.csv"), ("xlsx", "s.xlsx")])
def test_round_trip_is_bit_exact(tmp_path, fmt, name):
    sam = perturb(full_sam(), seed=3)
    sam.matrix.loc["hh" if "hh" in sam.labels() else "rur", "gov"] = 0.1 + 0.2
    sam.matrix.loc["urb", "gov"] = -1e-300
    write_sam(sam, tmp_path / name, fmt)
    back = read_sam(tmp_path / name)
    assert np.array_equal(bits(back.matrix), bits(sam.matrix))
    assert back.labels() == sam.labels() and back.accounts.equals(sam.accounts)
    assert back.unit == "100 million yuan" and back.hash() == sam.hash()


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=4, max_size=4),
       st.sampled_from(["matrix", "long", "xlsx"]))
def test_round_trip_any_floats(tmp_path_factory, values, fmt):
    path = tmp_path_factory.mktemp("rt") / ("s.xlsx" if fmt == "xlsx" else "s.csv")
    m = pd.DataFrame(np.array(values).reshape(2, 2), index=["gov", "row"], columns=["gov", "row"])
    sam = SAM(m, pd.DataFrame({"kind": ["gov", "row"], "commodity": ["", ""]}, index=["gov", "row"]))
    write_sam(sam, path, fmt)
    back = read_sam(path)
    nonzero = sam.matrix.to_numpy() != 0  # long CSV omits zeros, so -0.0 reads back as 0.0
    assert np.array_equal(bits(back.matrix)[nonzero], bits(sam.matrix)[nonzero])
    assert np.array_equal(back.matrix.to_numpy(), sam.matrix.to_numpy())


def test_read_with_accounts_frame_and_overrides(tmp_path):
    sam = toy_sam()
    write_sam(sam, tmp_path / "s.csv")
    (tmp_path / "s_accounts.csv").unlink()
    back = read_sam(tmp_path / "s.csv", sam.accounts, name="x", unit="yuan")
    assert back.hash() == sam.hash() and back.name == "x" and back.unit == "yuan"


def test_blank_cells_read_as_zero(tmp_path):
    write_text(tmp_path / "s.csv", "row,gov,row\ngov,,1.5\nrow,1.5,\n")
    write_text(tmp_path / "s_accounts.csv", "# unit: yuan\nlabel,kind,commodity\ngov,gov,\nrow,row,\n")
    sam = read_sam(tmp_path / "s.csv")
    assert sam.matrix.to_numpy().tolist() == [[0.0, 1.5], [1.5, 0.0]] and sam.unit == "yuan"


# --- aggregation ------------------------------------------------------------------------
def test_aggregate_merges_and_keeps_totals():
    sam = full_sam()
    out = aggregate(sam, {"rur": "hh", "urb": "hh", "a_agr": "act", "a_nag": "act", "c_agr": "com", "c_nag": "com"})
    assert out.labels()[:3] == ["act", "com", "lab"]
    assert out.kind("hh") == "hh" and out.commodity_of("act") == "com"
    assert out.total == sam.total
    assert out["hh", "lab"] == sam["rur", "lab"] + sam["urb", "lab"]
    assert out["hh", "hh"] == sam["rur", "urb"]
    out.validate(tol=1e-14)


def test_aggregate_refuses_bad_mappings():
    with pytest.raises(SAMError) as info:
        aggregate(full_sam(), {"rur": "x", "gov": "x", "a_agr": "act", "a_nag": "act", "zzz": "y"})
    msg = str(info.value)
    assert "mapping names unknown account 'zzz'" in msg
    with pytest.raises(SAMError) as info:
        aggregate(full_sam(), {"rur": "x", "gov": "x", "a_agr": "act", "a_nag": "act"})
    msg = str(info.value)
    assert "'x' would merge accounts of different kinds: rur (hh), gov (gov)" in msg
    assert "activity 'act' would make several commodities (c_agr, c_nag)" in msg


def test_aggregate_mapping_csv(tmp_path):
    write_text(tmp_path / "map.csv", "label,new_label,kind\nlab,factor,fac\ncap,factor,\nlnd,factor,\n")
    out = aggregate(toy_sam(), tmp_path / "map.csv")
    assert out.row_totals["factor"] == toy_sam().row_totals[["lab", "cap", "lnd"]].sum()
    write_text(tmp_path / "map.csv", "label,new_label,kind\nlab,factor,hh\n")
    with pytest.raises(SAMError, match="mapping states kind 'hh' for 'factor', but its members give 'fac'"):
        aggregate(toy_sam(), tmp_path / "map.csv")


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 4), st.integers(1, 3), st.data())
def test_aggregation_keeps_totals_and_balance(seed, n_act, n_hh, data):
    sam = random_balanced_sam(seed, n_act=n_act, n_hh=n_hh)
    groups = {kind: data.draw(st.lists(st.integers(0, 1), min_size=len(sam.labels(kind)),
                                       max_size=len(sam.labels(kind))))
              for kind in ("act", "fac", "hh")}
    mapping = {lab: f"{kind}{g}" for kind, gs in groups.items() for lab, g in zip(sam.labels(kind), gs)}
    mapping |= {f"c{k}": f"com{g}" for k, g in enumerate(groups["act"])}
    out = aggregate(sam, mapping)
    assert len(out.labels()) == len(set(mapping.values())) + len(sam.labels()) - len(mapping)
    assert out.total == pytest.approx(sam.total, rel=1e-14)
    assert np.abs(out.imbalances()).max() <= 1e-12 * sam.total
    for new in set(mapping.values()):
        members = [lab for lab in mapping if mapping[lab] == new]
        assert out.row_totals[new] == pytest.approx(sam.row_totals[members].sum(), rel=1e-13)
    out.validate()


# --- CLI -----------------------------------------------------------------------------
def test_cli_check_valid_and_invalid(tmp_path, capsys):
    write_sam(toy_sam(), tmp_path / "toy.csv")
    assert main(["sam", "check", str(tmp_path / "toy.csv")]) == 0
    out = capsys.readouterr().out
    assert "VALID" in out and "SAM total 1,125" in out and "a_agr" in out
    write_sam(toy_with({("gov", "gov"): 2.0}), tmp_path / "bad.csv")
    assert main(["sam", "check", str(tmp_path / "bad.csv")]) == 2
    assert "cell (gov, gov) = 2.0" in capsys.readouterr().err


def test_cli_balance_and_aggregate(tmp_path, capsys):
    write_sam(perturb(toy_sam(), 5), tmp_path / "p.xlsx")
    assert main(["sam", "balance", str(tmp_path / "p.xlsx"), "--method", "ce", "--fix", "gov,tdir",
                 "--out", str(tmp_path / "b.xlsx")]) == 0
    assert "converged" in capsys.readouterr().out
    balanced = read_sam(tmp_path / "b.xlsx")
    balanced.validate(tol=1e-10)
    assert balanced["gov", "tdir"] == read_sam(tmp_path / "p.xlsx")["gov", "tdir"]
    write_text(tmp_path / "map.csv", "label,new_label\na_agr,act\na_nag,act\nc_agr,com\nc_nag,com\n")
    assert main(["sam", "aggregate", str(tmp_path / "b.xlsx"), str(tmp_path / "map.csv"),
                 "--out", str(tmp_path / "agg.xlsx")]) == 0
    assert read_sam(tmp_path / "agg.xlsx").labels("act") == ["act"]
    assert main(["sam", "balance", str(tmp_path / "p.xlsx"), "--method", "ras", "--fix", "nope",
                 "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "--fix 'nope' is not ROW,COL" in capsys.readouterr().err
