"""Adversarial examples crafted on a white-box copy and sent to the victim (transfer).

"My model was stolen: so what?" A stolen copy is a white-box model: the
thief can follow its gradients. FGSM (Goodfellow, Shlens and Szegedy, ICLR
2015) takes one step of size ε along the sign of the loss gradient; PGD
(Madry et al., ICLR 2018) takes many small steps, projecting back into the
L∞ ball of radius ε after each. Examples that fool the copy often fool the
victim too (Papernot et al., AsiaCCS 2017): the better the copy's fidelity,
the more of them transfer.

Threat model: the attacker holds a torch model of its own (a stolen copy or
an independently trained one) and inputs with their true labels; it sends
the perturbed inputs to the victim's API, one query each, and sees the
victim's answers. Pixels stay in [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from stealkit._torch import check_module, device_of, evaluating
from stealkit._validation import check_int, check_oracle, check_real, check_rng
from stealkit.oracle import Oracle

__all__ = ["fgsm", "pgd", "adversarial_success"]


def _inputs(X: Any) -> torch.Tensor:
    try:
        arr = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"The 'X' parameter must be a numeric array of inputs: {exc}") from None
    if arr.ndim < 2 or len(arr) == 0:
        raise ValueError(f"The 'X' parameter must have shape (n, ...) with n >= 1. "
                         f"Got shape {arr.shape}.")
    if not np.isfinite(arr).all() or arr.min() < 0 or arr.max() > 1:
        raise ValueError("The 'X' parameter must hold finite values in [0, 1].")
    return torch.from_numpy(arr)


def _goal(y: Any, target: Any, n: int) -> tuple[torch.Tensor, float]:
    """The labels to move away from (sign +1) or towards (sign −1)."""
    if (y is None) == (target is None):
        raise ValueError("Give exactly one of 'y' (untargeted: move away from the true labels) "
                         "and 'target' (targeted: move towards these labels).")
    name, labels = ("y", y) if target is None else ("target", target)
    labels = np.asarray(labels)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"The '{name}' parameter must hold {n} integer labels, one per input. "
                         f"Got {labels.dtype} of shape {labels.shape}.")
    return torch.from_numpy(labels.astype(np.int64)), (1.0 if target is None else -1.0)


def _dtype(model: nn.Module) -> torch.dtype:
    param = next(model.parameters(), None)
    return torch.float32 if param is None else param.dtype


def _gradient_sign(model, x, labels, sign) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), labels, reduction="sum")
    (grad,) = torch.autograd.grad(loss, x)
    return sign * grad.sign()


def fgsm(
    model: nn.Module, X: Any, *, epsilon: float, y: Any = None, target: Any = None
) -> np.ndarray:
    """One step of size ``epsilon`` along the sign of the loss gradient (Goodfellow et al. 2015).

    Parameters
    ----------
    model : torch.nn.Module
        The attacker's white-box model (inputs to logits).
    X : array-like of shape (n, ...)
        Inputs in [0, 1], in the model's input shape.
    epsilon : float
        The L∞ size of the perturbation, in (0, 1].
    y, target : array-like of int, shape (n,)
        Exactly one: the true labels (untargeted: raise their loss) or the
        labels to reach (targeted: lower theirs).

    Returns
    -------
    ndarray
        The adversarial inputs, float32, same shape as ``X``, in [0, 1].
    """
    model = check_module(model)
    x = _inputs(X).to(_dtype(model))
    epsilon = check_real(epsilon, "epsilon", low=0.0, high=1.0, include_low=False)
    labels, sign = _goal(y, target, len(x))
    device = device_of(model)
    out = []
    with evaluating(model):
        for s in range(0, len(x), 512):
            xb, lb = x[s : s + 512].to(device), labels[s : s + 512].to(device)
            out.append((xb + epsilon * _gradient_sign(model, xb, lb, sign)).clamp(0, 1).cpu())
    return torch.cat(out).detach().float().numpy()


def pgd(
    model: nn.Module,
    X: Any,
    *,
    epsilon: float,
    y: Any = None,
    target: Any = None,
    n_steps: int = 20,
    step_size: float | None = None,
    random_start: bool = True,
    rng: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Projected gradient descent in the L∞ ball of radius ``epsilon`` (Madry et al. 2018).

    ``n_steps`` signed-gradient steps of ``step_size`` (default 2.5 ε /
    ``n_steps``), each followed by a projection onto the ball around ``X``
    and onto [0, 1]; with ``random_start`` the walk begins at a uniform point
    of the ball drawn from ``rng``. Parameters otherwise as :func:`fgsm`.
    """
    model = check_module(model)
    x = _inputs(X).to(_dtype(model))
    epsilon = check_real(epsilon, "epsilon", low=0.0, high=1.0, include_low=False)
    labels, sign = _goal(y, target, len(x))
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    step_size = (2.5 * epsilon / n_steps if step_size is None
                 else check_real(step_size, "step_size", low=0.0, include_low=False))
    g = torch.Generator().manual_seed(int(check_rng(rng).integers(2**62)))
    device = device_of(model)
    out = []
    with evaluating(model):
        for s in range(0, len(x), 512):
            x0, lb = x[s : s + 512].to(device), labels[s : s + 512].to(device)
            xa = x0.clone()
            if random_start:
                noise = torch.rand(x0.shape, generator=g, dtype=x0.dtype) * 2 - 1
                xa = (x0 + epsilon * noise.to(device)).clamp(0, 1)
            for _ in range(n_steps):
                xa = xa + step_size * _gradient_sign(model, xa, lb, sign)
                xa = torch.min(torch.max(xa, x0 - epsilon), x0 + epsilon).clamp(0, 1)
            out.append(xa.detach().cpu())
    return torch.cat(out).float().numpy()


def adversarial_success(oracle: Oracle, X_adv: Any, *, y: Any = None, target: Any = None) -> float:
    """Share of ``X_adv`` on which the victim's label is not ``y`` (or is ``target``).

    One query per input, to an oracle answering labels or probabilities (its
    label is then the most probable class, classes numbered 0 … c − 1).
    """
    oracle = check_oracle(oracle, output=("label", "proba"))
    x = _inputs(X_adv)
    labels, sign = _goal(y, target, len(x))
    answers = np.asarray(oracle(x.numpy()))
    predicted = answers.argmax(1) if oracle.output == "proba" else answers.astype(np.int64)
    hit = predicted == labels.numpy()
    return float(np.mean(~hit if sign > 0 else hit))
