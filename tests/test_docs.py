"""The documentation stays complete and true.

- Every Pyomo constraint, variable, parameter and set of the model is listed in
  the marker lines of docs/model.md (``Equations:``, ``Variables:``,
  ``Parameters:``, ``Sets:``), and every name listed there exists.
- Every relative link in docs/*.md and examples/README.md points to an
  existing file (and heading).
- The examples' fast variants print rows that appear in the docs' tables,
  to the printed precision.
- CITATION.cff and CHANGELOG.md name the package version.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from pyomo.environ import Constraint, Param, Set, Var

import cge
from cge import Model

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MARKERS = {"Equations": Constraint, "Variables": Var, "Parameters": Param, "Sets": Set}
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def marked(kind: str) -> list[str]:
    """Names in backticks on the ``<kind>:`` marker lines of docs/model.md."""
    lines = (DOCS / "model.md").read_text(encoding="utf-8").splitlines()
    return [name for line in lines if line.startswith(f"{kind}:") for name in re.findall(r"`([^`]+)`", line)]


@pytest.fixture(scope="module")
def components() -> dict[str, set[str]]:
    m = Model("synthetic").m
    return {kind: {c.name for c in m.component_objects(ctype, descend_into=True)} for kind, ctype in MARKERS.items()}


@pytest.mark.parametrize("kind", MARKERS)
def test_model_md_lists_every_component_once(components, kind):
    names = marked(kind)
    assert names, f"docs/model.md has no '{kind}:' marker lines"
    missing = components[kind] - set(names)
    stale = set(names) - components[kind]
    twice = {n for n in names if names.count(n) > 1}
    assert not missing, f"{kind} of the model not documented in docs/model.md: {sorted(missing)}"
    assert not stale, f"docs/model.md lists {kind.lower()} the model does not have: {sorted(stale)}"
    assert not twice, f"docs/model.md lists these {kind.lower()} more than once: {sorted(twice)}"


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {slug(line.lstrip("#")) for line in text.splitlines() if re.match(r"#{1,6} ", line)}


def test_docs_links_resolve():
    docs = sorted(DOCS.glob("*.md"))
    assert {p.name for p in docs} >= {"model.md", "data.md", "policies.md", "extending.md"}
    docs.append(ROOT / "examples" / "README.md")
    broken = []
    for doc in docs:
        for target in LINK.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):          # http:, https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            if not file.exists():
                broken.append(f"{doc.name}: {target} (no file {file})")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                broken.append(f"{doc.name}: {target} (no heading #{anchor} in {file.name})")
    assert not broken, "broken links:\n" + "\n".join(broken)


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _same(out: str, doc: str) -> bool:
    """Equal text, or numbers equal to one unit in the last digit the doc prints."""
    a, b = _number(out), _number(doc)
    if a is None or b is None:
        return out == doc
    decimals = len(doc.split(".")[1]) if "." in doc else 0
    return abs(a - b) <= 1.01 * 10.0 ** -decimals


def assert_rows_in(rows: list[str], doc: str) -> None:
    table = [_cells(line) for line in (DOCS / doc).read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    for row in rows:
        out = _cells(row)
        assert any(len(t) == len(out) and all(map(_same, out, t)) for t in table), \
            f"the example prints\n  {row}\nbut docs/{doc} has no such table row"


def example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_welfare_example_matches_policies_md():
    rows = example("reproduce_welfare").main(fast=True)
    assert [_cells(r)[0] for r in rows] == ["base", "hukou"]
    assert_rows_in(rows, "policies.md")


def test_hukou_curve_example_matches_policies_md(tmp_path):
    png = tmp_path / "curve.png"
    rows = example("hukou_curve").main(fast=True, out=png)
    assert [_cells(r)[0] for r in rows] == ["0.150", "0.075", "0.000"]
    assert png.stat().st_size > 1000
    assert_rows_in(rows, "policies.md")


def test_sensitivity_example_matches_policies_md():
    rows = example("sensitivity").main(fast=True)
    assert len(rows) == 3
    assert_rows_in(rows, "policies.md")


def test_rural_nonfarm_example_matches_extending_md():
    rows = example("rural_nonfarm").main(fast=True)
    assert len(rows) == 3
    assert_rows_in(rows, "extending.md")


def test_citation_and_changelog_name_the_version():
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(cge.__version__)}$", cff, re.M)
    assert re.search(r"^license: MIT$", cff, re.M)
    assert f"## [{cge.__version__}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
