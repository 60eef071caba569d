"""The theory document the code cites, and the README's install table (issue 17, item 4).

* Every section, statement and step the code cites ("docs/theory.md §4", "§2 Theorem A1",
  "§6 E3", "§7.2", "§2 check 3", the registry's ``section`` fields) exists in the document.
* The document is package data of ``sparsecert``, so it ships in the wheel (tests/test_namespace.py
  checks the built wheel itself), and it is readable through importlib.resources.
* The README's install table names exactly the extras of pyproject, with their packages.
"""

from __future__ import annotations

import fnmatch
import importlib.resources
import re
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
DOC_IN_PACKAGE = "docs/theory.md"  # relative to the sparsecert package
DOC = ROOT / "sparsecert_pkg" / DOC_IN_PACKAGE
POINTER = ROOT / "docs" / "theory.md"
SOURCE_DIRS = ("sparse_models", "verify", "properties", "sparsecert_pkg", "examples", "bench", "tests")
OTHER_WORKS = ("Higham",)  # a line citing a section of another work, not of the theory document
# the section each statement family lives in: A1/A2 (§2), Lemma B (§3), C1-C3 (§4), D1/D2 (§5), E0-E8 (§6)
FAMILY = {"A": 2, "B": 3, "C": 4, "D": 5, "E": 6}

SECTION = re.compile(r"^## (\d+)\. ")
STEP = re.compile(r"^### (\d+)\.(\d+) ")
STATEMENT = re.compile(r"\b([ACDE]\d)\b|\bLemma (B)\b")
CITATION = re.compile(r"§(\d+)(?:\.(\d+)(?:-(\d+)\.(\d+))?)?")
CHECK = re.compile(r"^check (\d+)")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _document() -> dict:
    """Sections, §N.M steps, statement names (per section) and the numbered §2 checks."""
    sections: dict[int, str] = {}
    steps: set[tuple[int, int]] = set()
    statements: set[tuple[int, str]] = set()
    checks: set[int] = set()
    current, in_checks = None, False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if (m := SECTION.match(line)):
            current, in_checks = int(m.group(1)), False
            sections[current] = line
        elif line.startswith("### ") and current is not None:
            if (m := STEP.match(line)):
                assert int(m.group(1)) == current, f"step heading outside its section: {line}"
                steps.add((current, int(m.group(2))))
            for m in STATEMENT.finditer(line):
                statements.add((current, m.group(1) or m.group(2)))
            in_checks = line.startswith("### Empirical checks for §2")
        elif in_checks and (m := re.match(r"^(\d+)\. ", line)):
            checks.add(int(m.group(1)))
    return {"sections": sections, "steps": steps, "statements": statements, "checks": checks}


def _references(text: str) -> list[tuple[str, object]]:
    """What a piece of text cites: ("section", N), ("step", (N, M)), ("statement", (N, name)), ("check", K)."""
    out: list[tuple[str, object]] = []
    matches = list(CITATION.finditer(text))
    for i, m in enumerate(matches):
        sec = int(m.group(1))
        out.append(("section", sec))
        if m.group(2):
            out.append(("step", (sec, int(m.group(2)))))
        if m.group(3):
            assert int(m.group(3)) == sec, f"a range of steps across sections: {m.group(0)}"
            out.extend(("step", (sec, j)) for j in range(int(m.group(2)), int(m.group(4)) + 1))
        # the words after "§N" up to the next "§": "Theorem A1", "C1/C2 radius", "check 3", ", D1"
        tail = text[m.end(): matches[i + 1].start() if i + 1 < len(matches) else len(text)][:40]
        for s in STATEMENT.finditer(tail):
            out.append(("statement", (sec, s.group(1) or s.group(2))))
        if (c := CHECK.match(tail.strip())):
            out.append(("check", int(c.group(1))))
    return out


def _source_lines():
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.resolve() == Path(__file__).resolve() or "__pycache__" in path.parts:
                continue
            for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                yield f"{path.relative_to(ROOT)}:{no}", line
    for no, line in enumerate((ROOT / "README.md").read_text(encoding="utf-8").splitlines(), 1):
        yield f"README.md:{no}", line


def _missing(refs, doc) -> list[str]:
    bad = []
    for kind, what in refs:
        ok = {"section": lambda: what in doc["sections"],
              "step": lambda: what in doc["steps"],
              "statement": lambda: what in doc["statements"],
              "check": lambda: what in doc["checks"]}[kind]()
        if not ok:
            bad.append(f"{kind} {what}")
    return bad


def test_document_has_every_section_and_statement_family():
    doc = _document()
    assert sorted(doc["sections"]) == list(range(9)), doc["sections"]
    assert {(7, j) for j in range(1, 8)} <= doc["steps"]
    for name in ("A1", "A2", "B", "C1", "C2", "C3", "D1", "D2", *(f"E{j}" for j in range(9))):
        assert (FAMILY[name[0]], name) in doc["statements"], name
    assert doc["checks"] == {1, 2, 3, 4, 5}
    text = DOC.read_text(encoding="utf-8")
    for label in ("[STANDARD]", "[DERIVED]", "[PAPER, 2nd-hand]", "[THIRD-PARTY]"):
        assert label in text


def test_every_citation_in_the_code_exists_in_the_document():
    doc = _document()
    bad, seen = [], 0
    for where, line in _source_lines():
        if "§" not in line or any(w in line for w in OTHER_WORKS):
            continue
        refs = _references(line)
        seen += len(refs)
        bad.extend(f"{where}: {miss}  <- {line.strip()}" for miss in _missing(refs, doc))
    assert seen > 100, "the scan found suspiciously few citations"
    assert not bad, "citations of sections the theory document does not have:\n" + "\n".join(bad)


def test_registry_sections_exist_in_the_document():
    from sparsecert.properties.bounds import REGISTRY

    doc = _document()
    bad = []
    for b in REGISTRY.values():
        refs = _references(b.section)
        assert refs, f"{b.name}: section {b.section!r} cites nothing"
        bad.extend(f"{b.name}: {miss} ({b.section})" for miss in _missing(refs, doc))
    assert not bad, "\n".join(bad)


def test_the_parser_sees_what_the_code_writes():
    refs = _references("Theorems C1/C2 (docs/theory.md §4, Cor. C3); §7.2-7.3; §3 Lemma B with §2 A1; §2 check 4 / §5")
    assert ("statement", (4, "C3")) in refs and ("step", (7, 3)) in refs and ("check", 4) in refs
    assert ("statement", (3, "B")) in refs and ("statement", (2, "A1")) in refs and ("section", 5) in refs
    doc = _document()
    assert _missing([("statement", (6, "E9")), ("step", (7, 99)), ("section", 9)], doc) == [
        "statement (6, 'E9')", "step (7, 99)", "section 9"]


def test_citations_name_the_document_not_the_old_file():
    old = [f"{where}: {line.strip()}" for where, line in _source_lines() if re.search(r"\bTHEORY\b", line)]
    assert not old, "cite docs/theory.md (the file THEORY.md is not part of the project):\n" + "\n".join(old)


def test_document_is_package_data_and_readable():
    cfg = _pyproject()["tool"]["setuptools"]
    assert cfg["package-dir"]["sparsecert"] == "sparsecert_pkg"
    # docs/ is listed as a (data-only) package, so setuptools ships it without a warning, and
    # its package data names the document; or the parent package names "docs/*.md" itself
    data = cfg["package-data"]
    shipped = ("sparsecert.docs" in cfg["packages"]
               and any(fnmatch.fnmatch("theory.md", p) for p in data.get("sparsecert.docs", ()))) \
        or any(fnmatch.fnmatch(DOC_IN_PACKAGE, p) for p in data.get("sparsecert", ()))
    assert shipped, data
    assert DOC.is_file()
    text = importlib.resources.files("sparsecert").joinpath(DOC_IN_PACKAGE).read_text(encoding="utf-8")
    assert text == DOC.read_text(encoding="utf-8")
    # the repository's docs/theory.md is a pointer to the one copy, not a second copy that could drift
    pointer = POINTER.read_text(encoding="utf-8")
    assert "sparsecert_pkg/docs/theory.md" in pointer and len(pointer) < 2000


def _requirement_name(req: str) -> str:
    return re.match(r"[A-Za-z0-9_.\-]+(\[[^\]]*\])?", req.strip()).group(0).lower()


def _install_table() -> dict[str, list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if (m := re.match(r"^\| `([^`]+)` \| ([^|]*) \|", line)):
            rows[m.group(1)] = [x.strip() for x in m.group(2).split(",")]
    return rows


def test_readme_install_table_names_the_extras_of_pyproject():
    extras = _pyproject()["project"]["optional-dependencies"]
    rows = _install_table()
    assert rows, "no install table under '## Install' in README.md"
    assert set(rows) <= set(extras), f"the README names extras pyproject lacks: {set(rows) - set(extras)}"
    assert set(extras) <= set(rows), f"extras missing from the README's table: {set(extras) - set(rows)}"
    for name, installs in rows.items():
        if name == "all":
            continue
        assert {_requirement_name(x) for x in installs} == {_requirement_name(r) for r in extras[name]}, name
    # the table says `all` is all of the above
    others = {_requirement_name(r) for name, reqs in extras.items() if name != "all" for r in reqs}
    assert others <= {_requirement_name(r) for r in extras["all"]}
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# sparsecert\n\n```\nmake demo"), "the make demo / make test pair comes first"
    assert text.index("make demo") < text.index("## Install") and 'pip install "sparsecert[solvers,fast]"' in text
