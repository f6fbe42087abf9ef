"""Mark each notebook's core path as a slideshow (RISE / `jupyter nbconvert --to slides`).

    python scripts/slide_metadata.py           # write the slide metadata into notebooks/0*.ipynb
    python scripts/slide_metadata.py --check   # exit 1 if a notebook differs from the rule

The rule, one place for all notebooks:
- the core path (every cell before ``## Optional deep dives``) is the lecture;
  the deep dives and exercise solutions are skipped;
- the title and each ``##`` section open a slide, each ``###`` a sub-slide;
- prose after a code cell's output opens a sub-slide (a new screen below), so
  no slide runs far past one screen; code goes with the text that introduces it.
The notebook's ``rise`` metadata lets a long slide scroll and keeps widgets live.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEEP_DIVES = "## Optional deep dives"
RISE = {"scroll": True, "transition": "none", "theme": "simple", "start_slideshow_at": "beginning"}


def slide_types(cells: list[dict]) -> list[str]:
    """The slide type of each cell, by the rule above."""
    types, core, previous = [], True, None
    for cell in cells:
        source = "".join(cell["source"]).lstrip()
        if cell["cell_type"] == "markdown" and source.startswith(DEEP_DIVES):
            core = False
        if not core or "solution" in cell.get("metadata", {}).get("tags", []):
            kind = "skip"
        elif cell["cell_type"] == "markdown" and source.startswith(("# ", "## ")):
            kind = "slide"
        elif cell["cell_type"] == "markdown" and source.startswith("### "):
            kind = "subslide"
        elif cell["cell_type"] == "markdown" and previous == "code":
            kind = "subslide"
        else:
            kind = "-"
        types.append(kind)
        if kind != "skip":
            previous = cell["cell_type"]
    return types


def apply(nb: dict) -> dict:
    for cell, kind in zip(nb["cells"], slide_types(nb["cells"]), strict=True):
        cell.setdefault("metadata", {})["slideshow"] = {"slide_type": kind}
    nb["metadata"]["rise"] = dict(RISE)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; write nothing")
    args = parser.parse_args(argv)
    stale = []
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        text = path.read_text()
        new = json.dumps(apply(json.loads(text)), indent=1, sort_keys=True,
                         ensure_ascii=False) + "\n"
        if new != text:
            stale.append(path.name)
            if not args.check:
                path.write_text(new)
    if args.check and stale:
        print("slide metadata out of date (run python scripts/slide_metadata.py):", *stale)
        return 1
    print(("checked: " if args.check else "written: ") + (", ".join(stale) or "nothing to change"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
