from types import SimpleNamespace

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pytest

from stealkit.widgets import interactive_snnl, interactive_watermark_ownership


def test_interactive_snnl_redraws_with_the_new_separation():
    import torch

    from stealkit.watermark.analysis import toy_clusters
    from stealkit.watermark.snnl import snnl

    def drawn_snnl():
        return float(plt.gcf().axes[0].get_title().rsplit("SNNL = ", 1)[1])

    w = interactive_snnl(n_samples=10)
    assert isinstance(w, W.Widget)
    separation = w.children[0].children[0]
    close = drawn_snnl()
    separation.value = 6.0
    ax = plt.gcf().axes[0]
    assert ax.get_title().startswith("separation 6, T = 1: SNNL = ")
    # The figure shows the clusters at the new separation and their SNNL at T = 1.
    c = toy_clusters(separation=6.0, n_samples=10, rng=0)
    target, marked = ax.collections
    np.testing.assert_array_equal(target.get_offsets(), c.X[c.y == 0])
    np.testing.assert_array_equal(marked.get_offsets(), c.X[c.y == 1])
    assert drawn_snnl() == pytest.approx(float(snnl(torch.as_tensor(c.X), c.y, 1.0)), abs=5e-4)
    assert drawn_snnl() < close  # clusters pulled apart entangle less


def test_interactive_watermark_ownership_reads_the_p_value_at_m(capsys):
    v = SimpleNamespace(sizes=np.array([1, 2, 3]), significance=0.05, queries_needed=2,
                        p_values=np.array([[0.5, 0.3, 0.4], [0.01, 0.02, 0.03], [0.0, 0.0, 1e-3]]))
    w = interactive_watermark_ownership({"copy": v})
    m = w.children[0]
    assert m.value == 3 and "median p = 0 with 3 queries → stolen" in capsys.readouterr().out
    m.value = 1
    assert "median p = 0.4 with 1 queries → inconclusive" in capsys.readouterr().out
    with pytest.raises(ValueError, match="non-empty dict"):
        interactive_watermark_ownership({})
