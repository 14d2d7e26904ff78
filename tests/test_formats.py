"""The table of formats is the one list of formats, and the code's layout keeps each format to its package."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from evepub import cli
from evepub.build import parse_formats
from evepub.errors import EvepubError
from evepub.formats import FORMATS, slowest_first
from evepub.formats.readback import Shows
from evepub.verify import verify

from conftest import ROOT

PACKAGE = ROOT / "evepub"


def test_every_row_names_a_package_with_writer_reader_and_contract() -> None:
    for row in FORMATS.values():
        assert callable(row.writer().write), row.name
        assert callable(row.reader().read), row.name
        assert isinstance(row.shows(), Shows), row.name


def test_the_cli_offers_exactly_the_tables_formats(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["build", "--help"])
    assert f"comma-separated: {','.join(FORMATS)} (all)" in capsys.readouterr().out
    assert parse_formats(None) == list(FORMATS)
    with pytest.raises(EvepubError, match=f"choose from {', '.join(FORMATS)}$"):
        parse_formats("html")


def test_the_render_order_holds_every_format_once_costliest_first() -> None:
    order = slowest_first(list(FORMATS))
    assert sorted(order) == sorted(FORMATS)
    costs = [FORMATS[name].cost for name in order]
    assert costs == sorted(costs, reverse=True)


def test_verify_reads_back_exactly_the_tables_main_outputs(published: Path) -> None:
    report = verify(ROOT / "source" / "roadmap.yaml", published)
    names = [comparison.name for comparison in report.comparisons]
    assert [name for name in names if "/" not in name] == list(FORMATS)
    assert all(name.startswith("trackers/") for name in names if "/" in name)


def test_every_file_a_build_writes_is_in_the_table(published: Path) -> None:
    written = {path.relative_to(published) for path in published.rglob("*") if path.is_file()}
    listed = {Path(row.output) for row in FORMATS.values()}
    for row in FORMATS.values():
        for pattern in row.other_outputs:
            listed |= set(Path(path).relative_to(published) for path in published.glob(pattern))
    assert written == listed


def module_imports(path: Path) -> set[str]:
    """The evepub modules a file imports, at module level or inside functions, outside `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("evepub"):
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("evepub")}
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {
        name: {target for target in module_imports(path) if target in files and target != name}
        for name, path in files.items()
    }


def test_no_import_cycle_among_evepubs_modules() -> None:
    graph = import_graph()
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in graph[name]:
            assert state.get(target) != 1, f"import cycle: {' -> '.join([*trail, name, target])}"
            if target not in state:
                visit(target, [*trail, name])
        state[name] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_format_package_imports_no_other_format(name: str) -> None:
    package = FORMATS[name].package
    others = {row.package for row in FORMATS.values() if row.package != package}
    folder = PACKAGE.joinpath(*package.split(".")[1:])
    for path in folder.glob("*.py"):
        every_import = {
            node.module
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.ImportFrom) and node.module
        }
        crossing = {target for target in every_import for other in others if target.startswith(other)}
        assert not crossing, f"{path.relative_to(ROOT)} imports {crossing}"


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_reader_takes_from_its_writer_only_the_contract(name: str) -> None:
    package = FORMATS[name].package
    reader = importlib.import_module(f"{package}.reader")
    tree = ast.parse(Path(reader.__file__ or "").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert f"{package}.writer" not in imported
