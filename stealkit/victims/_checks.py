"""Argument checks shared by the victims' ``fit`` methods."""

from __future__ import annotations

import numpy as np


def check_Xy(X, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (len(X),):
        raise ValueError(
            f"'X' must be 2-D and 'y' hold one label per row. Got shapes {X.shape} and {y.shape}."
        )
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"'y' must hold at least two classes. Got {classes.tolist()}.")
    return X, codes, classes
