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
