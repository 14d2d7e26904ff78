"""Property-based tests of the source format, the importer and the loader."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import roadmaps

from evepub.errors import SourceError
from evepub.importer import read_text
from evepub.source import dumps, loads


@given(roadmaps())
def test_every_roadmap_survives_the_source_format(roadmap) -> None:
    assert loads(dumps(roadmap)) == roadmap


@settings(max_examples=300)
@given(st.text())
def test_import_of_any_text_gives_a_roadmap_or_one_clear_error(text: str) -> None:
    try:
        roadmap = read_text(text, "fuzz.txt")
    except SourceError as error:
        assert str(error).startswith("fuzz.txt:")
        assert "\n" not in str(error)
    else:
        assert loads(dumps(roadmap)) == roadmap


@settings(max_examples=300)
@given(st.text())
def test_validation_of_any_text_gives_a_roadmap_or_positioned_problems(text: str) -> None:
    try:
        loads(text, "fuzz.yaml")
    except SourceError as error:
        assert error.problems
        assert all(str(problem).startswith("fuzz.yaml:") for problem in error.problems)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(["title", "releases", "statuses", "version", "blocks"]), yaml_values))
def test_validation_of_any_yaml_structure_gives_positioned_problems(data: dict) -> None:
    import yaml

    try:
        loads(yaml.safe_dump(data), "fuzz.yaml")
    except SourceError as error:
        assert all(problem.line >= 1 and problem.column >= 1 for problem in error.problems)
