"""The course's MNIST watermark experiment: train it, ship it, load it with checked checksums.

One *suite* is everything notebook 04 shows, trained by one call to
:func:`train_suite` (which ``scripts/train_watermarks.py`` runs, and the
notebook runs on request):

- ``clean``: a victim trained without any watermark (another seed), the
  reference for false positives;
- ``pretrained``: the victim after its task training, before a watermark;
- ``backdoor`` and ``ewe``: that model, fine-tuned with the naive watermark
  (trigger in a corner) and with EWE (trigger where SNNL's gradient says);
- ``extracted_backdoor``, ``extracted_ewe``, ``extracted_clean``: copies
  stolen by retraining on the attacker's images labelled by each victim's
  API (class probabilities by default);
- ``independent``: a model the attacker trains on the same images with the
  true labels (an innocent model as weak as the copies).

The data split: the owner trains on the first ``n_owner`` MNIST training
images; the attacker holds the rest of the training set (unlabelled); task
accuracy is measured on the 10,000 test images, and watermark success on the
test images of the source class with the trigger stamped on them (held out:
never used to embed the watermark).

Threat model: as in :mod:`~stealkit.watermark.embed` (the owner) and
:mod:`~stealkit.watermark.extraction` (the attacker, who queries the API).

Weights are saved as float16 state dicts with a JSON manifest recording the
sha256 of every file, the command, the seed, the schedule and the measured
figures (measured on the float16-rounded models, so that loading them gives
the same numbers). :func:`load_suite` refuses a file whose checksum differs.
"""

from __future__ import annotations

import copy
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from stealkit import _manifest
from stealkit._manifest import ChecksumError, sha256_of
from stealkit._validation import check_int, check_real
from stealkit.oracle import Oracle
from stealkit.watermark.embed import Watermark, train_backdoor_watermark, train_ewe
from stealkit.watermark.extraction import extract_mnist_copy
from stealkit.watermark.models import MnistCNN, mnist_accuracy, mnist_cnn, train_mnist_classifier
from stealkit.watermark.verify import verify_watermark, watermark_success

__all__ = [
    "WEIGHTS",
    "SUITE_MODELS",
    "Schedule",
    "MnistSplit",
    "mnist_split",
    "Suite",
    "train_suite",
    "save_suite",
    "load_suite",
    "ChecksumError",
]

#: Where the shipped weights live.
WEIGHTS = Path(__file__).resolve().parent / "weights"
#: The models of a suite, in the order they are trained.
SUITE_MODELS = (
    "clean",
    "pretrained",
    "backdoor",
    "ewe",
    "extracted_backdoor",
    "extracted_ewe",
    "extracted_clean",
    "independent",
)
FORMAT = 1


#: What to do about a missing or damaged file of the suite.
_REMEDY = ("Restore it (git checkout) or re-create the weights with "
           "'python scripts/train_watermarks.py'.")


@dataclass(frozen=True)
class Schedule:
    """The reduced training schedule of a suite (the paper: 10 + 10 epochs, batch 512).

    Attributes
    ----------
    n_owner : int
        Training images of the owner (the attacker holds the other 60,000 − n_owner).
    pretrain_epochs : int
        Task epochs before the watermark (the clean model gets
        ``pretrain_epochs + watermark_epochs`` so that it has seen as much data).
    watermark_epochs : int
        Epochs of watermark embedding (backdoor and EWE alike).
    extraction_epochs : int
        The attacker's epochs over its labelled images (also the independent
        model's). 10: the attacker trains its copy until it matches the victim.
    batch_size, lr : int, float
        Adam, for every model.
    source, target : int
        The watermark's classes (the paper's MNIST pair 1 → 7).
    trigger_size : int
        The trigger: a white square of this side.
    snnl_weight, temperature, temperature_lr, ratio, metric
        EWE's κ, initial T, α, r and distance (see :func:`~stealkit.watermark.train_ewe`).
        κ = 8, not the paper's 32, for this short schedule.
    max_false_positive : float or None
        EWE's trigger goes to the best position of the SNNL map where the
        task-trained victim answers the target on at most this share of
        triggered source images (None: the argmax, as in the paper; see
        :func:`~stealkit.watermark.find_trigger_position`).
    backdoor_position : (int, int)
        Where the naive watermark's trigger goes.
    output : {"proba", "label"}
        What the victims' APIs answer the attacker. Probabilities by default
        (see notebook 04 for copies trained on label-only answers).
    """

    n_owner: int = 50_000
    pretrain_epochs: int = 2
    watermark_epochs: int = 2
    extraction_epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    source: int = 1
    target: int = 7
    trigger_size: int = 4
    snnl_weight: float = 8.0
    temperature: float = 1.0
    temperature_lr: float = 0.1
    ratio: int = 2
    metric: str = "cosine"
    max_false_positive: float | None = 0.05
    backdoor_position: tuple[int, int] = (0, 0)
    output: str = "proba"

    def __post_init__(self):
        check_int(self.n_owner, "n_owner", minimum=1000, maximum=59_000)
        for name in ("pretrain_epochs", "watermark_epochs", "extraction_epochs"):
            check_int(getattr(self, name), name, minimum=1)
        check_int(self.batch_size, "batch_size", minimum=4)
        check_real(self.lr, "lr", low=0.0)
        check_int(self.trigger_size, "trigger_size", minimum=1, maximum=28)
        if self.max_false_positive is not None:
            check_real(self.max_false_positive, "max_false_positive", low=0.0, include_low=True,
                       high=1.0)
        if self.output not in ("label", "proba"):
            raise ValueError(f"'output' must be 'label' or 'proba'. Got {self.output!r}.")
        object.__setattr__(self, "backdoor_position", tuple(self.backdoor_position))

    @classmethod
    def quick(cls) -> Schedule:
        """A smoke-test schedule: a fraction of the cost, not the figures."""
        return cls(pretrain_epochs=1, watermark_epochs=1, extraction_epochs=1)


@dataclass(frozen=True, repr=False)
class MnistSplit:
    """The owner's, the attacker's and the evaluation images of MNIST."""

    X_owner: np.ndarray
    y_owner: np.ndarray
    X_attacker: np.ndarray
    y_attacker: np.ndarray  # true labels: only the innocent 'independent' model uses them
    X_test: np.ndarray
    y_test: np.ndarray

    def X_source(self, source: int) -> np.ndarray:
        """Held-out test images of the source class (for verification)."""
        return self.X_test[self.y_test == source]

    def __repr__(self) -> str:
        return (
            f"MnistSplit(owner {len(self.X_owner):,}, attacker {len(self.X_attacker):,}, "
            f"test {len(self.X_test):,})"
        )


def mnist_split(data: Any, *, n_owner: int = 50_000) -> MnistSplit:
    """Split an :class:`~stealkit.datasets.ImageDataset` (MNIST-like) between owner and attacker.

    The owner gets the first ``n_owner`` training images, the attacker the rest.
    """
    n_owner = check_int(n_owner, "n_owner", minimum=1, maximum=len(data.X_train) - 1)
    return MnistSplit(
        X_owner=data.X_train[:n_owner],
        y_owner=data.y_train[:n_owner],
        X_attacker=data.X_train[n_owner:],
        y_attacker=data.y_train[n_owner:],
        X_test=data.X_test,
        y_test=data.y_test,
    )


@dataclass(frozen=True, repr=False)
class Suite:
    """Every model of the experiment, the two watermarks, the training record and figures."""

    models: dict[str, nn.Module]
    watermarks: dict[str, Watermark]
    history: dict[str, np.ndarray]
    metrics: dict[str, Any]
    schedule: Schedule
    seed: int
    seconds: dict[str, float] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        models = self.__dict__.get("models", {})
        if name in models:
            return models[name]
        raise AttributeError(name)

    def __repr__(self) -> str:
        m = self.metrics
        return (
            f"Suite(seed={self.seed}, accuracy clean {m['accuracy']['clean']:.4f} / "
            f"EWE {m['accuracy']['ewe']:.4f}, watermark success of the EWE copy "
            f"{m['watermark_success']['extracted_ewe']:.3f})"
        )


def _half_round(model: nn.Module) -> nn.Module:
    """Round the weights to float16 and back, as they are shipped."""
    state = {k: v.half().float() for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    return model.eval()


def _label_api(model: nn.Module, output: str) -> Oracle:
    return Oracle.from_torch(model, input_shape=(1, 28, 28), output=output)


def evaluate(suite_models: dict[str, nn.Module], watermarks: dict[str, Watermark],
             split: MnistSplit, *, rng: int) -> dict[str, Any]:
    """Accuracy, watermark success and the ownership tests of a suite's models.

    Every ownership test draws from ``rng`` afresh (an int seed), so each is
    reproducible on its own.
    """
    acc = {k: mnist_accuracy(m, split.X_test, split.y_test) for k, m in suite_models.items()}
    ewe_wm, bd_wm = watermarks["ewe"], watermarks["backdoor"]
    X_src = split.X_source(ewe_wm.source)
    X_ewe, X_bd = ewe_wm.apply(X_src), bd_wm.apply(X_src)
    wsr = {}
    for k, m in suite_models.items():
        X_w = X_bd if "backdoor" in k else X_ewe
        wsr[k] = watermark_success(m, X_w, target=ewe_wm.target)
    wsr_other = {  # each model on the other trigger, for the false-positive table
        k: watermark_success(m, X_bd if "backdoor" not in k else X_ewe, target=ewe_wm.target)
        for k, m in suite_models.items()
    }
    tests = {}
    for name, wm in (("extracted_ewe", ewe_wm), ("extracted_backdoor", bd_wm),
                     ("independent", ewe_wm), ("extracted_clean", ewe_wm)):
        v = verify_watermark(suite_models[name], suite_models["clean"], X_src, watermark=wm,
                             rng=rng)
        tests[name] = {"p_value": v.test.p_value, "queries_needed": v.queries_needed,
                       "verdict": v.verdict, "clean_success": v.clean_success}
    # A stricter reference: the owner's clean model stolen the same way (an innocent copy).
    v = verify_watermark(suite_models["extracted_ewe"], suite_models["extracted_clean"], X_src,
                         watermark=ewe_wm, rng=rng)
    tests["extracted_ewe_vs_clean_copy"] = {
        "p_value": v.test.p_value, "queries_needed": v.queries_needed, "verdict": v.verdict,
        "clean_success": v.clean_success}
    return {"accuracy": acc, "watermark_success": wsr, "watermark_success_other_trigger":
            wsr_other, "ownership": tests, "n_verification": len(X_src)}


def train_suite(
    *,
    rng: int | np.random.Generator = 0,
    schedule: Schedule | None = None,
    data: Any = None,
    device: Any = None,
    progress: bool = True,
) -> Suite:
    """Train every model of the course's watermark experiment (Jia et al. §5, reduced).

    Parameters
    ----------
    rng : int or numpy.random.Generator, default=0
        Every random choice (initial weights, batch orders, which watermark
        images) derives from one int seed: ``rng`` itself, or one draw from a
        generator. The suite records it (:attr:`Suite.seed`), so a run can be
        repeated.
    schedule : Schedule, optional
        Default :class:`Schedule()`; see its cost in ``scripts/train_watermarks.py``.
    data : ImageDataset, optional
        MNIST (default: :func:`stealkit.datasets.load_mnist`); Fashion-MNIST works too.
    device : torch device, optional
        Default: CUDA when present, else the CPU.
    progress : bool, default=True

    Returns
    -------
    Suite
    """
    if isinstance(rng, np.random.Generator):
        seed = int(rng.integers(2**31))
    elif (is_int := isinstance(rng, int | np.integer) and not isinstance(rng, bool)) and rng >= 0:
        seed = int(rng)
    else:
        raise (ValueError if is_int else TypeError)(
            "The 'rng' parameter must be a non-negative int or a numpy.random.Generator. "
            f"Got {type(rng).__name__} {rng!r} instead."
        )
    schedule = Schedule() if schedule is None else schedule
    if not isinstance(schedule, Schedule):
        raise TypeError(f"The 'schedule' parameter must be a Schedule. Got {schedule!r}.")
    if data is None:
        from stealkit.datasets import load_mnist

        data = load_mnist()
    s = schedule
    split = mnist_split(data, n_owner=s.n_owner)
    seeds = np.random.default_rng(seed).integers(2**31, size=len(SUITE_MODELS))
    rngs = dict(zip(SUITE_MODELS, (np.random.default_rng(int(x)) for x in seeds), strict=True))
    common = dict(batch_size=s.batch_size, lr=s.lr, device=device, progress=progress)
    models, seconds, history = {}, {}, {}

    def timed(name, fn):
        start = time.perf_counter()
        out = fn()
        seconds[name] = time.perf_counter() - start
        return out

    clean = mnist_cnn(rng=rngs["clean"])
    timed("clean", lambda: train_mnist_classifier(
        clean, split.X_owner, split.y_owner, epochs=s.pretrain_epochs + s.watermark_epochs,
        rng=rngs["clean"], description="clean model", **common))
    models["clean"] = _half_round(clean)

    pre = mnist_cnn(rng=rngs["pretrained"])
    timed("pretrained", lambda: train_mnist_classifier(
        pre, split.X_owner, split.y_owner, epochs=s.pretrain_epochs, rng=rngs["pretrained"],
        description="victim, task", **common))
    models["pretrained"] = _half_round(pre)

    trigger = np.ones((s.trigger_size, s.trigger_size))
    bd = timed("backdoor", lambda: train_backdoor_watermark(
        copy.deepcopy(models["pretrained"]), split.X_owner, split.y_owner, source=s.source,
        target=s.target, trigger=trigger, position=s.backdoor_position, ratio=s.ratio,
        metric=s.metric, epochs=s.watermark_epochs, rng=rngs["backdoor"], **common))
    ewe = timed("ewe", lambda: train_ewe(
        copy.deepcopy(models["pretrained"]), split.X_owner, split.y_owner, source=s.source,
        target=s.target, trigger=trigger, ratio=s.ratio, snnl_weight=s.snnl_weight,
        temperature=s.temperature, temperature_lr=s.temperature_lr, metric=s.metric,
        max_false_positive=s.max_false_positive, epochs=s.watermark_epochs, rng=rngs["ewe"],
        **common))
    models["backdoor"], models["ewe"] = _half_round(bd.model), _half_round(ewe.model)
    history.update(
        ewe_snnl=ewe.snnl, ewe_temperature=ewe.temperature, backdoor_snnl=bd.snnl,
        search_heatmap=ewe.search.heatmap, search_gradient=ewe.search.gradient,
    )

    for victim in ("backdoor", "ewe", "clean"):
        name = f"extracted_{victim}"
        ex = timed(name, lambda v=victim, n=name: extract_mnist_copy(
            _label_api(models[v], s.output), split.X_attacker, epochs=s.extraction_epochs,
            rng=rngs[n], **common))
        models[name] = _half_round(ex.model)

    ind = mnist_cnn(rng=rngs["independent"])
    timed("independent", lambda: train_mnist_classifier(
        ind, split.X_attacker, split.y_attacker, epochs=s.extraction_epochs,
        rng=rngs["independent"], description="independent model", **common))
    models["independent"] = _half_round(ind)

    watermarks = {"backdoor": bd.watermark, "ewe": ewe.watermark}
    metrics = evaluate(models, watermarks, split, rng=seed)
    metrics["trigger_search"] = {"rank": ewe.search.rank,
                                 "false_positive": ewe.search.false_positive}
    metrics["n_queries"] = len(split.X_attacker)
    return Suite(models=models, watermarks=watermarks, history=history, metrics=metrics,
                 schedule=s, seed=seed, seconds=seconds)


def save_suite(suite: Suite, folder: str | Path = WEIGHTS, *, command: str = "") -> Path:
    """Write a suite as float16 state dicts, ``history.npz`` and ``manifest.json``.

    Returns the manifest's path.
    """
    if not isinstance(suite, Suite):
        raise TypeError(f"The 'suite' parameter must be a Suite. Got {type(suite).__name__}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, model in suite.models.items():
        path = folder / f"{name}.pt"
        torch.save({k: v.half() for k, v in model.state_dict().items()}, path)
        files[path.name] = sha256_of(path)
    path = folder / "history.npz"
    with path.open("wb") as fh:
        np.savez_compressed(fh, **{k: np.asarray(v, np.float32) for k, v in suite.history.items()})
    files[path.name] = sha256_of(path)
    manifest = {
        "format": FORMAT,
        "what": "Entangled watermarks on MNIST (Jia et al. 2021), stealkit notebook 04",
        "command": command,
        "seed": suite.seed,
        "torch": torch.__version__,
        "schedule": asdict(suite.schedule),
        "watermarks": {k: w.to_dict() for k, w in suite.watermarks.items()},
        "metrics": suite.metrics,
        "seconds": {k: round(v, 1) for k, v in suite.seconds.items()},
        "files": files,
    }
    return _manifest.write_manifest(folder, manifest, indent=1, sort_keys=False)


def load_suite(folder: str | Path = WEIGHTS) -> Suite:
    """Load a suite written by :func:`save_suite`, checking every file's sha256.

    Raises
    ------
    FileNotFoundError
        If the manifest or a file it lists is missing.
    ChecksumError
        If a file's sha256 differs from the manifest's (changed or damaged).
    """
    folder = Path(folder)
    manifest_path = folder / _manifest.MANIFEST
    manifest = _manifest.read_manifest(
        folder, remedy="train the weights with 'python scripts/train_watermarks.py' first."
    )
    if manifest.get("format") != FORMAT:
        raise ValueError(
            f"{manifest_path} has format {manifest.get('format')!r}; this stealkit reads "
            f"format {FORMAT}. Re-create the weights with 'python scripts/train_watermarks.py'."
        )
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is listed in {manifest_path} but missing.")
        _manifest.check_sha256(path, expected, remedy=_REMEDY)
    models = {}
    for name in SUITE_MODELS:
        if f"{name}.pt" not in manifest["files"]:
            continue
        state = torch.load(folder / f"{name}.pt", map_location="cpu", weights_only=True)
        model = MnistCNN()
        model.load_state_dict({k: v.float() for k, v in state.items()})
        models[name] = model.eval()
    with np.load(folder / "history.npz") as npz:
        history = {k: npz[k].astype(np.float64) for k in npz.files}
    sched = dict(manifest["schedule"])
    sched["backdoor_position"] = tuple(sched["backdoor_position"])
    return Suite(
        models=models,
        watermarks={k: Watermark.from_dict(v) for k, v in manifest["watermarks"].items()},
        history=history,
        metrics=manifest["metrics"],
        schedule=Schedule(**sched),
        seed=int(manifest["seed"]),
        seconds=manifest.get("seconds", {}),
    )
