"""pyproject.toml, environment.yml and binder/ must install the same packages."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^\s*-\s*([A-Za-z0-9_.\-]+)")


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {_name(s) for s in specs}


def _conda(path: Path) -> set[str]:
    names = set()
    text = path.read_text()
    for line in text[text.index("dependencies:") :].splitlines()[1:]:
        m = NAME.match(line)
        if m and not line.strip().startswith("- --") and m.group(1) not in {"pip", "python", "-e"}:
            names.add(_name(m.group(1)))
    return names - {"pip:"}


def test_environment_yml_matches_pyproject():
    assert _conda(ROOT / "environment.yml") == _pyproject()


def test_binder_matches_pyproject():
    assert _conda(ROOT / "binder" / "environment.yml") == _pyproject()
    assert "pip install --no-deps -e ." in (ROOT / "binder" / "postBuild").read_text()


def test_torch_is_cpu_only_everywhere():
    for env in (ROOT / "environment.yml", ROOT / "binder" / "environment.yml"):
        assert "download.pytorch.org/whl/cpu" in env.read_text()
    assert "TORCH  ?= torch==" in (ROOT / "Makefile").read_text()


def test_jupyterlab_overrides_name_real_settings():
    # binder/overrides.json is copied into the environment by `make` and by Binder's postBuild;
    # a misspelt plugin or key would be ignored silently by JupyterLab.
    import json
    import sys

    overrides = json.loads((ROOT / "binder" / "overrides.json").read_text())
    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    for plugin, settings in overrides.items():
        package, name = plugin.rsplit(":", 1)
        schema = json.loads((schemas / package / f"{name}.json").read_text())
        for key, value in settings.items():
            prop = schema["properties"][key]
            assert value in prop.get("enum", [value]) and (prop["type"] != "boolean"
                                                             or isinstance(value, bool))
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert "binder/overrides.json" in (ROOT / "binder" / "postBuild").read_text()


def test_lab_and_binder_trust_the_shipped_notebooks():
    # JupyterLab renders the notebooks' stored widget state only in trusted notebooks.
    makefile = (ROOT / "Makefile").read_text()
    assert "lab: trust" in makefile and "jupyter trust $(NOTEBOOKS)" in makefile
    assert "jupyter trust notebooks/" in (ROOT / "binder" / "postBuild").read_text()


def test_one_repository_address():
    # The README's Binder badge is the one place naming the public repository; any other
    # Binder link in the project must name the same one.
    import subprocess

    badge = re.findall(r"mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/", (ROOT / "README.md").read_text())
    assert len(badge) == 1
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for name in files:
        path = ROOT / name
        if path.suffix in {".md", ".py", ".toml", ".yml", ".yaml", ".json", ".cfg"} and path.is_file():
            for repo in re.findall(r"mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/", path.read_text()):
                assert repo == badge[0], f"{name} names {repo}, the README's badge {badge[0]}"


def test_openblas_kernels_are_pinned_for_reproducible_outputs():
    # AVX-512 kernels move the fourth decimal of some checked fits: make and Binder pin AVX2's
    import os

    import numpy  # noqa: F401  (loads its OpenBLAS)
    from threadpoolctl import threadpool_info

    root = Path(__file__).resolve().parents[1]
    assert "export OPENBLAS_CORETYPE ?= Haswell" in (root / "Makefile").read_text()
    assert 'OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"' in (root / "binder/start").read_text()
    wanted = os.environ.get("OPENBLAS_CORETYPE")
    loaded = [i for i in threadpool_info() if i.get("internal_api") == "openblas"]
    if wanted == "Haswell" and loaded:  # as under make: honoured by the OpenBLAS numpy loaded
        assert {i["architecture"] for i in loaded} == {"Haswell"}
