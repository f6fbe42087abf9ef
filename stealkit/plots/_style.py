"""The course's palette and the helpers every plot module shares.

One colour per role, the same in every notebook: the victim is always
:data:`VICTIM`, the extracted model :data:`EXTRACTED`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

#: Colour of the victim f in every figure of the course.
VICTIM = "#1f4e79"
#: Colour of the extracted model f̂ in every figure of the course.
EXTRACTED = "#e66100"
#: Colour of the attacker's queries.
QUERIES = "#222222"
#: Light fills for class regions (colour-blind safe).
CLASS_COLORS = ("#a6cee3", "#fdbf6f", "#b2df8a", "#cab2d6", "#fb9a99", "#ffff99")
#: Colour of the public samples S₀ (the victim's private samples S use VICTIM).
PUBLIC = "#8c8c8c"
#: Colour of a seed whose measurement falls short of the paper's figure.
SHORT = "#b2182b"
#: Watermarked inputs and target-class inputs (notebook 04).
WATERMARKED = "#d62728"
TARGET = "#2ca02c"
#: Models trained without the watermark (notebook 04).
CLEAN = "#7f7f7f"


def _ax(ax: Axes | None) -> Axes:
    """The Axes to draw on: ``ax``, or the current one."""
    return plt.gca() if ax is None else ax


def _check_bounds(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    """``bounds`` as four floats (x_min, x_max, y_min, y_max), each min below its max."""
    if len(bounds) != 4 or not (bounds[0] < bounds[1] and bounds[2] < bounds[3]):
        raise ValueError(
            f"'bounds' must be (x_min, x_max, y_min, y_max) with min < max. Got {bounds}."
        )
    return tuple(float(b) for b in bounds)
