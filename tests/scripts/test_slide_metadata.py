import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("slide_metadata",
                                               ROOT / "scripts" / "slide_metadata.py")
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)


def md(text, **meta):
    return {"cell_type": "markdown", "source": [text], "metadata": meta}


def code(text="x = 1", **meta):
    return {"cell_type": "code", "source": [text], "metadata": meta}


def test_the_rule_on_a_small_notebook():
    cells = [md("# Title"), code(), md("## Part"), md("text"), code(), md("after output"),
             md("### Try it"), code("answer = None"), code("answer = 3", tags=["solution"]),
             code("course.check(answer, key)"), md("## Summary"),
             md("## Optional deep dives"), md("### Deep dive: x"), code()]
    assert S.slide_types(cells) == ["slide", "-", "slide", "-", "-", "subslide", "subslide", "-",
                                    "skip", "-", "slide", "skip", "skip", "skip"]


def test_every_notebook_carries_the_rule():
    # A cell added without slide metadata (or edited by hand) fails here: run the script.
    assert S.main(["--check"]) == 0
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        nb = json.loads(path.read_text())
        assert nb["metadata"]["rise"]["scroll"] is True
        kinds = [c["metadata"]["slideshow"]["slide_type"] for c in nb["cells"]]
        assert kinds[0] == "slide" and kinds.count("slide") >= 4, path.name
