"""How far each sample lies from a model's decision boundary: MinGD and Blind Walk.

Maini et al. (2021), §5 ("Generating embeddings"). A model that trained on a
sample tends to keep it far from its decision boundary; a model that learned
from that model (distillation, fine-tuning, extraction) inherits some of that
distance. Both functions embed each sample as a row of distances, one block
per norm (L1, L2, L∞):

- :func:`mingd` (white box): for each target class t, gradient steps on the
  input until the model predicts t; the distance is the norm of the
  perturbation then (0 for the sample's own class). A "worst case" margin.
- :func:`blind_walk` (black box, labels only): from x, walk along a random
  direction δ, querying x + kδ for k = 1, 2, …, until the label leaves y; the
  distance is ‖kδ‖. An "average case" margin.

Threat model: the verifier holds the samples and their labels and the
suspect model. MinGD needs gradients (the weights, or an API that returns
them); Blind Walk needs only predicted labels, so it runs through a label-only
:class:`~stealkit.oracle.Oracle` and pays one query per step.

Every row holds one sample, in the order of ``X`` (the public code reshapes its
features so that each row mixes 30 different images — a pitfall this module
avoids: permuting the samples permutes the rows and nothing else).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stealkit._validation import check_int, check_positive, check_rng

__all__ = [
    "NORMS",
    "MINGD_STEPS",
    "WALK_SCALES",
    "Embedding",
    "mingd",
    "blind_walk",
]

NORMS = ("l1", "l2", "linf")
#: MinGD step sizes, each the Lp norm of one step. L2 and L∞ are those of the
#: public code; the L1 step (spread over the ``l1_top_k`` largest gradient
#: coordinates) is ours.
MINGD_STEPS = {"l1": 0.25, "l2": 0.01, "linf": 0.001}
#: Blind Walk noise per coordinate, as in the public code: uniform on ±0.005
#: (L∞), Gaussian with standard deviation 0.005 (L2), Laplace with scale 0.01 (L1).
WALK_SCALES = {"l1": 0.01, "l2": 0.005, "linf": 0.005}


# --------------------------------------------------------------------------- checks
def _check_norms(norms: Any) -> tuple[str, ...]:
    if isinstance(norms, str):
        norms = (norms,)
    try:
        norms = tuple(norms)
    except TypeError:
        raise TypeError(
            f"The 'norms' parameter must be a sequence of {NORMS}. Got {norms!r}."
        ) from None
    if not norms or any(n not in NORMS for n in norms) or len(set(norms)) != len(norms):
        raise ValueError(
            f"The 'norms' parameter must be a non-empty sequence of distinct norms among "
            f"{', '.join(map(repr, NORMS))}. Got {norms!r}."
        )
    return norms


def _check_sizes(sizes: Any, name: str, defaults: Mapping[str, float], norms) -> dict[str, float]:
    if sizes is None:
        return {n: defaults[n] for n in norms}
    if not isinstance(sizes, Mapping):
        raise TypeError(
            f"The '{name}' parameter must be a dict from norm to a positive number. "
            f"Got {type(sizes).__name__}."
        )
    unknown = sorted(set(sizes) - set(NORMS))
    if unknown:
        raise ValueError(
            f"The '{name}' parameter has keys that are not norms: {unknown}; use {NORMS}."
        )
    return {n: check_positive(sizes.get(n, defaults[n]), f"{name}[{n!r}]") for n in norms}


def _check_clip(clip: Any) -> tuple[float, float] | None:
    if clip is None:
        return None
    try:
        lo, hi = (float(c) for c in clip)
    except (TypeError, ValueError):
        raise ValueError(
            f"The 'clip' parameter must be None or a pair (low, high). Got {clip!r}."
        ) from None
    if not lo < hi:
        raise ValueError(f"The 'clip' parameter must have low < high. Got {clip!r}.")
    return lo, hi


def _as_inputs(X: Any):
    """Samples as a float32 tensor ``(n, ...)`` on the CPU.

    uint8 arrays of shape ``(n, H, W, C)`` with C in (1, 3) (the loaders' image
    layout) become ``(n, C, H, W)`` in [0, 1]; anything else is taken as is.
    """
    import torch

    if isinstance(X, torch.Tensor):
        t = X.detach().cpu()
    else:
        try:
            arr = np.asarray(X)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"The 'X' parameter must be an array of samples: {exc}") from None
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"The 'X' parameter must be numeric. Got dtype {arr.dtype}.")
        if arr.dtype == np.uint8 and arr.ndim == 4 and arr.shape[-1] in (1, 3):
            arr = arr.transpose(0, 3, 1, 2).astype(np.float32) / 255.0
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.ndim < 2 or len(t) == 0:
        raise ValueError(
            f"The 'X' parameter must hold at least one sample, shape (n_samples, ...). "
            f"Got shape {tuple(t.shape)}."
        )
    t = t.float()
    if not torch.isfinite(t).all():
        raise ValueError("The 'X' parameter contains NaN or infinite values.")
    return t


def _as_labels(y: Any, n: int) -> np.ndarray:
    y = np.asarray(y.detach().cpu() if hasattr(y, "detach") else y)
    if y.shape != (n,):
        raise ValueError(f"The 'y' parameter must hold one label per sample, shape ({n},). "
                         f"Got shape {y.shape}.")
    return y


def _resolve_device(device: Any, model: Any):
    import torch

    if device is None:
        param = next(model.parameters(), None) if isinstance(model, torch.nn.Module) else None
        return param.device if param is not None else torch.device("cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"The 'device' parameter is not a torch device: {exc}") from None


def _param_dtype(model: Any):
    import torch

    param = next(model.parameters(), None) if isinstance(model, torch.nn.Module) else None
    return param.dtype if param is not None and param.is_floating_point() else torch.float32


def _lp(delta, norm: str):
    """Lp norm of each row of ``delta`` (flattened)."""
    flat = delta.flatten(1)
    if norm == "l1":
        return flat.abs().sum(1)
    if norm == "l2":
        return flat.norm(dim=1)
    return flat.abs().amax(1)


def _progress(total: int, description: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, disable=not enabled, leave=False)


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class Embedding:
    """Distances of each sample to a model's decision boundary, one row per sample.

    Attributes
    ----------
    distances : ndarray of shape (n_samples, n_norms, n_columns)
        ``distances[i, a, j]``: sample i, norm ``norms[a]``, column j (the
        target class for MinGD, the random direction for Blind Walk).
    steps : ndarray of int, same shape
        Steps taken (MinGD: gradient steps; Blind Walk: k of the first
        changed label).
    censored : ndarray of bool, same shape
        The label never reached the target (MinGD) or never changed (Blind
        Walk) within ``max_steps``: the distance is then a lower bound (Blind
        Walk reports step ``max_steps + 1``; MinGD the perturbation reached).
    norms : tuple of str
    method : {"mingd", "blind_walk"}
    n_queries : int
        Inputs sent to the model (MinGD: forward and backward passes; Blind
        Walk: label queries).
    seconds : float
    directions : ndarray of shape (n_norms, n_directions, *input_shape), or None
        Blind Walk's random directions δ (the same for every sample).
    """

    distances: np.ndarray
    steps: np.ndarray
    censored: np.ndarray
    norms: tuple[str, ...]
    method: str
    n_queries: int
    seconds: float
    directions: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.distances)

    @property
    def features(self) -> np.ndarray:
        """The rows flattened to ``(n_samples, n_norms * n_columns)``, norm by norm."""
        return self.distances.reshape(len(self.distances), -1)

    def __getitem__(self, index) -> Embedding:
        """The rows ``index`` (an int array, a slice or a boolean mask) as an Embedding."""
        index = np.arange(len(self))[index]
        index = np.atleast_1d(index)
        return Embedding(
            distances=self.distances[index],
            steps=self.steps[index],
            censored=self.censored[index],
            norms=self.norms,
            method=self.method,
            n_queries=self.n_queries,
            seconds=self.seconds,
            directions=self.directions,
        )

    def __repr__(self) -> str:
        n, a, c = self.distances.shape
        return (
            f"Embedding({self.method}, {n} samples × {a} norms × {c} columns, "
            f"{self.censored.mean():.0%} censored, {self.n_queries:,} queries, "
            f"{self.seconds:.1f} s)"
        )


# --------------------------------------------------------------------------- MinGD
def _descent_direction(grad, norm: str, top_k: int):
    """The unit-Lp step that decreases the loss fastest to first order (steepest descent)."""
    import torch

    flat = grad.flatten(1)
    if norm == "linf":
        step = flat.sign()
    elif norm == "l2":
        step = flat / flat.norm(dim=1, keepdim=True).clamp_min(1e-12)
    else:  # the top-k coordinates by |gradient|, sharing one unit of L1 mass
        k = min(top_k, flat.shape[1])
        idx = flat.abs().topk(k, dim=1).indices
        step = torch.zeros_like(flat).scatter_(1, idx, flat.gather(1, idx).sign() / k)
    return step.view_as(grad)


def mingd(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    norms: Sequence[str] = NORMS,
    max_steps: int = 500,
    step_sizes: Mapping[str, float] | None = None,
    l1_top_k: int = 100,
    clip: tuple[float, float] | None = None,
    batch_size: int = 512,
    device: Any = None,
    progress: bool = True,
) -> Embedding:
    """White-box distance from each sample to every target class's region, per norm.

    Maini et al. (2021), §5 (MinGD): for a sample (x, y) and each class t,
    approximately solve min ‖δ‖_p subject to f(x + δ) = t by steepest descent on
    the cross-entropy towards t, stopping at the first step where the model
    predicts t; the distance is ‖δ‖_p then. Steps have a fixed size in the norm
    they are measured in: sign(∇) for L∞, ∇/‖∇‖₂ for L2, the ``l1_top_k``
    largest gradient coordinates for L1 (the public code's rules).

    Parameters
    ----------
    model : torch.nn.Module
        Maps inputs ``(n, *input_shape)`` to logits ``(n, n_classes)``; run in
        eval mode (its mode is restored afterwards), gradients to the input only.
    X : array-like or tensor of shape (n_samples, *input_shape)
        Float inputs, or uint8 images ``(n, H, W, C)`` (scaled to [0, 1]).
    y : array-like of shape (n_samples,), optional
        Class labels (the true labels in the paper). Default: the model's
        own predictions.
    norms : sequence of {"l1", "l2", "linf"}, default=("l1", "l2", "linf")
    max_steps : int, default=500
        Gradient steps per (sample, class, norm) before giving up (censored).
    step_sizes : dict, optional
        Lp norm of one step per norm; defaults :data:`MINGD_STEPS`. The
        distance is resolved to within one step.
    l1_top_k : int, default=100
        Coordinates moved by one L1 step.
    clip : (float, float), optional
        Keep x + δ in this box (e.g. ``(0, 1)`` for images). Default: no box.
    batch_size : int, default=512
        (sample, class) pairs descended at once.
    device : torch device, optional
        Default: the device of the model's parameters.
    progress : bool, default=True
        Show a tqdm progress bar.

    Returns
    -------
    Embedding
        ``distances`` of shape ``(n_samples, n_norms, n_classes)``, 0 at the
        sample's own class.
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            "The 'model' parameter must be a torch.nn.Module (MinGD needs gradients). "
            f"Got {type(model).__name__}."
        )
    norms = _check_norms(norms)
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    sizes = _check_sizes(step_sizes, "step_sizes", MINGD_STEPS, norms)
    l1_top_k = check_int(l1_top_k, "l1_top_k", minimum=1)
    clip = _check_clip(clip)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    device = _resolve_device(device, model)
    X = _as_inputs(X).to(_param_dtype(model))
    n = len(X)

    was_training = model.training
    model.eval()
    start, n_queries = time.perf_counter(), 0
    try:
        with torch.no_grad():
            logits = torch.cat([model(X[s : s + batch_size].to(device)).float().cpu()
                                for s in range(0, n, batch_size)])
        n_queries += n
        if logits.ndim != 2 or logits.shape[0] != n:
            raise ValueError(
                f"The 'model' must map {n} inputs to logits of shape ({n}, n_classes). "
                f"Got {tuple(logits.shape)}."
            )
        n_classes = logits.shape[1]
        if y is None:
            labels = logits.argmax(1)
        else:
            labels = torch.as_tensor(_as_labels(y, n)).long()
            if labels.min() < 0 or labels.max() >= n_classes:
                raise ValueError(
                    f"The 'y' parameter must hold class labels in [0, {n_classes - 1}]. "
                    f"Got values in [{int(labels.min())}, {int(labels.max())}]."
                )
        shape = (n, len(norms), n_classes)
        dist = np.zeros(shape)
        steps = np.zeros(shape, dtype=np.int32)
        censored = np.zeros(shape, dtype=bool)
        rows, targets = np.nonzero(np.arange(n_classes)[None, :] != labels.numpy()[:, None])
        total = len(norms) * len(rows)
        with _progress(total, "MinGD", progress) as bar:
            for a, norm in enumerate(norms):
                for s in range(0, len(rows), batch_size):
                    i, t = rows[s : s + batch_size], targets[s : s + batch_size]
                    d, k, c, q = _mingd_batch(
                        model, X[i].to(device), torch.as_tensor(t, device=device), norm,
                        sizes[norm], max_steps, l1_top_k, clip,
                    )
                    dist[i, a, t], steps[i, a, t], censored[i, a, t] = d, k, c
                    n_queries += q
                    bar.update(len(i))
    finally:
        model.train(was_training)
    return Embedding(
        distances=dist,
        steps=steps,
        censored=censored,
        norms=norms,
        method="mingd",
        n_queries=n_queries,
        seconds=time.perf_counter() - start,
    )


def _mingd_batch(model, x0, target, norm, alpha, max_steps, top_k, clip):
    """Descend every row of ``x0`` towards its ``target`` class; the first step that gets there."""
    import torch
    from torch.nn import functional as F

    delta = torch.zeros_like(x0)
    n = len(x0)
    dist = torch.zeros(n, dtype=x0.dtype, device=x0.device)
    steps = torch.full((n,), max_steps, dtype=torch.int32, device=x0.device)
    active = torch.ones(n, dtype=torch.bool, device=x0.device)
    n_queries = 0
    for step in range(max_steps + 1):
        idx = active.nonzero().squeeze(1)
        if len(idx) == 0:
            break
        xa = (x0[idx] + delta[idx]).requires_grad_(True)
        logits = model(xa)
        n_queries += len(idx)
        reached = logits.argmax(1) == target[idx]
        done = idx[reached]
        dist[done] = _lp(delta[done], norm)
        steps[done] = step
        active[done] = False
        if step == max_steps:
            break
        keep = ~reached
        if not keep.any():
            continue
        loss = F.cross_entropy(logits[keep].float(), target[idx][keep], reduction="sum")
        (grad,) = torch.autograd.grad(loss, xa)
        go = idx[keep]
        with torch.no_grad():
            delta[go] -= alpha * _descent_direction(grad[keep], norm, top_k)
            if clip is not None:
                delta[go] = (x0[go] + delta[go]).clamp(*clip) - x0[go]
    left = active.nonzero().squeeze(1)
    dist[left] = _lp(delta[left], norm).detach()
    return (dist.detach().cpu().numpy(), steps.cpu().numpy(), active.cpu().numpy(), n_queries)


# --------------------------------------------------------------------------- Blind Walk
def _draw_directions(norm: str, scale: float, n_directions: int, shape, g):
    """Random steps δ: uniform ±scale (L∞), N(0, scale²) (L2), Laplace(scale) (L1)."""
    import torch

    size = (n_directions, *shape)
    if norm == "linf":
        return (torch.rand(size, generator=g) * 2 - 1) * scale
    if norm == "l2":
        return torch.randn(size, generator=g) * scale
    sign = torch.randint(0, 2, size, generator=g).float() * 2 - 1
    return sign * -scale * torch.log1p(-torch.rand(size, generator=g))


def _label_function(model: Any) -> tuple[Callable, bool]:
    """A function from an input batch (tensor) to predicted labels; and whether it is an oracle."""
    import torch

    from stealkit.oracle import Oracle

    if isinstance(model, Oracle):
        if model.output == "leaf":
            raise ValueError("The 'model' oracle answers leaf ids; Blind Walk needs labels.")

        def ask(xb):
            answer = np.asarray(model(xb.detach().cpu().numpy()))
            if model.output == "proba":  # the top class, named as the oracle names its classes
                top = answer.argmax(1)
                return top if model.classes is None else model.classes[top]
            return answer

        return ask, True
    if isinstance(model, torch.nn.Module):

        def predict(xb):
            with torch.no_grad():
                return model(xb).argmax(1).cpu().numpy()

        return predict, False
    raise TypeError(
        "The 'model' parameter must be a torch.nn.Module or a stealkit Oracle. "
        f"Got {type(model).__name__}."
    )


def blind_walk(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    norms: Sequence[str] = NORMS,
    n_directions: int = 10,
    max_steps: int = 50,
    scales: Mapping[str, float] | None = None,
    clip: tuple[float, float] | None = None,
    batch_size: int = 4096,
    device: Any = None,
    rng: int | np.random.Generator | None = None,
    progress: bool = True,
) -> Embedding:
    """Label-only distance from each sample to the boundary along random directions, per norm.

    Maini et al. (2021), §5 (Blind Walk): for each norm draw ``n_directions``
    random steps δ (:data:`WALK_SCALES`) and, from each sample x, query
    x + kδ for k = 1, 2, … up to ``max_steps`` until the label differs from y;
    the distance is ‖kδ‖_p in the norm the noise was drawn for. Only labels are
    used, so ``model`` may be a label-only oracle; each step is one query.

    One difference from the public code, which draws new directions for
    every sample: here the same ``n_directions`` directions serve every
    sample, so a row depends on its sample only (permuting ``X`` permutes the
    rows; batch size and order do not matter) and, with the same ``rng``, a
    victim and a suspect are walked along the same directions. Given the
    directions, the rows are still independent across samples, which is what
    the t-test needs.

    Parameters
    ----------
    model : torch.nn.Module or Oracle
        A classifier (inputs to logits), run without gradients in eval mode
        on ``device``; or a :class:`~stealkit.oracle.Oracle` (labels, or
        probabilities reduced to their argmax), whose meter counts the queries.
    X : array-like or tensor of shape (n_samples, *input_shape)
        Float inputs, or uint8 images ``(n, H, W, C)`` (scaled to [0, 1]).
    y : array-like of shape (n_samples,), optional
        Labels the walk must leave (the true labels in the paper). Default:
        the model's own predictions (``n_samples`` more queries).
    norms : sequence of {"l1", "l2", "linf"}, default=("l1", "l2", "linf")
    n_directions : int, default=10
        Random directions per norm.
    max_steps : int, default=50
        Longest walk; a walk that never changes the label is censored and
        reported at step ``max_steps + 1``.
    scales : dict, optional
        Noise scale per norm; defaults :data:`WALK_SCALES` (calibrated in the
        paper for images in [0, 1]).
    clip : (float, float), optional
        Keep every query in this box. Default: no box, as the public code.
    batch_size : int, default=4096
        Queries per call of the model; finished walks are replaced at once by
        new ones so that batches stay full.
    device : torch device, optional
        For a torch model: default the device of its parameters.
    rng : int, Generator or None
        Draws the directions.
    progress : bool, default=True
        Show a tqdm progress bar (walks finished).

    Returns
    -------
    Embedding
        ``distances`` of shape ``(n_samples, n_norms, n_directions)`` and
        ``directions`` of shape ``(n_norms, n_directions, *input_shape)``.
    """
    import torch

    ask, is_oracle = _label_function(model)
    norms = _check_norms(norms)
    n_directions = check_int(n_directions, "n_directions", minimum=1)
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    scales = _check_sizes(scales, "scales", WALK_SCALES, norms)
    clip = _check_clip(clip)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    device = torch.device("cpu") if is_oracle else _resolve_device(device, model)
    X = _as_inputs(X).to(_param_dtype(model))
    n = len(X)
    if y is not None:
        y = _as_labels(y, n)
    rng = check_rng(rng)
    g = torch.Generator().manual_seed(int(rng.integers(2**62)))
    directions = torch.stack(
        [_draw_directions(nm, scales[nm], n_directions, X.shape[1:], g) for nm in norms]
    ).to(X.dtype)

    was_training = getattr(model, "training", False)
    if not is_oracle:
        model.eval()
    start, n_queries = time.perf_counter(), 0
    try:
        Xd, D = X.to(device), directions.to(device)
        if y is None:
            y = np.concatenate([ask(Xd[s : s + batch_size]) for s in range(0, n, batch_size)])
            n_queries += n
        steps = np.full((n, len(norms), n_directions), max_steps + 1, dtype=np.int32)
        # walks are numbered w = (i * n_norms + a) * n_directions + j
        n_walks = steps.size
        with _progress(n_walks, "Blind Walk", progress) as bar:
            queue = 0
            walk = np.empty(0, dtype=np.int64)
            k = np.empty(0, dtype=np.int64)
            while queue < n_walks or len(walk):
                new = np.arange(queue, min(n_walks, queue + batch_size - len(walk)))
                queue += len(new)
                walk = np.concatenate([walk, new])
                k = np.concatenate([k, np.ones(len(new), dtype=np.int64)])
                i, rest = np.divmod(walk, len(norms) * n_directions)
                a, j = np.divmod(rest, n_directions)
                kt = torch.as_tensor(k, dtype=X.dtype, device=device)
                step = D[torch.as_tensor(a, device=device), torch.as_tensor(j, device=device)]
                xq = Xd[torch.as_tensor(i, device=device)] + kt.view(-1, *[1] * (X.ndim - 1)) * step
                if clip is not None:
                    xq = xq.clamp(*clip)
                changed = np.asarray(ask(xq)) != y[i]
                n_queries += len(walk)
                finished = changed | (k >= max_steps)
                steps.reshape(-1)[walk[changed]] = k[changed]
                bar.update(int(finished.sum()))
                walk, k = walk[~finished], k[~finished] + 1
    finally:
        if not is_oracle:
            model.train(was_training)
    step_norms = np.stack(
        [_lp(directions[a], norm).numpy() for a, norm in enumerate(norms)]
    )  # (n_norms, n_directions)
    return Embedding(
        distances=steps * step_norms[None].astype(np.float64),
        steps=steps,
        censored=steps > max_steps,
        norms=norms,
        method="blind_walk",
        n_queries=n_queries,
        seconds=time.perf_counter() - start,
        directions=directions.numpy(),
    )
