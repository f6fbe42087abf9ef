"""The defences of notebook 07 measured against the course's own attacks.

Four experiments, each a driver that ``benchmarks/defences.py`` and notebook
07 call:

- :func:`detection_records`: PRADA (Juuti et al. 2019) watching each attack
  of the course and many benign clients; :func:`evasion_records`, the
  attacker who knows the detector (natural queries mixed in, many keys).
- :func:`output_records`: equation solving and the label-only attacks
  against limited outputs (rounding, the reverse sigmoid of Lee et al.
  2019, labels only), and what each costs honest users.
- :func:`ensemble_records`: equation solving, path finding and retraining
  against ensembles (soft vote of Table 4's softmax and MLP; a forest).
- :func:`privacy_records`: DP-SGD victims at several ε, stolen exactly, and
  what the stolen copy tells about the training data (membership inference,
  model inversion).

:data:`PAPER` holds what the papers report, for the "ours vs the papers" rows.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from stealkit import datasets, metrics
from stealkit._validation import check_choice, check_int, check_rng
from stealkit.attacks.equation_solving import extract_logistic, extract_softmax
from stealkit.attacks.lowd_meek import lowd_meek
from stealkit.attacks.model_inversion import invert_model
from stealkit.attacks.path_finding import extract_tree
from stealkit.attacks.retraining import extract_by_retraining
from stealkit.defenses import PRADA, LabelsOnly, ReverseSigmoid, Rounding
from stealkit.oracle import Oracle
from stealkit.paper.equation_solving import load_table4_data, table4_victim
from stealkit.victims import DecisionTree
from stealkit.victims.ensemble import Ensemble
from stealkit.victims.private import train_private_softmax

__all__ = [
    "PAPER",
    "DELTA",
    "MIN_QUERIES",
    "Stream",
    "attack_streams",
    "benign_streams",
    "alarm_at",
    "detection_records",
    "evasion_records",
    "OUTPUT_DEFENCES",
    "output_records",
    "ensemble_records",
    "privacy_records",
    "ATTACKS",
    "defended_attack",
    "summary_rows",
    "tradeoff_points",
]

#: What the papers report.
PAPER = {
    "prada": "all earlier extraction attacks detected (Tramèr et al.'s, Papernot et al.'s), "
             "no false alarm on benign streams (Juuti et al. 2019, §V)",
    "reverse_sigmoid": "equation solving and learning-based extraction misled while the top-1 "
                       "label is kept (Lee et al. 2019)",
}
#: The detector's settings used throughout (δ calibrated on benign clients, see the notebook).
DELTA = 0.9
MIN_QUERIES = 100


class Stream:
    """One client's queries, flattened, with the classes the victim predicted for them."""

    def __init__(self, name: str, data: str, X: np.ndarray, labels: np.ndarray,
                 n_attack_queries: int):
        self.name, self.data = name, data
        self.X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        self.labels = np.asarray(labels)
        self.n_attack_queries = int(n_attack_queries)

    def __repr__(self) -> str:
        return f"Stream({self.name!r}, {len(self.X):,} queries of {self.data})"


def alarm_at(X: np.ndarray, labels: np.ndarray, *, delta: float = DELTA,
             min_queries: int = MIN_QUERIES, chunk: int = 50) -> int | None:
    """Queries until a fresh PRADA detector raises its alarm on this stream (None: never)."""
    detector = PRADA(delta=delta, min_queries=min_queries)
    for start in range(0, len(X), chunk):
        if detector.update(X[start:start + chunk], labels[start:start + chunk]):
            return detector.alarm_at
    return None


def _seed(rng: int | np.random.Generator | None) -> int:
    """An int seed as is (a notebook's SEED gives the notebook's own split and victim)."""
    if isinstance(rng, int) and not isinstance(rng, bool) and rng >= 0:
        return rng
    return int(check_rng(rng).integers(2**31 - 1))


def _adult(seed: int):
    adult = datasets.load_adult("income", rng=seed)
    from sklearn.linear_model import LogisticRegression

    return adult, LogisticRegression(max_iter=2000).fit(adult.X_train, adult.y_train)


def _german(seed: int):
    german = datasets.load_german_credit(raw=True, rng=seed)
    tree = DecisionTree(features=german.features, max_leaf_nodes=26)
    return german, tree.fit(german.X_train, german.y_train)


def _label_oracle(victim, defence: Any = None, *, log: bool = False) -> Oracle:
    """The top-1 label of the victim's answer behind an output defence (None or "labels": none)."""
    def labels(X):
        P = victim.predict_proba(X)
        return victim.classes_[(defence(P) if callable(defence) else P).argmax(axis=1)]

    return Oracle(labels, n_features=victim.n_features_in_, output="label",
                  classes=victim.classes_, log=log)


def _logged(predict, n_features: int, output: str = "proba", classes=None) -> Oracle:
    return Oracle(predict, n_features=n_features, output=output, classes=classes, log=True)


def attack_streams(*, n_max: int = 2000, rng: int | np.random.Generator | None = 0,
                   images: bool = True) -> list[Stream]:
    """The queries of each attack of the course, as the victim's API saw them.

    Tabular attacks run for real against a logging oracle: equation solving
    (logistic on Adult income, softmax on Table 4's Adult race), Lowd–Meek
    and adaptive retraining (labels, Adult income), path finding (German
    credit tree). The image thieves' queries are their natural images (the
    watermark thief's MNIST images; the dataset-inference label-query thief's
    CIFAR-10 images), labelled by the shipped victims; their copies are not
    retrained here. Streams are cut at ``n_max`` queries.
    """
    n_max = check_int(n_max, "n_max", minimum=10)
    seed = _seed(rng)  # the victims (the same as benign_streams' for the same seed)
    rng = np.random.default_rng(seed)  # the attacks' draws
    out = []
    adult, lr = _adult(seed)
    d = adult.n_features

    oracle = _logged(lr.predict_proba, d, classes=lr.classes_)
    extract_logistic(oracle, n_features=d, n_queries=d + 1, sampler=adult.sample_uniform, rng=rng)
    out.append(Stream("equation solving (logistic)", "Adult income", oracle.query_log,
                      lr.predict(oracle.query_log), oracle.n_queries))

    race = load_table4_data(rng=seed)
    soft = table4_victim("softmax", race, rng=seed)
    oracle = _logged(soft.predict_proba, race.n_features, classes=soft.classes_)
    extract_softmax(oracle, n_features=race.n_features, n_classes=race.n_classes, n_queries=530,
                    sampler=race.sample_uniform, rng=rng)
    out.append(Stream("equation solving (softmax, Table 4)", "Adult race", oracle.query_log,
                      soft.predict(oracle.query_log), oracle.n_queries))

    oracle = _logged(lr.predict, d, output="label", classes=lr.classes_)
    lowd_meek(oracle, n_features=d, low=-0.5, high=0.5, rng=rng)
    out.append(Stream("Lowd–Meek (labels)", "Adult income", oracle.query_log,
                      lr.predict(oracle.query_log), oracle.n_queries))

    oracle = _logged(lr.predict, d, output="label", classes=lr.classes_)
    extract_by_retraining(oracle, n_features=d, n_queries=10 * (d + 1), strategy="adaptive",
                          sampler=adult.sample_uniform, rng=rng)
    out.append(Stream("adaptive retraining (labels)", "Adult income", oracle.query_log,
                      lr.predict(oracle.query_log), oracle.n_queries))

    german, tree = _german(seed)
    oracle = _logged(tree.apply, german.n_features, output="leaf")
    extract_tree(oracle, german.features, rng=rng,
                 label_oracle=Oracle(tree.predict, n_features=german.n_features, output="label"))
    out.append(Stream("path finding (leaf ids)", "German credit", oracle.query_log,
                      tree.predict(oracle.query_log), oracle.n_queries))

    if images:
        for stream in _image_streams(n_max):
            out.append(stream)
    return [Stream(s.name, s.data, s.X[:n_max], s.labels[:n_max], s.n_attack_queries)
            for s in out]


def _mnist_victim():
    from stealkit import watermark as wm
    from stealkit.watermark.models import predict as mnist_predict

    return wm.load_suite().models["clean"], mnist_predict


def _cifar_victim():
    from stealkit.dataset_inference import zoo
    from stealkit.dataset_inference.cifar import ZOO_CIFAR10

    return zoo.load_zoo(ZOO_CIFAR10, names=["V"])["V"], ZOO_CIFAR10


def _floats(images: np.ndarray) -> np.ndarray:
    """uint8 images (n, H, W, C) as the floats (n, C, H, W) in [0, 1] the models see."""
    return images.transpose(0, 3, 1, 2).astype(np.float32) / 255.0


def _image_streams(n_max: int) -> list[Stream]:
    from stealkit.dataset_inference import zoo
    from stealkit.watermark import mnist_split

    mnist = datasets.load_mnist()
    clean, predict = _mnist_victim()
    thief = mnist_split(mnist).X_attacker
    X = thief[:n_max]
    streams = [Stream("watermark thief (natural images)", "MNIST", X, predict(clean, X),
                      len(thief))]
    v, folder = _cifar_victim()
    cifar = datasets.load_cifar10()
    with np.load(folder / "splits.npz") as s:
        query = s["query"]
    X = cifar.X_train[query[:n_max]]
    labels = zoo.predict_logits(v, X).argmax(axis=1)
    streams.append(Stream("DI label-query thief (natural images)", "CIFAR-10", _floats(X),
                          labels, len(query)))
    return streams


def benign_streams(data: str, *, n_clients: int, n_queries: int = 500, victim_seed: int = 0,
                   rng: int | np.random.Generator | None = 0) -> list[Stream]:
    """Clients who send test-split inputs of ``data`` (one of the attack streams' data sets).

    ``victim_seed``: the split and victim, as :func:`attack_streams` with ``rng=victim_seed``.
    """
    rng = check_rng(rng)
    if data in ("Adult income", "Adult race"):
        if data == "Adult income":
            ds, model = _adult(victim_seed)
            X_pool = ds.X_test
        else:
            race = load_table4_data(rng=victim_seed)
            model = table4_victim("softmax", race, rng=victim_seed)
            X_pool = race.X_test
        predict = model.predict
    elif data == "German credit":
        german, tree = _german(victim_seed)
        X_pool, predict = german.X_test, tree.predict
    elif data == "MNIST":
        clean, mnist_predict = _mnist_victim()
        X_pool = datasets.load_mnist().X_test
        def predict(X):
            return mnist_predict(clean, X)
    elif data == "CIFAR-10":
        from stealkit.dataset_inference import zoo

        v, _ = _cifar_victim()
        X_pool = _floats(datasets.load_cifar10().X_test)
        def predict(X):
            return zoo.predict_logits(v, X).argmax(axis=1)
    else:
        raise ValueError(f"No benign pool for {data!r}.")
    n_queries = min(n_queries, len(X_pool))
    out = []
    for i in range(n_clients):
        rows = rng.choice(len(X_pool), n_queries, replace=False)
        X = X_pool[rows]
        out.append(Stream(f"benign client {i}", data, X, np.asarray(predict(X)), n_queries))
    return out


# --------------------------------------------------------------------------- detection
def _lowest_w(stream: Stream, min_queries: int) -> float:
    detector = PRADA(delta=0.5, min_queries=min_queries)
    detector.update(stream.X, stream.labels)
    history = detector.history
    return float(history[:, 1].min()) if len(history) else math.nan


def calibrate_delta(streams: Sequence[Stream], *, min_queries: int = MIN_QUERIES,
                    margin: float = 0.01) -> float:
    """δ just below the lowest W any of these benign clients reached (no false alarm on them).

    Juuti et al. choose δ per model from benign traffic in the same way; the
    false alarm rate must then be measured on other clients.
    """
    lowest = min(_lowest_w(s, min_queries) for s in streams)
    return float(lowest * (1 - margin))


def detection_records(*, seeds: Sequence[int] = (0, 1, 2, 3, 4), n_clients: int = 200,
                      n_calibration: int = 50, n_benign: int = 500, n_max: int = 3000,
                      min_queries: int = MIN_QUERIES, images: bool = True) -> dict[str, Any]:
    """PRADA against every attack of the course, δ calibrated per data set on benign clients.

    For each seed (a split, a victim and an attack run): δ per data set just
    below the lowest W of ``n_calibration`` benign clients, then the false
    alarms among ``n_clients`` other benign clients of ``n_benign`` queries,
    and the queries until the alarm on each attack's stream. The image
    victims and their thieves' natural images do not depend on the seed and
    run once. Returns ``{"attacks", "benign", "per_seed", "deltas"}``:
    per attack the seeds on which it was detected and the median alarm; per
    data set the false alarms over all its clients; every run; δ by seed.
    """
    per_seed, deltas, alarms_by_data = [], {}, {}
    for i, seed in enumerate(seeds):
        attacks = attack_streams(n_max=n_max, rng=seed, images=images and i == 0)
        rng = np.random.default_rng(seed)
        deltas[str(seed)] = {}
        for data in dict.fromkeys(s.data for s in attacks):
            calibration = benign_streams(data, n_clients=n_calibration, n_queries=n_benign,
                                         victim_seed=seed, rng=rng)
            delta = deltas[str(seed)][data] = calibrate_delta(calibration,
                                                              min_queries=min_queries)
            clients = benign_streams(data, n_clients=n_clients, n_queries=n_benign,
                                     victim_seed=seed, rng=rng)
            alarms_by_data.setdefault(data, []).extend(
                alarm_at(c.X, c.labels, delta=delta, min_queries=min_queries) for c in clients)
        for s in attacks:
            at = alarm_at(s.X, s.labels, delta=deltas[str(seed)][s.data], min_queries=min_queries)
            per_seed.append({"seed": seed, "attack": s.name, "data": s.data,
                             "queries needed": s.n_attack_queries, "queries watched": len(s.X),
                             "δ": round(deltas[str(seed)][s.data], 3), "alarm after": at,
                             "detected": at is not None,
                             "lowest W": round(_lowest_w(s, min_queries), 3)})
    rows = []
    for name in dict.fromkeys(r["attack"] for r in per_seed):
        runs = [r for r in per_seed if r["attack"] == name]
        caught = [r["alarm after"] for r in runs if r["detected"]]
        rows.append({"attack": name, "data": runs[0]["data"],
                     "queries needed": int(np.median([r["queries needed"] for r in runs])),
                     "seeds": len(runs), "detected on": len(caught),
                     "median alarm after": int(np.median(caught)) if caught else None,
                     "median lowest W": round(float(np.median([r["lowest W"] for r in runs])), 3)})
    benign = []
    for data, alarms in alarms_by_data.items():
        ds = [d[data] for d in deltas.values() if data in d]
        raised = sum(a is not None for a in alarms)
        benign.append({"data": data, "δ": (f"{min(ds):.3f}" if len(ds) == 1
                                           else f"{min(ds):.3f}–{max(ds):.3f}"),
                       "clients": len(alarms), "queries each": n_benign,
                       "false alarms": raised, "false alarm rate": raised / len(alarms)})
    return {"attacks": rows, "benign": benign, "per_seed": per_seed, "deltas": deltas}


def evasion_records(stream: Stream, natural: Stream, *, delta: float,
                    mix: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 0.9),
                    keys: Sequence[int] = (1, 2, 4, 8, 16, 32),
                    min_queries: int = MIN_QUERIES,
                    rng: int | np.random.Generator | None = 0) -> dict[str, list[dict]]:
    """An attacker who knows PRADA: natural queries mixed in, or the stream spread over keys.

    ``mix``: the fraction of natural inputs (from ``natural``, the attacker's
    own data of the task) in the stream, slipped in at random places between
    the attack's queries (which keep their order); the attacker pays for them
    too. ``keys``: the attack's queries dealt round-robin over that
    many API keys, each watched by its own detector.
    """
    rng = check_rng(rng)
    n = len(stream.X)
    mixed = []
    for f in mix:
        k = int(round(n * f / (1 - f))) if f < 1 else 0
        if k > len(natural.X):
            raise ValueError(f"Mixing {f:.0%} natural queries needs {k} natural inputs; "
                             f"'natural' holds {len(natural.X)}.")
        pick = rng.choice(len(natural.X), k, replace=False)
        # natural inputs at random places; the attack keeps its own order
        is_natural = np.zeros(n + k, dtype=bool)
        is_natural[rng.choice(n + k, k, replace=False)] = True
        X = np.empty((n + k, stream.X.shape[1]))
        labels = np.empty(n + k, dtype=np.result_type(stream.labels, natural.labels))
        X[~is_natural], labels[~is_natural] = stream.X, stream.labels
        X[is_natural], labels[is_natural] = natural.X[pick], natural.labels[pick]
        at = alarm_at(X, labels, delta=delta, min_queries=min_queries)
        mixed.append({"natural fraction": f, "queries paid": n + k, "extra cost": (n + k) / n,
                      "alarm after": at, "detected": at is not None})
    spread = []
    for n_keys in keys:
        first = [alarm_at(stream.X[i::n_keys], stream.labels[i::n_keys], delta=delta,
                          min_queries=min_queries) for i in range(n_keys)]
        raised = [a for a in first if a is not None]
        spread.append({"keys": n_keys, "queries per key": int(math.ceil(n / n_keys)),
                       "keys alarmed": len(raised), "detected": bool(raised)})
    return {"mix": mixed, "keys": spread}


# --------------------------------------------------------------------------- output defences
#: The output defences of the comparison: none, rounding (Figure 7), the reverse sigmoid.
OUTPUT_DEFENCES = (
    ("none", None),
    ("rounding, 2 decimals", Rounding(2)),
    ("rounding, 1 decimal", Rounding(1)),
    ("reverse sigmoid, β = 0.01", ReverseSigmoid(beta=0.01, gamma=0.5)),
    ("reverse sigmoid, β = 0.05", ReverseSigmoid(beta=0.05, gamma=0.5)),
    ("reverse sigmoid, β = 0.2", ReverseSigmoid(beta=0.2, gamma=0.5)),
    ("reverse sigmoid, β = 0.9", ReverseSigmoid(beta=0.9, gamma=0.5)),
)


def output_records(*, defences: Sequence[tuple[str, Any]] = OUTPUT_DEFENCES,
                   alphas: Sequence[float] = (1, 10), n_unif: int = 10_000,
                   lowd_meek_row: bool = True,
                   rng: int | np.random.Generator | None = 0) -> list[dict]:
    """Limiting what the API returns, against equation solving and the label-only attacks.

    Victim: logistic regression on Adult income. Per output defence: equation
    solving at α(d + 1) queries, and adaptive retraining on the labels the
    defended API still returns (top-1 kept by every defence here), with the
    extracted model's 1 − R_test and 1 − R_unif; what honest users keep (the
    top-1 agreement with the undefended API) and lose (the mean
    total-variation distance of the answers from the true probabilities).
    ``lowd_meek_row`` adds Lowd–Meek against the labels-only API.
    """
    seed = _seed(rng)
    adult, lr = _adult(seed)
    d = adult.n_features
    X_unif = adult.sample_uniform(n_unif, rng=seed)
    P_true = lr.predict_proba(adult.X_test)

    def scores(model):
        return {"1-R_test": metrics.extraction_accuracy(lr, model, adult.X_test),
                "1-R_unif": metrics.extraction_accuracy(lr, model, X_unif)}

    rows = []
    for name, defence in defences:
        defenses = [] if defence is None else [defence]
        P_def = defence(P_true) if defenses else P_true
        owner = {"top-1 kept": float((P_def.argmax(1) == P_true.argmax(1)).mean()),
                 "TV to true": float(metrics.total_variation(P_true, P_def).mean()),
                 "accuracy cost (points)": 100 * float(
                     (P_true.argmax(1) == adult.y_test).mean()
                     - (P_def.argmax(1) == adult.y_test).mean())}
        for alpha in alphas:
            oracle = Oracle.from_sklearn(lr, defenses=defenses)
            res = extract_logistic(oracle, n_features=d, n_queries=int(alpha * (d + 1)),
                                   sampler=adult.sample_uniform, rng=seed)
            rows.append({"defence": name, "attack": "equation solving",
                         "queries": oracle.n_queries, **scores(res.model), **owner})

        oracle = _label_oracle(lr, defence)
        res = extract_by_retraining(oracle, n_features=d, n_queries=10 * (d + 1),
                                    strategy="adaptive", sampler=adult.sample_uniform, rng=seed)
        rows.append({"defence": name, "attack": "adaptive retraining (labels)",
                     "queries": oracle.n_queries, **scores(res.model), **owner})
    if lowd_meek_row:
        oracle = Oracle.from_sklearn(lr, output="label")
        res = lowd_meek(oracle, n_features=d, low=-0.5, high=0.5, rng=seed)
        labels_only = LabelsOnly()(P_true)
        rows.append({"defence": "labels only", "attack": "Lowd–Meek",
                     "queries": oracle.n_queries, **scores(res.model),
                     "top-1 kept": 1.0,
                     "TV to true": float(metrics.total_variation(P_true, labels_only).mean()),
                     "accuracy cost (points)": 0.0})
    return rows


# --------------------------------------------------------------------------- ensembles
def _latency(model, X: np.ndarray, repeat: int = 5) -> float:
    """Milliseconds per 1,000 predictions (the best of ``repeat`` runs)."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        model.predict(X)
        best = min(best, time.perf_counter() - start)
    return 1000 * best * 1000 / len(X)


def ensemble_records(*, n_unif: int = 10_000,
                     rng: int | np.random.Generator | None = 0) -> list[dict]:
    """What the course's attacks get from an ensemble, and what the owner pays.

    Adult race (Table 4): the softmax, the MLP and their soft vote, attacked
    by equation solving (softmax, 530 and 1,060 queries) and by retraining a
    softmax on the labels. German credit: a tree (path finding on leaf
    identifiers) against a 25-tree forest, which answers labels only (no
    leaf identifier), attacked by retraining on as many queries as path
    finding spent on the tree.
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    from stealkit.attacks.path_finding import uniform_inputs

    seed = _seed(rng)
    race = load_table4_data(rng=seed)
    members = {m: table4_victim(m, race, rng=seed) for m in ("softmax", "mlp")}
    victims = {**members, "ensemble (soft vote)": Ensemble(list(members.values()))}
    X_unif = race.sample_uniform(n_unif, rng=seed)
    X_lat = race.X_test[:2000]
    rows = []
    for name, victim in victims.items():
        base = {"victim": name, "data": "Adult race",
                "owner accuracy": metrics.accuracy(victim, race.X_test, race.y_test),
                "ms per 1k predictions": round(_latency(victim, X_lat), 2)}
        for n in (530, 1060):
            res = extract_softmax(Oracle.from_sklearn(victim), n_features=race.n_features,
                                  n_classes=race.n_classes, n_queries=n,
                                  sampler=race.sample_uniform, rng=seed)
            rows.append({**base, "attack": "equation solving (softmax)", "queries": n,
                         "1-R_test": metrics.extraction_accuracy(victim, res.model, race.X_test),
                         "1-R_unif": metrics.extraction_accuracy(victim, res.model, X_unif)})
        res = extract_by_retraining(Oracle.from_sklearn(victim, output="label"),
                                    n_features=race.n_features, n_queries=1060, model="softmax",
                                    sampler=race.sample_uniform, rng=seed)
        rows.append({**base, "attack": "retraining (labels, softmax)", "queries": 1060,
                     "1-R_test": metrics.extraction_accuracy(victim, res.model, race.X_test),
                     "1-R_unif": metrics.extraction_accuracy(victim, res.model, X_unif)})

    german, tree = _german(seed)
    forest = RandomForestClassifier(n_estimators=25, max_leaf_nodes=26, random_state=seed)
    forest.fit(german.X_train, german.y_train)
    G_unif = uniform_inputs(german.features, n_unif, rng=seed)
    found = extract_tree(Oracle(tree.apply, n_features=german.n_features, output="leaf"),
                         german.features, rng=seed,
                         label_oracle=Oracle(tree.predict, n_features=german.n_features,
                                             output="label"))
    budget = found.n_queries
    for name, victim, model, queries in (
        ("tree (26 leaves)", tree, found.model, budget),
        ("forest (25 trees)", forest, None, budget),
    ):
        base = {"victim": name, "data": "German credit",
                "owner accuracy": metrics.accuracy(victim, german.X_test, german.y_test),
                "ms per 1k predictions": round(_latency(victim, german.X_test), 2)}
        if model is not None:
            rows.append({**base, "attack": "path finding (leaf ids)", "queries": queries,
                         "1-R_test": metrics.extraction_accuracy(victim, model, german.X_test),
                         "1-R_unif": metrics.extraction_accuracy(victim, model, G_unif)})
        else:
            rows.append({**base, "attack": "path finding (leaf ids)", "queries": None,
                         "1-R_test": None, "1-R_unif": None,
                         "note": "a forest's API returns no leaf identifier"})
        res = extract_by_retraining(Oracle(victim.predict, n_features=german.n_features,
                                           output="label", classes=victim.classes_),
                                    n_features=german.n_features, n_queries=queries,
                                    model=DecisionTreeClassifier(random_state=seed),
                                    sampler=german.sample_uniform, rng=seed)
        rows.append({**base, "attack": "retraining (labels, tree)", "queries": queries,
                     "1-R_test": metrics.extraction_accuracy(victim, res.model, german.X_test),
                     "1-R_unif": metrics.extraction_accuracy(victim, res.model, G_unif)})
    return rows


# --------------------------------------------------------------------------- privacy
def dp_bound(epsilon: float, delta: float) -> float:
    """The largest membership advantage (TPR − FPR) an (ε, δ)-DP model allows (Kairouz et al.)."""
    if math.isinf(epsilon):
        return 1.0
    return min(1.0, (math.exp(epsilon) - 1 + 2 * delta) / (math.exp(epsilon) + 1))


def _chance_advantage(model, members: tuple, non_members: tuple, seed: int,
                      n_permutations: int = 200) -> float:
    """95th percentile of the advantage when membership is shuffled (no signal, only chance).

    The best threshold over a few hundred records finds some gap even between
    two samples of the same distribution; an advantage below this level is
    not evidence of leakage.
    """
    X = np.concatenate([members[0], non_members[0]])
    y = np.concatenate([members[1], non_members[1]])
    n, rng = len(members[0]), np.random.default_rng(seed)
    values = []
    for _ in range(n_permutations):
        p = rng.permutation(len(X))
        values.append(metrics.membership_advantage(model, (X[p[:n]], y[p[:n]]),
                                                   (X[p[n:]], y[p[n:]])))
    return float(np.quantile(values, 0.95))


def privacy_records(*, epsilons: Iterable[float] = (math.inf, 8.0, 2.0, 1.0, 0.5),
                    n_train: int = 100, epochs: int = 100,
                    rng: int | np.random.Generator | None = 0) -> list[dict]:
    """DP-SGD softmax victims on Digits: stolen exactly, and what the copy reveals.

    Per ε: the owner's test accuracy; equation solving at c(d + 1) = 650
    queries (largest parameter error of the copy, fidelity on the test
    split); the loss-threshold membership advantage of the stolen copy on the
    ``n_train`` training records against as many unseen ones, beside its
    chance level (the 95th percentile with membership shuffled) and the DP
    bound; and model inversion on the copy (white box, as in notebook 01):
    the mean correlation of each class's prototype with that class's mean
    training image.
    """
    seed = _seed(rng)
    digits = datasets.load_digits(rng=seed)
    n_train = check_int(n_train, "n_train", minimum=20, maximum=len(digits.X_train))
    X, y = digits.X_train[:n_train], digits.y_train[:n_train]
    X_out, y_out = digits.X_test[:n_train], digits.y_test[:n_train]
    means = np.stack([X[y == k].mean(axis=0) for k in range(digits.n_classes)])
    n_unknowns = digits.n_classes * (digits.n_features + 1)
    rows = []
    for eps in epsilons:
        victim = train_private_softmax(X, y, epsilon=eps, epochs=epochs, rng=seed)
        oracle = Oracle.from_sklearn(victim)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            stolen = extract_softmax(oracle, n_features=digits.n_features,
                                     n_classes=digits.n_classes, n_queries=n_unknowns, rng=seed)
        copy = stolen.model
        error = max(np.abs(copy.coef_ - copy.coef_.mean(0) - (victim.coef_ - victim.coef_.mean(0))
                           ).max(),
                    np.abs(copy.intercept_ - copy.intercept_.mean()
                           - (victim.intercept_ - victim.intercept_.mean())).max())
        prototypes = [invert_model(copy, target=k, n_steps=50, step_size=0.05).x
                      for k in range(digits.n_classes)]
        corr = np.mean([np.corrcoef(p, m)[0, 1] for p, m in zip(prototypes, means, strict=True)])
        rows.append({
            "ε": eps, "δ": victim.delta_, "ε spent": victim.epsilon_,
            "noise σ": victim.noise_multiplier_,
            "owner test acc": metrics.accuracy(victim, digits.X_test, digits.y_test),
            "queries": oracle.n_queries,
            "max |θ − θ̂|": float(error),
            "fidelity (test)": metrics.fidelity(victim, copy, digits.X_test),
            "membership advantage (copy)": metrics.membership_advantage(copy, (X, y),
                                                                        (X_out, y_out)),
            "membership advantage (victim)": metrics.membership_advantage(victim, (X, y),
                                                                          (X_out, y_out)),
            "chance (95 %)": _chance_advantage(copy, (X, y), (X_out, y_out), seed),
            "DP bound": dp_bound(eps, victim.delta_),
            "inversion corr": float(corr),
            "prototypes": np.stack(prototypes),
        })
    return rows


# --------------------------------------------------------------------------- summary
def _detected(detection: dict, attack: str) -> Any:
    for row in detection["attacks"]:
        if row["attack"].startswith(attack):
            return f"{row['detected on']} of {row['seeds']} seeds" + (
                f", after {row['median alarm after']}" if row["median alarm after"] else "")
    return None


def _owner_cost(row: dict, single: dict) -> str:
    slower = row["ms per 1k predictions"] / single["ms per 1k predictions"]
    gain = 100 * (row["owner accuracy"] - single["owner accuracy"])
    return f"latency ×{slower:.1f}, accuracy {gain:+.2f} pts"


def summary_rows(results: dict) -> list[dict]:
    """Defence × attack: fidelity reached, queries, PRADA's alarm, the owner's cost.

    ``results`` is ``benchmarks/defences.py``'s output. Each defence keeps
    its strongest setting that still leaves honest users their label (output
    defences) or a usable model (DP at ε = 1); the "detected after" column
    is PRADA's verdict on the same attack's queries (δ calibrated per data
    set), since detection runs beside any other defence.
    """
    det, rows = results["detection"], []
    fpr = {b["data"]: b["false alarm rate"] for b in det["benign"]}

    def add(defence, attack, fidelity, queries, detected, cost):
        rows.append({"defence": defence, "attack": attack, "fidelity (1-R_test)": fidelity,
                     "queries": queries, "PRADA alarm after": detected, "owner's cost": cost})

    outputs = results["outputs"]
    for defence in ("none", "rounding, 2 decimals", "reverse sigmoid, β = 0.05"):
        for r in (r for r in outputs if r["defence"] == defence and r["queries"] > 200):
            tv = f"answers moved {r['TV to true']:.3f} (TV)" if r["TV to true"] else "–"
            add(defence, r["attack"], r["1-R_test"], r["queries"],
                _detected(det, "equation solving (logistic)" if r["attack"] == "equation solving"
                          else "adaptive"), tv)
    for r in (r for r in outputs if r["defence"] == "labels only"):
        add("labels only", r["attack"], r["1-R_test"], r["queries"], _detected(det, "Lowd"),
            f"probabilities withheld (TV {r['TV to true']:.2f})")
    ens = results["ensembles"]
    base = {r["victim"]: r for r in ens}
    for r in ens:
        if r["victim"] == "ensemble (soft vote)" and r["queries"] in (1060,):
            add("ensemble (softmax + MLP)", r["attack"], r["1-R_test"], r["queries"], None,
                _owner_cost(r, base["softmax"]))
        if r["victim"].startswith("forest"):
            add("forest (25 trees)", r["attack"], r["1-R_test"], r["queries"], None,
                _owner_cost(r, base["tree (26 leaves)"]))
    priv = results["privacy"]
    baseline = next(r for r in priv if r["ε"] in ("inf", math.inf))
    for r in priv:
        if r["ε"] == 1.0:
            add("DP-SGD, ε = 1", "equation solving", r["fidelity (test)"], r["queries"], None,
                f"accuracy {100 * (r['owner test acc'] - baseline['owner test acc']):+.1f} pts; "
                f"copy's membership advantage {baseline['membership advantage (copy)']:.2f} → "
                f"{r['membership advantage (copy)']:.2f}")
    for r in det["attacks"]:
        add("PRADA (detection)", r["attack"], None, r["queries needed"],
            _detected(det, r["attack"]),
            f"false alarms on {100 * fpr[r['data']]:.1f} % of {r['data']} clients")
    return rows


def tradeoff_points(results: dict) -> list[dict]:
    """One point per defence: the owner's accuracy cost and the thief's best fidelity.

    The thief picks, among the attacks measured against that defence, the
    one reaching the highest 1 − R_test (fewest queries on a tie).
    """
    points = []

    def add(defence, cost, candidates):
        best = max(candidates, key=lambda c: (round(c[0], 4), -c[1]))
        points.append({"defence": defence, "owner cost": cost, "fidelity": best[0],
                       "queries": best[1]})

    outputs = results["outputs"]
    for defence in ("none", "rounding, 1 decimal", "reverse sigmoid, β = 0.05"):
        rows = [r for r in outputs if r["defence"] == defence]
        add(defence, rows[0]["accuracy cost (points)"],
            [(r["1-R_test"], r["queries"]) for r in rows])
    lm = [r for r in outputs if r["defence"] == "labels only"]
    adaptive = [r for r in outputs if r["defence"] == "none" and r["attack"].startswith("adaptive")]
    add("labels only", 0.0, [(r["1-R_test"], r["queries"]) for r in lm + adaptive])
    ens = results["ensembles"]
    single = {r["victim"]: r["owner accuracy"] for r in ens}
    for victim, base in (("ensemble (soft vote)", "softmax"), ("forest (25 trees)",
                                                               "tree (26 leaves)")):
        rows = [r for r in ens if r["victim"] == victim and r["1-R_test"] is not None]
        add(victim.replace("(soft vote)", "(softmax + MLP)"),
            100 * (single[base] - single[victim]), [(r["1-R_test"], r["queries"]) for r in rows])
    priv = results["privacy"]
    baseline = next(r for r in priv if r["ε"] in ("inf", math.inf))
    for r in priv:
        if r["ε"] in (8.0, 1.0):
            add(f"DP-SGD, ε = {r['ε']:g}", 100 * (baseline["owner test acc"] - r["owner test acc"]),
                [(r["fidelity (test)"], r["queries"])])
    return points


#: The attacks of :func:`defended_attack`.
ATTACKS = ("equation solving", "adaptive retraining", "Lowd–Meek")


def defended_attack(victim: Any, data: Any, *, defence: Any = None, attack: str,
                    delta: float = DELTA, min_queries: int = MIN_QUERIES,
                    rng: int | np.random.Generator | None = 0) -> dict[str, Any]:
    """One attack on a binary victim behind one output defence, watched by PRADA.

    ``defence``: None, an output defence (a callable on probability vectors)
    or ``"labels"`` (labels only). Equation solving reads the (defended)
    probabilities, so it needs a callable or None; adaptive retraining
    (10(d + 1) queries) and Lowd–Meek read the top-1 label of the defended
    answer. Returns the queries, 1 − R_test, PRADA's history and alarm.
    """
    attack = check_choice(attack, "attack", ATTACKS)
    seed = _seed(rng)
    d = victim.n_features_in_
    if attack == "equation solving" and isinstance(defence, str):
        raise ValueError("Equation solving needs probabilities: it cannot run against "
                         "labels only. Pick another attack.")

    if attack == "equation solving":
        oracle = Oracle.from_sklearn(victim, defenses=[defence] if defence else [], log=True)
        res = extract_logistic(oracle, n_features=d, n_queries=10 * (d + 1),
                               sampler=data.sample_uniform, rng=seed)
    else:
        oracle = _label_oracle(victim, defence, log=True)
        if attack == "adaptive retraining":
            res = extract_by_retraining(oracle, n_features=d, n_queries=10 * (d + 1),
                                        strategy="adaptive", sampler=data.sample_uniform,
                                        rng=seed)
        else:
            res = lowd_meek(oracle, n_features=d, low=-0.5, high=0.5, rng=seed)
    X = oracle.query_log
    detector = PRADA(delta=delta, min_queries=min_queries)
    detector.update(X, victim.predict(X))
    return {"queries": oracle.n_queries,
            "1-R_test": metrics.extraction_accuracy(victim, res.model, data.X_test),
            "history": detector.history, "alarm at": detector.alarm_at}
