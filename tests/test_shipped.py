"""Every calibration the package ships passes the four checks of spec §9."""

from pathlib import Path

import pytest

from cge.api import Model

SHIPPED = sorted(p.stem for p in (Path(__file__).parent.parent / "calibration").glob("*.toml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_calibration_passes_the_four_checks(name):
    report = Model(name).check()
    assert report.equations == report.free_variables
    assert report.benchmark_residual < 1e-9, report.worst_benchmark
    assert report.homogeneity_error < 1e-8, report.worst_homogeneity
    assert report.walras < 1e-8


@pytest.mark.parametrize("name", SHIPPED)
def test_every_number_in_a_shipped_calibration_has_a_source(name):
    """Every table of a calibration file that holds a number names its source
    (or says ASSUMPTION)."""
    import tomllib

    raw = tomllib.loads((Path(__file__).parent.parent / "calibration" / f"{name}.toml").read_text())
    missing = []

    def walk(table, where):
        has_number = any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in table.values()) or any(
            isinstance(v, dict) and all(isinstance(x, (int, float)) for x in v.values()) and v
            for v in table.values())
        if has_number and not str(table.get("source", "")).strip():
            missing.append(where)
        for k, v in table.items():
            if isinstance(v, dict) and not all(isinstance(x, (int, float)) for x in v.values()):
                walk(v, f"{where}.{k}")
        for k, v in table.items():
            if isinstance(v, list) and v and isinstance(v[0], dict):
                for j, item in enumerate(v):
                    walk(item, f"{where}.{k}[{j}]")

    walk(raw, name)
    assert not missing, f"tables without a source: {missing}"
