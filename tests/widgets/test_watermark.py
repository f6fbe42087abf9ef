from types import SimpleNamespace

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pytest

from stealkit.widgets import interactive_snnl, interactive_watermark_ownership


def test_interactive_snnl_redraws_with_the_new_separation():
    w = interactive_snnl(n_samples=10)
    assert isinstance(w, W.Widget)
    separation = w.children[0].children[0]
    separation.value = 6.0
    assert plt.gcf().axes[0].get_title().startswith("separation 6, T = 1: SNNL = ")


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
