"""Student copies: the notebooks without exercise solutions or outputs (`make student`)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from stealkit import course

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
STUDENT = ROOT / "notebooks" / "student"
CHECK = re.compile(r'course\.check\((\w+), "([^"]+)"')


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _exercises(cells: list[dict]):
    """(exercise, solution or None, check) cell triples, in order."""
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code" and "course.check(" in "".join(cell["source"]):
            before = [c for c in cells[:i] if c["cell_type"] == "code"]
            solution = before[-1] if before and "solution" in _tags(before[-1]) else None
            exercise = before[-2] if solution else before[-1]
            yield exercise, solution, cell


def test_make_student_writes_the_committed_copies(tmp_path):
    # No drift: the committed copies are what `make student` makes of the current notebooks.
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    subprocess.run(["make", "-s", "student", f"STUDENT_DIR={tmp_path}"], cwd=ROOT, check=True,
                   capture_output=True)
    made = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    assert made == [nb.name for nb in NOTEBOOKS]
    assert sorted(p.name for p in STUDENT.glob("*.ipynb")) == made, \
        "notebooks/student/ is out of date: run `make student`"
    for name in made:
        assert (STUDENT / name).read_text() == (tmp_path / name).read_text(), \
            f"notebooks/student/{name} is out of date: run `make student`"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem[:2] for nb in NOTEBOOKS])
def test_instructor_notebook_checks_pass_without_showing_the_answer(notebook):
    triples = list(_exercises(_cells(notebook)))
    assert triples, f"{notebook.name} has no exercise checks"
    for exercise, solution, check in triples:
        source = "".join(check["source"])
        assert solution is not None, f"no solution cell before: {source}"
        assert "exercise" in _tags(exercise) and "nbval-check-output" in _tags(check)
        checks = CHECK.findall(source)
        # The key is the only expected value in the cell: no literal answer, no expression.
        assert checks and len(checks) == source.count("course.check(")
        for variable, _key in checks:
            assert re.search(rf"^{variable} = None\b", "".join(exercise["source"]), re.M)
            assert variable in "".join(solution["source"])
        # nbval compares this output when it reruns the notebook with its solutions.
        shown = "".join("".join(o.get("text", "")) for o in check["outputs"])
        assert shown.splitlines() == ["Correct."] * len(checks), shown


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem[:2] for nb in NOTEBOOKS])
def test_student_copy_has_no_solutions_and_blank_answers_fail(notebook):
    copy = STUDENT / notebook.name
    cells = _cells(copy)
    assert not any("solution" in _tags(c) for c in cells)
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in cells if c["cell_type"] == "code")
    assert "widgets" not in json.loads(copy.read_text())["metadata"]
    n_instructor = sum(1 for c in _cells(notebook) if "solution" not in _tags(c))
    assert len(cells) == n_instructor
    for exercise, solution, check in _exercises(cells):
        assert solution is None
        namespace = {"course": course}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec("".join(exercise["source"]), namespace)  # the student's blank answer
            pairs = CHECK.findall("".join(check["source"]))
            exec("".join(check["source"]), namespace)  # the check cell as the student runs it
            results = [course.is_correct(namespace[v], key) for v, key in pairs]
        assert results and not any(results)
        assert out.getvalue().count("Not answered yet") == len(results)

