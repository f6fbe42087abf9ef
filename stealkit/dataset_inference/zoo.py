"""The CIFAR model zoo of dataset inference: a victim and the models suspected of stealing it.

Maini et al. (2021), §6 (threat models) and their CIFAR table. Every member
below is trained by a function of this module, from a seed:

========================  ==========================================================
V (victim)                :func:`train_cifar_classifier` on the private data (a ResNet-9)
A_D distillation          :func:`distill`: a fresh student on the private data,
                          taught by the victim's soft labels (data + model access)
A_D diff. architecture    :func:`train_cifar_classifier`: another architecture on the
                          private data and its labels (data access)
A_M fine-tuning           :func:`fine_tune`: the victim's weights trained further
                          on other data (model access)
A_M zero-shot             :func:`zero_shot_distill`: a student taught on images a
                          generator invents to make it disagree with the victim
                          (model access, no data)
A_Q label / logit query   :func:`extract`: a fresh model trained on the answers of
                          an :class:`~stealkit.oracle.Oracle` (labels or
                          probabilities) to unlabelled images the victim never saw
I (independent)           :func:`train_cifar_classifier` on disjoint data
========================  ==========================================================

Threat model of each attacker, as in the table: what it sees of the victim
(data, weights, or only an API) and what it pays (queries, reported).

Weights are stored small (float16) with a manifest (data, architecture,
epochs, accuracy, SHA-256) and loaded with ``torch.load(weights_only=True)``
after their checksum is verified (:func:`load_zoo`). Randomness (initial
weights, batch order, augmentation) comes only from ``rng``; torch's global
random state is left as it was.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from stealkit import _manifest
from stealkit._manifest import ChecksumError, sha256_of, write_manifest
from stealkit._torch import (
    Training,
    batched,
    check_module,
    default_init_,
    label_accuracy,
    n_outputs,
    progress_bar,
    resolve_device,
    soft_cross_entropy,
    torch_generator,
    train_epochs,
)
from stealkit._validation import check_int, check_oracle, check_positive, check_rng
from stealkit.dataset_inference.embeddings import _as_inputs
from stealkit.oracle import label_through_oracle

__all__ = [
    "CIFAR_MEAN",
    "CIFAR_STD",
    "ARCHITECTURES",
    "ResNet9",
    "ConvNet",
    "Generator",
    "build_model",
    "split_indices",
    "spread_positions",
    "Training",
    "train_cifar_classifier",
    "distill",
    "fine_tune",
    "extract",
    "zero_shot_distill",
    "predict_logits",
    "cifar_accuracy",
    "ChecksumError",
    "save_model",
    "load_model",
    "write_manifest",
    "read_manifest",
    "load_zoo",
    "load_embeddings",
    "sha256_of",
]

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


# --------------------------------------------------------------------------- architectures
class _Normalize(nn.Module):
    """Standardise [0, 1] images per channel, so that models take raw pixels."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(CIFAR_STD).view(1, 3, 1, 1))

    def forward(self, x):
        return (x - self.mean) / self.std


def _conv_bn(c_in: int, c_out: int, pool: bool = False) -> nn.Sequential:
    layers = [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
              nn.ReLU(inplace=True)]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class _Residual(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.body = nn.Sequential(_conv_bn(c, c), _conv_bn(c, c))

    def forward(self, x):
        return x + self.body(x)


class ResNet9(nn.Module):
    """The fast ResNet-9 of the DAWNBench CIFAR runs (Page 2018), ``width`` channels at first.

    prep (w) – conv 2w, pool, residual – conv 4w, pool – conv 8w, pool,
    residual – global max-pool – linear (logits scaled by 1/8). Inputs are
    images in [0, 1], shape (n, 3, 32, 32); ``width=64`` is the original.
    """

    def __init__(self, width: int = 32, n_classes: int = 10):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            _Normalize(),
            _conv_bn(3, w),
            _conv_bn(w, 2 * w, pool=True),
            _Residual(2 * w),
            _conv_bn(2 * w, 4 * w, pool=True),
            _conv_bn(4 * w, 8 * w, pool=True),
            _Residual(8 * w),
            nn.AdaptiveMaxPool2d(1),
            nn.Flatten(),
            nn.Linear(8 * w, n_classes),
        )

    def forward(self, x):
        return self.net(x) * 0.125


class ConvNet(nn.Module):
    """A plain VGG-style network: three blocks of two conv–BN–ReLU and a pool, then linear.

    Channels ``width``, 2·``width``, 4·``width``; global average pooling. The
    "different architecture" of the zoo (no residual connections, average
    instead of max pooling at the end).
    """

    def __init__(self, width: int = 32, n_classes: int = 10):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            _Normalize(),
            _conv_bn(3, w), _conv_bn(w, w, pool=True),
            _conv_bn(w, 2 * w), _conv_bn(2 * w, 2 * w, pool=True),
            _conv_bn(2 * w, 4 * w), _conv_bn(4 * w, 4 * w, pool=True),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(4 * w, n_classes),
        )

    def forward(self, x):
        return self.net(x)


class Generator(nn.Module):
    """Noise ``(n, z_dim)`` to images ``(n, 3, 32, 32)`` in [0, 1] (DCGAN-like, for zero-shot)."""

    def __init__(self, z_dim: int = 128, width: int = 64):
        super().__init__()
        self.z_dim = z_dim
        w = width
        self.fc = nn.Linear(z_dim, 2 * w * 8 * 8)
        self.net = nn.Sequential(
            nn.BatchNorm2d(2 * w),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(2 * w, 2 * w, 3, padding=1, bias=False),
            nn.BatchNorm2d(2 * w),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(2 * w, w, 3, padding=1, bias=False),
            nn.BatchNorm2d(w),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(w, 3, 3, padding=1),
            nn.Sigmoid(),
        )
        self._width = w

    def forward(self, z):
        return self.net(self.fc(z).view(len(z), 2 * self._width, 8, 8))


#: Constructors by the name a manifest stores.
ARCHITECTURES: dict[str, type[nn.Module]] = {
    "resnet9": ResNet9,
    "convnet": ConvNet,
    "generator": Generator,
}


def build_model(
    architecture: str | Mapping[str, Any], *, rng: int | np.random.Generator | None = None
) -> nn.Module:
    """A freshly initialised model: ``"resnet9"`` or ``{"name": "resnet9", "width": 16}``.

    Weights follow PyTorch's default initialisation (uniform with bound
    1/√fan_in for convolutions and linear layers; BN at 1 and 0), drawn from
    a generator derived from ``rng`` so that torch's global state is untouched.
    """
    spec = {"name": architecture} if isinstance(architecture, str) else dict(architecture)
    name = spec.pop("name", None)
    if name not in ARCHITECTURES:
        raise ValueError(
            f"The 'architecture' must name one of {', '.join(map(repr, ARCHITECTURES))}. "
            f"Got {name!r}."
        )
    g = torch_generator(check_rng(rng))
    with torch.random.fork_rng(devices=[]):  # construction draws from (and restores) the global RNG
        try:
            model = ARCHITECTURES[name](**spec)
        except TypeError as exc:
            raise ValueError(f"Bad options {spec} for architecture {name!r}: {exc}") from None
    return default_init_(model, g)


def split_indices(
    y: Any, *, fraction: float = 0.5, rng: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A stratified random split of ``range(len(y))``: ``fraction`` of each class, and the rest.

    CIFAR-10's training set is stored sorted by class in the offline copy,
    so its first half is not a sample of the distribution: split with this.
    """
    y = np.asarray(y)
    if y.ndim != 1 or len(y) < 2:
        raise ValueError(f"The 'y' parameter must be a 1-D array of labels. Got shape {y.shape}.")
    fraction = check_positive(fraction, "fraction")
    if not fraction < 1:
        raise ValueError(f"The 'fraction' parameter must be in (0, 1). Got {fraction}.")
    rng = check_rng(rng)
    first = []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        first.append(idx[: int(round(fraction * len(idx)))])
    first = np.sort(np.concatenate(first))
    rest = np.setdiff1d(np.arange(len(y)), first)
    return first, rest


# --------------------------------------------------------------------------- training
def _images(X: Any, name: str = "X") -> torch.Tensor:
    t = _as_inputs(X)
    if t.ndim != 4 or t.shape[1] != 3:
        raise ValueError(
            f"The '{name}' parameter must hold RGB images, shape (n, 3, H, W) or uint8 "
            f"(n, H, W, 3). Got shape {tuple(t.shape)}."
        )
    return t


def _targets(y: Any, n: int, n_classes: int = 10) -> torch.Tensor:
    t = y.detach().cpu() if isinstance(y, torch.Tensor) else torch.from_numpy(np.asarray(y))
    if t.ndim == 1 and not t.is_floating_point() and len(t) == n:
        if len(t) and (t.min() < 0 or t.max() >= n_classes):
            raise ValueError(f"The 'y' parameter must hold labels in [0, {n_classes - 1}].")
        return t.long()
    if t.ndim == 2 and t.shape == (n, n_classes) and t.is_floating_point():
        return t.float()
    raise ValueError(
        f"The 'y' parameter must be {n} int labels or probabilities of shape ({n}, {n_classes}). "
        f"Got dtype {t.dtype} and shape {tuple(t.shape)}."
    )


def _augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Random crop (4-pixel reflected padding) and horizontal flip, on x's device."""
    n, _, h, w = x.shape
    padded = F.pad(x, (4, 4, 4, 4), mode="reflect")
    oy = torch.randint(0, 9, (n,), generator=g).to(x.device)
    ox = torch.randint(0, 9, (n,), generator=g).to(x.device)
    flip = (torch.rand(n, generator=g) < 0.5).to(x.device)
    ar_h, ar_w = torch.arange(h, device=x.device), torch.arange(w, device=x.device)
    rows = (oy[:, None] + ar_h)[:, :, None]
    cols = ox[:, None] + ar_w
    cols = torch.where(flip[:, None], cols.flip(1), cols)[:, None, :]
    out = padded[torch.arange(n, device=x.device)[:, None, None], :, rows, cols]
    return out.permute(0, 3, 1, 2).contiguous()


def _fit(
    model: nn.Module,
    X: torch.Tensor,
    target_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    augment: bool,
    smoothing: float,
    rng: np.random.Generator,
    device: torch.device,
    progress: bool,
    description: str,
    loss_scale: float = 1.0,
) -> np.ndarray:
    """SGD (Nesterov, momentum 0.9) with a one-cycle learning rate; returns the step losses."""
    g = torch_generator(rng)
    model.to(device).train()
    Xd = X.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True,
                                weight_decay=weight_decay)
    total = epochs * -(-len(X) // batch_size)
    warm = max(1, total // 5)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)),
    )
    amp = device.type == "cuda"

    def loss_of(idx):
        xb = Xd[idx]
        if augment:
            xb = _augment(xb, g)
        target = target_fn(xb, idx)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            logits = model(xb)
        return soft_cross_entropy(logits.float(), target, smoothing) * loss_scale

    losses = train_epochs(len(X), loss_of, optimizer, epochs=epochs, batch_size=batch_size, g=g,
                          progress=progress, description=description, unit="step",
                          after_step=schedule.step, index_device=device)
    model.eval()
    return losses


def _train_args(epochs, batch_size, lr, weight_decay, smoothing):
    return dict(
        epochs=check_int(epochs, "epochs", minimum=1),
        batch_size=check_int(batch_size, "batch_size", minimum=1),
        lr=check_positive(lr, "lr"),
        weight_decay=0.0 if weight_decay == 0 else check_positive(weight_decay, "weight_decay"),
        smoothing=0.0 if smoothing == 0 else check_positive(smoothing, "label_smoothing"),
    )


def train_cifar_classifier(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    epochs: int = 20,
    batch_size: int = 512,
    lr: float = 0.2,
    weight_decay: float = 5e-4,
    augment: bool = True,
    label_smoothing: float = 0.0,
    threat_model: str = "V",
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
) -> Training:
    """Train ``model`` in place on images ``X`` and labels (or probabilities) ``y``.

    The victim V, the different architecture of A_D and the independent model
    I are trained this way (on the private or on disjoint data). SGD with
    Nesterov momentum, a one-cycle learning rate peaking at ``lr``, weight
    decay; ``augment`` adds random crops and flips. Mixed precision (bf16) on
    CUDA.

    Parameters
    ----------
    model : torch.nn.Module
        Images ``(n, 3, 32, 32)`` in [0, 1] to logits.
    X : array-like
        uint8 images ``(n, 32, 32, 3)`` or floats ``(n, 3, 32, 32)`` in [0, 1].
    y : array-like
        Labels ``(n,)`` or probabilities ``(n, n_classes)`` (soft cross-entropy).
    epochs, batch_size, lr, weight_decay : int, int, float, float
    augment : bool, default=True
    label_smoothing : float, default=0
        For hard labels only.
    threat_model : str, default="V"
        Recorded in the result.
    rng : int, Generator or None
        Batch order and augmentation.
    device : torch device, optional
        Default: CUDA when present, else the CPU. The model stays there.
    progress : bool, default=True

    Returns
    -------
    Training
    """
    model = check_module(model)
    args = _train_args(epochs, batch_size, lr, weight_decay, label_smoothing)
    X = _images(X)
    y = _targets(y, len(X), n_outputs(model))
    device = resolve_device(device)
    start = time.perf_counter()
    yd = y.to(device)
    losses = _fit(model, X, lambda xb, idx: yd[idx], augment=bool(augment),
                  rng=check_rng(rng), device=device, progress=progress,
                  description=f"training {threat_model}", **args)
    return Training(model=model, losses=losses, epochs=args["epochs"], n_samples=len(X),
                    seconds=time.perf_counter() - start, device=str(device),
                    threat_model=threat_model)


def distill(
    teacher: nn.Module,
    student: nn.Module,
    X: Any,
    *,
    temperature: float = 4.0,
    epochs: int = 20,
    batch_size: int = 512,
    lr: float = 0.2,
    weight_decay: float = 5e-4,
    augment: bool = True,
    threat_model: str = "A_D distillation",
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
) -> Training:
    """Knowledge distillation (A_D): train ``student`` on the teacher's soft labels of ``X``.

    Hinton et al. (2015) as in Maini et al.'s A_D: the attacker holds the
    private data and the victim, and matches the victim's probabilities at
    ``temperature`` on every (augmented) batch; no true labels are used.
    """
    teacher, student = check_module(teacher, "teacher"), check_module(student, "student")
    args = _train_args(epochs, batch_size, lr, weight_decay, 0)
    temperature = check_positive(temperature, "temperature")
    X = _images(X)
    device = resolve_device(device)
    teacher.to(device).eval()
    start = time.perf_counter()

    @torch.no_grad()
    def soft(xb, idx):
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = teacher(xb)
        return torch.softmax(logits.float() / temperature, 1)

    # the student's logits at the same temperature; T² keeps the gradients' scale (Hinton)
    losses = _fit(_Scaled(student, 1.0 / temperature), X, soft, augment=bool(augment),
                  rng=check_rng(rng), device=device, progress=progress,
                  description=f"training {threat_model}", loss_scale=temperature**2, **args)
    student.eval()
    return Training(model=student, losses=losses, epochs=args["epochs"], n_samples=len(X),
                    seconds=time.perf_counter() - start, device=str(device),
                    threat_model=threat_model)


class _Scaled(nn.Module):
    def __init__(self, model: nn.Module, factor: float):
        super().__init__()
        self.model, self.factor = model, factor

    def forward(self, x):
        return self.model(x) * self.factor


def fine_tune(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    epochs: int = 5,
    batch_size: int = 512,
    lr: float = 0.02,
    weight_decay: float = 5e-4,
    augment: bool = True,
    threat_model: str = "A_M fine-tuning",
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
) -> Training:
    """Fine-tuning (A_M): a copy of the victim trained further on the attacker's own data.

    The attacker holds the victim's weights (model access) but not its data;
    ``model`` itself is left unchanged. A small learning rate keeps what the
    victim learned, as the threat model assumes.
    """
    model = copy.deepcopy(check_module(model))
    return train_cifar_classifier(model, X, y, epochs=epochs, batch_size=batch_size, lr=lr,
                                  weight_decay=weight_decay, augment=augment,
                                  threat_model=threat_model, rng=rng, device=device,
                                  progress=progress)


def extract(
    oracle: Any,
    student: nn.Module,
    X: Any,
    *,
    epochs: int = 20,
    batch_size: int = 512,
    lr: float = 0.2,
    weight_decay: float = 5e-4,
    augment: bool = True,
    threat_model: str | None = None,
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
) -> Training:
    """Model extraction (A_Q): label ``X`` through the victim's API once, then train ``student``.

    The attacker sees only the :class:`~stealkit.oracle.Oracle`'s answers to
    its own unlabelled images (one query each): labels (``output="label"``,
    label-query) or probabilities (``output="proba"``, logit-query: the
    softmax carries the logits up to a constant). It pays ``len(X)`` queries,
    and raises :class:`~stealkit.QueryBudgetExceeded` before the first if the
    budget cannot cover them all.
    """
    oracle = check_oracle(oracle, output=("label", "proba"))
    student = check_module(student, "student")
    _train_args(epochs, batch_size, lr, weight_decay, 0)
    X = _images(X)
    before = oracle.n_queries
    answers = label_through_oracle(oracle, X, batch_size=1024)
    n_queries = oracle.n_queries - before
    y = answers.astype(np.float32) if oracle.output == "proba" else answers.astype(np.int64)
    name = threat_model or ("A_Q logit-query" if oracle.output == "proba" else "A_Q label-query")
    t = train_cifar_classifier(student, X, y, epochs=epochs, batch_size=batch_size, lr=lr,
                               weight_decay=weight_decay, augment=augment, threat_model=name,
                               rng=rng, device=device, progress=progress)
    return dataclasses.replace(t, n_queries=n_queries)


def zero_shot_distill(
    teacher: nn.Module,
    student: nn.Module,
    *,
    generator: nn.Module | None = None,
    iterations: int = 2000,
    batch_size: int = 256,
    student_steps: int = 5,
    lr_student: float = 2e-3,
    lr_generator: float = 1e-3,
    threat_model: str = "A_M zero-shot",
    rng: int | np.random.Generator | None = None,
    device: Any = None,
    progress: bool = True,
) -> Training:
    """Zero-shot (data-free) adversarial distillation (A_M), after Micaelli & Storkey (2019).

    A generator invents images on which student and teacher disagree most
    (it ascends their KL divergence, through the teacher's gradients: model
    access); the student then descends the same divergence on fresh images
    of the generator, ``student_steps`` times per iteration. No real image is
    used. Their run takes 80,000 iterations and an attention-transfer term;
    this one is far shorter and without it, so expect a much weaker student.
    """
    teacher, student = check_module(teacher, "teacher"), check_module(student, "student")
    iterations = check_int(iterations, "iterations", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=2)
    student_steps = check_int(student_steps, "student_steps", minimum=1)
    lr_student = check_positive(lr_student, "lr_student")
    lr_generator = check_positive(lr_generator, "lr_generator")
    rng = check_rng(rng)
    if generator is None:
        generator = build_model("generator", rng=rng)
    generator = check_module(generator, "generator")
    device = resolve_device(device)
    g = torch_generator(rng)
    teacher.to(device).eval()
    student.to(device).train()
    generator.to(device).train()
    opt_s = torch.optim.Adam(student.parameters(), lr=lr_student)
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr_generator)
    sched_s = torch.optim.lr_scheduler.CosineAnnealingLR(opt_s, iterations)
    sched_g = torch.optim.lr_scheduler.CosineAnnealingLR(opt_g, iterations)
    for p in teacher.parameters():
        p.requires_grad_(False)

    def noise():
        return torch.randn(batch_size, generator.z_dim, generator=g).to(device)

    def kl(t_logits, s_logits):
        return F.kl_div(F.log_softmax(s_logits.float(), 1), F.softmax(t_logits.float(), 1),
                        reduction="batchmean")

    def amp():
        return torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")

    losses, start = [], time.perf_counter()
    try:
        with progress_bar(iterations, f"training {threat_model}", progress, unit="step") as bar:
            for _ in range(iterations):
                with amp():
                    x = generator(noise())
                    loss_g = -kl(teacher(x), student(x))
                opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
                opt_g.step()
                for _ in range(student_steps):
                    with torch.no_grad(), amp():
                        x = generator(noise())
                        t_logits = teacher(x)
                    with amp():
                        loss_s = kl(t_logits, student(x))
                    opt_s.zero_grad(set_to_none=True)
                    loss_s.backward()
                    opt_s.step()
                sched_s.step()
                sched_g.step()
                losses.append(loss_s.item())
                bar.update()
    finally:
        for p in teacher.parameters():
            p.requires_grad_(True)
    student.eval()
    return Training(model=student, losses=np.asarray(losses), epochs=iterations, n_samples=0,
                    seconds=time.perf_counter() - start, device=str(device),
                    threat_model=threat_model)


# --------------------------------------------------------------------------- evaluation
def predict_logits(model: nn.Module, X: Any, *, batch_size: int = 1024) -> np.ndarray:
    """Logits ``(n, n_classes)`` of ``model`` on images ``X`` (eval mode, its device)."""
    model, X = check_module(model), _images(X)
    out = batched(model, X, lambda xb: model(xb).float().cpu(), batch_size)
    return torch.cat(out).numpy()


def cifar_accuracy(model: nn.Module, X: Any, y: Any) -> float:
    """Fraction of images ``X`` whose predicted class is ``y``."""
    model, X = check_module(model), _images(X)
    return label_accuracy(model, X, y, batch_size=1024)


# --------------------------------------------------------------------------- storage
def save_model(model: nn.Module, path: str | Path) -> str:
    """Save ``model``'s state dict with floats as float16; return the file's SHA-256.

    The model in memory is rounded to the stored float16 values too, so that
    what is measured afterwards (accuracy, embeddings) is what is shipped.
    """
    model = check_module(model)
    state = {k: v.detach().cpu().half() if v.is_floating_point() else v.detach().cpu()
             for k, v in model.state_dict().items()}
    model.load_state_dict({k: v.float() if v.is_floating_point() else v
                           for k, v in state.items()})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return sha256_of(path)


def load_model(
    path: str | Path,
    *,
    architecture: str | Mapping[str, Any],
    sha256: str | None = None,
    device: Any = "cpu",
) -> nn.Module:
    """Build ``architecture`` and load the weights at ``path`` (``weights_only=True``).

    With ``sha256``, the file is verified first: a mismatch raises
    :class:`ChecksumError` and nothing is unpickled.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No weights file at {str(path)!r}.")
    if sha256 is not None:
        _verify(path, sha256)
    state = torch.load(path, map_location="cpu", weights_only=True)
    with torch.random.fork_rng(devices=[]):
        model = build_model(architecture, rng=0)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v
                           for k, v in state.items()})
    return model.to(device).eval()


#: What to do about a zoo file whose checksum differs.
_REMEDY = "Retrain with scripts/train_zoo.py or restore the file."


def _verify(path: Path, sha256: str) -> None:
    _manifest.check_sha256(path, sha256, remedy=_REMEDY)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a zoo folder."""
    return _manifest.read_manifest(
        folder, remedy=f"train a zoo with scripts/train_zoo.py --out {folder}."
    )


def spread_positions(n: int, k: int) -> np.ndarray:
    """k positions spread evenly over ``range(n)``, first and last included (all n if k >= n).

    A zoo's embedded samples are sorted by image index, and the offline
    CIFAR-10 copy by class: the first k rows would all be airplanes; spread
    rows cover every class.
    """
    n, k = check_int(n, "n", minimum=1), check_int(k, "k", minimum=1)
    if k >= n:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


def load_zoo(
    folder: str | Path, *, names: Any = None, device: Any = "cpu"
) -> dict[str, nn.Module]:
    """The zoo's models by name, each verified against the manifest's SHA-256 before loading."""
    folder = Path(folder)
    members = read_manifest(folder)["members"]
    names = list(members) if names is None else [names] if isinstance(names, str) else list(names)
    unknown = [n for n in names if n not in members]
    if unknown:
        raise ValueError(f"No member(s) {unknown} in the zoo at {str(folder)!r}; it holds "
                         f"{list(members)}.")
    return {
        n: load_model(folder / members[n]["file"], architecture=members[n]["architecture"],
                      sha256=members[n]["sha256"], device=device)
        for n in names
    }


def load_embeddings(folder: str | Path, *, method: str = "blind_walk") -> dict[str, np.ndarray]:
    """The zoo's cached embeddings by member, verified against the manifest's SHA-256.

    Each array has one row per image: the private samples first, then as many
    public ones (``splits.npz`` holds their indices); ``method`` is
    ``"blind_walk"`` or ``"mingd"`` (cached for fewer samples, when at all).
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    info = manifest.get("embeddings")
    if not info:
        raise FileNotFoundError(f"The zoo at {str(folder)!r} has no cached embeddings.")
    path = folder / info["file"]
    _verify(path, info["sha256"])
    with np.load(path) as cached:
        return {name: cached[f"{name}/{method}"] for name in manifest["members"]
                if f"{name}/{method}" in cached.files}
