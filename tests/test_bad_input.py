"""The bad-input corpus: every mistake gets one clear line and exit status 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evepub.cli import main

HEAD = "title: T\nreleases:\n  - name: A-release\n    period: Q1 2024\n"
ITEM = "    blocks:\n      - list: bullet\n        items:\n          - id: a\n            text: x\n"


def bomb() -> bytes:
    """A 'billion laughs' document: nine aliases per level, twelve levels."""
    lines = ["title: T", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 12)]
    return ("\n".join([*lines, "releases: *a11"]) + "\n").encode()


# name -> (file content, the one line expected on stderr after "FILE:")
CORPUS: dict[str, tuple[bytes, str]] = {
    "yaml-syntax": (b"title: [unclosed\nreleases: []\n", "2:9: YAML syntax: did not find expected ',' or ']'"),
    "tab-indent": (b"title: T\nreleases:\n\t- name: A\n",
                   "3:1: YAML syntax: a tab character; indent with spaces, not tabs"),
    "two-documents": (
        b"title: T\nreleases: []\n---\ntitle: U\n",
        "3:1: YAML syntax: the file holds more than one YAML document (a second '---'); keep one roadmap per file",
    ),
    "duplicate-key": (b"title: T\ntitle: U\nreleases: []\n",
                      "2:1: duplicate key 'title' in the roadmap (first given on line 1)"),
    "yaml11-no": (b"title: NO\nreleases: []\n",
                  "1:8: title must be text: YAML reads 'NO' as a yes/no value; put it in quotes"),
    "yaml11-float": (b"title: T\nversion: 1.10\nreleases: []\n",
                     "2:10: version must be text: YAML reads '1.10' as a number; put it in quotes"),
    "yaml11-sexagesimal": (b"title: 12:30\nreleases: []\n",
                           "1:8: title must be text: YAML reads '12:30' as a number; put it in quotes"),
    "wrong-type": (b"title: T\nreleases: K\n", "2:11: releases must be a list, found text 'K'"),
    "missing-title": (b"releases: []\n", "1:1: the roadmap is missing the required key 'title'"),
    "missing-release-name": (b"title: T\nreleases:\n  - period: Q1 2024\n",
                             "3:5: a release is missing the required key 'name'"),
    "unknown-key": (b"title: T\nreleses: []\n", "2:1: unknown key 'releses' in the roadmap; did you mean 'releases'?"),
    "unknown-item-key": (
        (HEAD + ITEM + "            stauts: proposed\n").encode(),
        "10:13: unknown key 'stauts' in an item; did you mean 'status'?",
    ),
    "duplicate-id": (
        (HEAD + ITEM + "          - id: a\n            text: y\n").encode(),
        "10:17: duplicate id 'a' (first on line 8)",
    ),
    "bad-id": ((HEAD + ITEM.replace("id: a", "id: 'a b'")).encode(),
               "8:17: id 'a b' may hold only letters, digits, '.', '_' and '-'"),
    "unknown-status": (
        (HEAD + ITEM + "            status: propsed\n").encode(),
        "10:21: unknown status 'propsed'; did you mean 'proposed'? (known: planned, proposed, design approved, "
        "in progress, first cut done, done, blocked, dropped)",
    ),
    "malformed-period": (b"title: T\nreleases:\n  - name: A\n    period: Q5 2024\n",
                         "4:13: malformed period: there is no quarter Q5 in period 'Q5 2024'"),
    "period-start-mismatch": (
        (HEAD + "    start: 2023-Q1\n").encode(),
        "5:12: start 2023-Q1 does not match period 'Q1 2024' (2024-Q1)",
    ),
    "bad-quarter": ((HEAD + "    end: 2024-Q9\n").encode(), "5:10: end: '2024-Q9' is not a quarter like 2024-Q2"),
    "empty-file": (b"", "1:1: the file is empty: a roadmap needs at least 'title' and 'releases'"),
    "only-a-comment": (b"# nothing here\n", "1:1: the file is empty: a roadmap needs at least 'title' and 'releases'"),
    "list-not-mapping": (b"- a\n- b\n", "1:1: the roadmap must be a mapping (key: value), found a list"),
    "not-utf8": (b"title: caf\xe9\nreleases: []\n", "1:11: the file is not UTF-8 text (byte 0xe9); save it as UTF-8"),
    "python-object-tag": (b"title: !!python/object/apply:os.system ['echo hi']\nreleases: []\n",
                          "1:8: Python object tags are not allowed in a roadmap source"),
    "custom-tag": (b"title: !secret T\nreleases: []\n", "1:8: the tag !secret is not allowed in a roadmap source"),
    "alias-bomb": (bomb(), "2:5: an alias (*name) repeats the value anchored here; aliases are not allowed, "
                   "write the value out"),
    "self-alias": (b"title: T\nreleases: &a\n  - *a\n",
                   "2:11: an alias (*name) repeats the value anchored here; aliases are not allowed, "
                   "write the value out"),
    "deep-nesting": (("title: T\nreleases: " + "[" * 5000 + "]" * 5000 + "\n").encode(),
                     "2:1010: YAML syntax: exceeded maximum nesting depth"),
    "huge-text": (("title: '" + "x" * 10_000_000 + "'\nreleases: []\n").encode(),
                  "1:8: title is 10000000 characters long; the limit is 32767"),
    "control-character": (b"title: T\x07\nreleases: []\n",
                          "1:9: control character U+0007 is not allowed in YAML; "
                          "write it as an escape in double quotes, such as \"\\x07\""),
    "null-title": (b"title:\nreleases: []\n", "1:7: title must be text, found nothing"),
    "empty-title": (b"title: ''\nreleases: []\n", "1:8: title must not be empty"),
    "two-block-kinds": (
        (HEAD + "    blocks:\n      - paragraph: p\n        note: n\n        id: p\n").encode(),
        "6:9: a block must have exactly one of the keys 'paragraph', 'note' or 'list'",
    ),
    "unknown-list-style": (
        (HEAD + ITEM.replace("list: bullet", "list: roman")).encode(),
        "6:15: unknown list style 'roman'; expected one of: bullet, decimal, lower-alpha, upper-alpha",
    ),
    "list-start-zero": (
        (HEAD + ITEM.replace("list: bullet", "list: decimal\n        start: 0")).encode(),
        "7:16: start: '0' is not a whole number from 1 up",
    ),
    "bad-date": (b"title: T\ndate: 2024-13-45\nreleases: []\n",
                 "2:7: date: '2024-13-45' is not a date like 2024-06-30"),
    "bad-colour": (b"title: T\nstatuses:\n  - name: done\n    colour: green\nreleases: []\n",
                   "4:13: colour 'green' must be six hex digits such as 2E7D32"),
    "duplicate-release": (
        (HEAD + "  - name: A-release\n").encode(),
        "5:5: duplicate release name 'A-release' (first on line 3)",
    ),
    "control-character-in-a-release-name": (b'title: T\nreleases:\n  - name: "R\\x07"\n',
                                            "3:11: release name holds U+0007, a character no Office file can hold; "
                                            "remove it"),
    "control-character-in-an-area-title": (
        (HEAD + '    areas:\n      - title: "A\\x01"\n').encode(),
        "6:16: area title holds U+0001, a character no Office file can hold; remove it",
    ),
    "non-character-in-a-text": (
        (HEAD + ITEM.replace("text: x", 'text: "x\\uFFFF"')).encode(),
        "9:19: item text holds U+FFFF, which is not a character (no Office file can hold it); remove it",
    ),
    "note-with-lists": (
        (HEAD + "    blocks:\n      - note: n\n        id: n\n        lists: []\n").encode(),
        "8:9: unknown key 'lists' in a note; did you mean 'links'?",
    ),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_each_bad_source_gets_its_one_line_and_exit_status_2(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, expected = CORPUS[name]
    path = tmp_path / "roadmap.yaml"
    path.write_bytes(content)
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0] == f"{path}:{expected}"
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_every_problem_is_reported_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "roadmap.yaml"
    path.write_text("titel: T\nreleases:\n  - name: A\n    period: Q7 2020\n  - nme: B\n")
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:1:1: unknown key 'titel' in the roadmap; did you mean 'title'?",
        f"{path}:4:13: malformed period: there is no quarter Q7 in period 'Q7 2020'",
        f"{path}:5:5: unknown key 'nme' in a release; did you mean 'name'?",
    ]


def test_a_byte_order_mark_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "roadmap.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (HEAD + ITEM).encode())
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: valid (1 releases, 1 items)\n"


def test_escaped_control_characters_are_valid_text(tmp_path: Path) -> None:
    path = tmp_path / "roadmap.yaml"
    path.write_text(HEAD + ITEM.replace("text: x", 'text: "bell\\x07 and vertical tab\\x0b"'))
    assert main(["validate", str(path)]) == 0


def test_a_roadmap_without_releases_publishes_and_verifies(tmp_path: Path) -> None:
    path = tmp_path / "roadmap.yaml"
    path.write_text("title: Nothing planned yet\nreleases: []\n")
    assert main(["build", "--verify", str(path), "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "roadmap-tracker.xlsx").is_file()


def test_a_missing_source_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["validate", str(missing)]) == 2
    assert capsys.readouterr().err == f"{missing}:1:1: cannot read the source: No such file or directory\n"


def test_the_alias_bomb_fails_fast_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_bytes(bomb())
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30));"
    script = f"{limit} from evepub.cli import main; raise SystemExit(main(['validate', {str(path)!r}]))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "alias" in done.stderr
