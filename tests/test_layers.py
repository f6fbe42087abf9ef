"""The import graph flows one way, and no package reaches into another's private names.

Layers, bottom to top (ARCHITECTURE.md): core, techniques, paper, plots and
widgets. A module may import from its own layer's package and from any layer
below; the shared private core modules (``stealkit._validation``,
``stealkit._torch``, ``stealkit._manifest``) are the only ``_`` names that
cross package boundaries.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "stealkit"

CORE = {"stealkit", "oracle", "remote", "defenses", "metrics", "stats", "course", "datasets", "victims",
        "_validation", "_torch", "_manifest"}
TECHNIQUES = {"attacks", "watermark", "dataset_inference"}
LAYER = {**dict.fromkeys(CORE, 0), **dict.fromkeys(TECHNIQUES, 1), "paper": 2, "service": 2,
         "plots": 3, "widgets": 3}
SHARED_PRIVATE = {"_validation", "_torch", "_manifest"}


def _package(module: str) -> str:
    """'stealkit.attacks.lowd_meek' -> 'attacks'; 'stealkit' -> 'stealkit'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "stealkit"


def _imports():
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                if target.split(".")[0] == "stealkit":
                    yield module, target


EDGES = sorted(set(_imports()))


def test_every_package_has_a_layer():
    packages = {p.stem if p.is_file() else p.name for p in ROOT.iterdir()
                if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.name != "__init__.py"}
    assert packages <= set(LAYER), sorted(packages - set(LAYER))


def test_imports_flow_down():
    upward = [f"{m} -> {t}" for m, t in EDGES
              if _package(t) != _package(m) and LAYER[_package(t)] > LAYER[_package(m)]]
    assert not upward, upward


def test_no_package_imports_another_packages_private_names():
    private = [f"{m} -> {t}" for m, t in EDGES
               if _package(t) not in (_package(m), *SHARED_PRIVATE)
               and any(p.startswith("_") and not p.startswith("__") for p in t.split(".")[2:])]
    assert not private, private


def test_the_checks_see_the_imports():
    # The graph is read from the source: it must contain edges of every kind checked above.
    assert ("stealkit.widgets.trees", "stealkit.plots.trees") in EDGES
    assert any(_package(t) == "_torch" for _, t in EDGES)
    assert len(EDGES) > 100
