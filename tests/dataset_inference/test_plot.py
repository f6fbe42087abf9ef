import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from stealkit import plots  # noqa: E402
from stealkit.dataset_inference import _plot, blind_walk, p_value_curve  # noqa: E402


class _Threshold(torch.nn.Module):
    """Class 1 where the mean pixel exceeds 0.5: a boundary known exactly."""

    def forward(self, x):
        s = x.flatten(1).mean(1, keepdim=True) - 0.5
        return torch.cat([-s, s], 1)


def test_plot_walks_shows_each_sample_and_where_its_walk_ended():
    X = np.full((3, 8, 8, 3), 100, dtype=np.uint8)  # mean 0.39: class 0
    e = blind_walk(_Threshold(), X, n_directions=1, norms=("linf",), max_steps=5, rng=0,
                   progress=False)
    fig = _plot.plot_walks(X, e, norm="linf", titles=["a", "b", "c"])
    axes = fig.axes
    assert len(axes) == 6 and [ax.get_title() for ax in axes[:3]] == ["a", "b", "c"]
    assert all(ax.get_title().startswith("k = ") for ax in axes[3:])
    plt.close(fig)
    with pytest.raises(ValueError, match="'norm' must be one of"):
        _plot.plot_walks(X, e, norm="l2")


def test_plot_distances_and_zoo_p_values():
    rng = np.random.default_rng(0)
    fig, ax = plt.subplots()
    out = _plot.plot_distances(rng.lognormal(1, 1, (20, 3, 2)), rng.lognormal(0, 1, (20, 3, 2)),
                               ax=ax)
    assert out is ax and ax.get_yscale() == "log" and len(ax.get_xticklabels()) == 3
    plt.close(fig)

    curves = {name: p_value_curve(rng.normal(shift, 1, 60), rng.normal(0, 1, 60),
                                  sizes=(2, 10, 50), n_draws=5, rng=0)
              for name, shift in (("V", 2.0), ("independent", 0.0))}
    fig, ax = plt.subplots()
    _plot.plot_zoo_p_values(curves, labels={"V": "V source", "independent": "I independent"},
                            ax=ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["V source", "I independent"]
    assert sorted(t.get_text() for t in ax.texts) == [" α = 0.01", " α = 0.05"]
    assert ax.get_lines()[0].get_color() == _plot.member_color("V source") == plots.VICTIM
    plt.close(fig)
