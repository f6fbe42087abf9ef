"""What the service serves: victims behind an :class:`~stealkit.Oracle`, with a public schema.

A deployment is one victim under one name, with its output mode (``proba``,
``label`` or ``leaf``), its output defences (rounding, top-k), its price per
query, the feature schema the API publishes (as BigML and Amazon ML
published theirs) and the challenge set of the leaderboard. The course's
victims are built by name (:data:`COURSE_VICTIMS`); a configuration file
(TOML) picks among them and sets the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stealkit import datasets
from stealkit.defenses import ReverseSigmoid, TopK
from stealkit.oracle import OUTPUTS, Oracle
from stealkit.paper.equation_solving import load_table4_data, table4_victim
from stealkit.victims import DecisionTree

__all__ = ["Deployment", "COURSE_VICTIMS", "DEMO", "ARCHITECTURES", "build", "load_saved",
           "demo_deployments", "load_config", "settings_of"]

#: The course victims a deployment can name, with their native output.
COURSE_VICTIMS = {
    "adult-softmax": "Table 4's softmax regression on Adult (target race, 105 one-hot inputs)",
    "adult-mlp": "Table 4's MLP (20 tanh units) on Adult (target race)",
    "german-tree": "a 26-leaf decision tree on raw German credit (BigML-style leaf ids)",
    "digits-softmax": "a softmax regression on Digits (8×8 images, 64 inputs, 10 classes)",
}
#: What ``stealkit serve --demo`` serves: name -> options of :func:`build`. The tree is served
#: twice, with leaf identifiers and with labels (path finding reads a leaf's label there).
DEMO = {"adult-softmax": {}, "german-tree": {},
        "german-tree-label": {"victim": "german-tree", "output": "label"}}
N_CHALLENGE = 500


@dataclass
class Deployment:
    """One served model: an oracle (no budget: the ledger keeps accounts) and what is public."""

    name: str
    oracle: Oracle
    label: Callable[[np.ndarray], np.ndarray]
    schema: dict[str, Any]
    price: float
    challenge_test: np.ndarray = field(repr=False)
    challenge_unif: np.ndarray = field(repr=False)

    @property
    def output(self) -> str:
        return self.oracle.output

    @property
    def n_features(self) -> int:
        return self.oracle.n_features

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "output": self.output, "n_features": self.n_features,
                "price_per_query": self.price,
                "classes": None if self.oracle.classes is None else self.oracle.classes.tolist(),
                "defences": [repr(d) for d in self.oracle.defenses],
                "incomplete_queries": self.output == "leaf", **self.schema}


def _features(features: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"name": f.name, "kind": f.kind, "low": f.low, "high": f.high,
             "values": list(f.values)} for f in features]


def _defences(top_k: int | None, reverse_sigmoid: Sequence[float] | None) -> list:
    defenses = [TopK(top_k)] if top_k is not None else []
    if reverse_sigmoid is not None:
        if not isinstance(reverse_sigmoid, Sequence) or len(reverse_sigmoid) != 2:
            raise ValueError("'reverse_sigmoid' must be [beta, gamma]. "
                             f"Got {reverse_sigmoid!r}.")
        defenses.append(ReverseSigmoid(beta=reverse_sigmoid[0], gamma=reverse_sigmoid[1]))
    return defenses


def build(name: str, *, victim: str | None = None, output: str | None = None,
          decimals: int | None = None, top_k: int | None = None,
          reverse_sigmoid: Sequence[float] | None = None, price: float = 1e-4,
          seed: int = 0) -> Deployment:
    """A deployment of the course victim ``victim`` (default: ``name``) under ``name``.

    Output defences, applied in this order: ``top_k``, ``reverse_sigmoid``
    (``[beta, gamma]``), then rounding to ``decimals``.
    """
    victim = victim or name
    if victim not in COURSE_VICTIMS:
        raise ValueError(f"Unknown course victim {victim!r}; choose one of "
                         f"{', '.join(COURSE_VICTIMS)}.")
    if not (isinstance(price, int | float) and not isinstance(price, bool)
            and math.isfinite(price) and price >= 0):
        raise ValueError(f"The 'price' of {name!r} must be a non-negative number. Got {price!r}.")
    defenses = _defences(top_k, reverse_sigmoid)
    if victim.startswith(("adult", "digits")):
        if victim.startswith("adult"):
            data = load_table4_data(rng=seed)
            model = table4_victim(victim.split("-")[1], data, rng=seed)
        else:
            data = datasets.load_digits(rng=seed)
            model = table4_victim("softmax", data, rng=seed)
        output = output or "proba"
        if output == "leaf":
            raise ValueError(f"{victim!r} is not a tree: its output is 'proba' or 'label'.")
        oracle = Oracle.from_sklearn(model, output=output, decimals=decimals, defenses=defenses)
        label = model.predict
        schema = {"columns": list(data.feature_names), "features": _features(data.features),
                  "encoding": "each row holds the prepared columns: continuous features "
                              "scaled, each category one-hot (the features list gives the "
                              "raw ranges and categories)"}
        if victim.startswith("digits"):
            schema["encoding"] = "64 pixel intensities per row, scaled to [-1, 1]"
    else:
        data = datasets.load_german_credit(raw=True, rng=seed)
        tree = DecisionTree(features=data.features, max_leaf_nodes=26).fit(data.X_train,
                                                                           data.y_train)
        output = output or "leaf"
        if defenses or decimals is not None:
            raise ValueError(f"{victim!r} answers leaf ids or labels: no output defence applies.")
        predict = {"leaf": tree.apply, "label": tree.predict}.get(output)
        if predict is None:
            raise ValueError(f"{victim!r} answers 'leaf' or 'label'. Got output={output!r}.")
        oracle = Oracle(predict, n_features=data.n_features, output=output,
                        classes=tree.classes_ if output == "label" else None)
        label = tree.predict
        schema = {"columns": [f.name for f in data.features],
                  "features": _features(data.features),
                  "encoding": "raw rows: continuous values in their units, categories as their "
                              "codes 0 .. len(values) - 1; null marks a missing feature "
                              "(an incomplete query)"}
    rng = np.random.default_rng(seed)
    test = data.X_test[rng.choice(len(data.X_test), min(N_CHALLENGE, len(data.X_test)),
                                  replace=False)]
    unif = data.sample_uniform(N_CHALLENGE, rng=seed)
    return Deployment(name=name, oracle=oracle, label=label, schema=schema, price=float(price),
                      challenge_test=test, challenge_unif=unif)


#: Architectures a saved torch model may name (its weights are loaded with weights_only=True).
ARCHITECTURES = ("mnist_cnn",)


def _trusted_skops(path: Path):
    """A scikit-learn model from a ``.skops`` file, trusting only scikit-learn and numpy types."""
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=path)
    foreign = [t for t in untrusted if not t.startswith(("sklearn.", "numpy.", "scipy."))]
    if foreign:
        raise ValueError(f"The skops file {str(path)!r} holds types other than scikit-learn's, "
                         f"numpy's and scipy's, which the service does not load: {foreign}.")
    return sio.load(path, trusted=untrusted)


def load_saved(name: str, *, file: str | Path, output: str = "proba",
               architecture: str | None = None, low: float = -1.0, high: float = 1.0,
               decimals: int | None = None, top_k: int | None = None,
               reverse_sigmoid: Sequence[float] | None = None, price: float = 1e-4,
               seed: int = 0) -> Deployment:
    """A deployment of a saved model, in a format that cannot run code when loaded.

    ``.skops``: a scikit-learn estimator saved with ``skops.io.dump`` (only
    scikit-learn, numpy and scipy types are trusted). ``.pt``: torch weights
    (a state dict) for ``architecture`` (one of :data:`ARCHITECTURES`),
    loaded with ``weights_only=True``. Pickle files are refused. The
    challenge set is drawn uniformly from ``[low, high]`` in every input.
    """
    path = Path(file)
    if not path.is_file():
        raise FileNotFoundError(f"Model {name!r}: no file at {str(path)!r}.")
    defenses = _defences(top_k, reverse_sigmoid)
    if path.suffix == ".skops":
        model = _trusted_skops(path)
        oracle = Oracle.from_sklearn(model, output=output, decimals=decimals, defenses=defenses)
        label = model.predict
    elif path.suffix in (".pt", ".pth"):
        import torch

        from stealkit.watermark.models import mnist_cnn, predict

        if architecture not in ARCHITECTURES:
            raise ValueError(f"Model {name!r}: torch weights need 'architecture', one of "
                             f"{ARCHITECTURES}. Got {architecture!r}.")
        net = mnist_cnn(rng=0)
        net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        net.eval()
        oracle = Oracle.from_torch(net, input_shape=(1, 28, 28), output=output,
                                   decimals=decimals, defenses=defenses)

        def label(X):
            return predict(net, np.asarray(X, dtype=np.float32).reshape(-1, 1, 28, 28))
    else:
        raise ValueError(f"Model {name!r}: the service loads .skops (scikit-learn, through "
                         f"skops.io) or .pt (torch weights) files, never pickle. Got "
                         f"{path.name!r}.")
    d = oracle.n_features
    unif = np.random.default_rng(seed).uniform(low, high, (N_CHALLENGE, d))
    schema = {"columns": [f"x{i}" for i in range(d)],
              "features": [{"name": f"x{i}", "kind": "continuous", "low": low, "high": high,
                            "values": []} for i in range(d)],
              "encoding": f"{d} numbers per row, each in [{low}, {high}]"}
    return Deployment(name=name, oracle=oracle, label=label, schema=schema, price=float(price),
                      challenge_test=np.empty((0, d)), challenge_unif=unif)


def demo_deployments(seed: int = 0) -> dict[str, Deployment]:
    """The demo victims: the Adult softmax (probabilities), the German tree (leaves, labels)."""
    return {name: build(name, **options, seed=seed) for name, options in DEMO.items()}


def load_config(path: str | Path) -> tuple[dict[str, Any], dict[str, Deployment]]:
    """Read a TOML configuration: ``[service]`` settings and one ``[[models]]`` table per model.

    Each model: ``name`` and either ``victim`` (a course victim, default the
    name) or ``file`` (a saved model, :func:`load_saved`, with
    ``architecture``, ``low`` and ``high``); and ``output``, ``decimals``,
    ``top_k``, ``reverse_sigmoid`` (``[beta, gamma]``), ``price``.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    path = Path(path)
    try:
        config = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"No configuration file at {str(path)!r}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"The configuration {str(path)!r} is not valid TOML: {exc}") from None
    models = config.get("models")
    if not models or not isinstance(models, list):
        raise ValueError(f"The configuration {str(path)!r} needs at least one [[models]] table.")
    allowed = {"name", "victim", "output", "decimals", "top_k", "reverse_sigmoid", "price",
               "file", "architecture", "low", "high"}
    seed = int(config.get("service", {}).get("seed", 0))
    deployments = {}
    for m in models:
        unknown = sorted(set(m) - allowed)
        if unknown or "name" not in m:
            raise ValueError(f"A [[models]] table needs 'name' and may hold {sorted(allowed)}; "
                             f"got {sorted(m)}.")
        if m.get("output") not in (None, *OUTPUTS):
            raise ValueError(f"Model {m['name']!r}: output must be one of {OUTPUTS}.")
        if "file" in m:  # relative to the configuration file
            m = {**m, "file": path.parent / m["file"]}
            deployments[m["name"]] = load_saved(**m, seed=seed)
        else:
            deployments[m["name"]] = build(**m, seed=seed)
    return dict(config.get("service", {})), deployments


def settings_of(service: Mapping[str, Any]) -> dict[str, Any]:
    """Service settings with defaults (the TOML ``[service]`` table or the command line)."""
    return {"detector": service.get("detector", "warn"), "delta": service.get("delta", 0.9),
            "min_queries": service.get("min_queries", 100),
            "rate_limit": service.get("rate_limit", 50.0),
            "max_batch": service.get("max_batch", 10_000),
            "max_body": service.get("max_body", 8_000_000)}
