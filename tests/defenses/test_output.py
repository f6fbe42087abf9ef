import numpy as np
import pytest

from stealkit.defenses import LabelsOnly, Rounding, TopK


@pytest.fixture
def P():
    return np.random.default_rng(0).dirichlet(np.ones(5), size=200)


@pytest.mark.parametrize(
    "defense", [Rounding(0), Rounding(1), Rounding(3), TopK(1), TopK(2), LabelsOnly()]
)
def test_keeps_the_top1_label(defense, P):
    """The victim's top-1 class stays a top-1 class (rounding may only add ties)."""
    out = defense(P)
    assert out.shape == P.shape
    top = P.argmax(1)
    np.testing.assert_array_equal(out[np.arange(len(P)), top], out.max(1))


def test_top1_label_is_unique_without_rounding(P):
    for d in (TopK(1), TopK(3), LabelsOnly(), Rounding(8)):
        np.testing.assert_array_equal(d(P).argmax(1), P.argmax(1))


def test_rounding_values(P):
    np.testing.assert_array_equal(Rounding(2)(P), np.round(P, 2))
    assert Rounding(0)(np.array([[0.49, 0.51]])).tolist() == [[0.0, 1.0]]


def test_topk_zeroes_the_rest():
    P = np.array([[0.1, 0.5, 0.3, 0.1]])
    np.testing.assert_array_equal(TopK(2)(P), [[0.0, 0.5, 0.3, 0.0]])
    np.testing.assert_array_equal(TopK(10)(P), P)
    # ties keep the lower class index, like argmax
    np.testing.assert_array_equal(TopK(1)(np.array([[0.4, 0.4, 0.2]])), [[0.4, 0.0, 0.0]])


def test_labels_only_is_one_hot(P):
    out = LabelsOnly()(P)
    np.testing.assert_array_equal(out.sum(1), 1.0)
    assert set(np.unique(out)) == {0.0, 1.0}


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: Rounding(-1),
            ValueError,
            "'decimals' parameter must be an int >= 0. Got -1",
        ),
        (lambda: Rounding(True), TypeError, "'decimals'"),
        (lambda: TopK(0), ValueError, "'k' parameter must be an int >= 1. Got 0"),
        (lambda: TopK(1.5), TypeError, "'k' parameter"),
    ],
)
def test_bad_parameters(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_input():
    with pytest.raises(ValueError, match="2-D array of probability vectors. Got shape"):
        TopK(1)(np.ones(3))


def test_reverse_sigmoid_formula_and_rows_sum_to_one(P):
    from scipy.special import expit, logit

    from stealkit.defenses import ReverseSigmoid

    out = ReverseSigmoid(beta=0.3, gamma=0.5)(P)
    raw = np.clip(P - 0.3 * (expit(0.5 * logit(P)) - 0.5), 0, None)
    np.testing.assert_allclose(out, raw / raw.sum(1, keepdims=True))
    np.testing.assert_allclose(out.sum(1), 1.0)


@pytest.mark.parametrize("beta, gamma", [(0.01, 0.5), (0.5, 0.5), (0.9, 1.0), (0.99, 0.1)])
def test_reverse_sigmoid_keeps_the_binary_label(beta, gamma):
    """Two classes, beta < 1, gamma <= 1: q1 - q0 has the sign of p1 - p0."""
    from stealkit.defenses import ReverseSigmoid

    p = np.random.default_rng(3).uniform(size=20_000)
    P = np.c_[1 - p, p]
    np.testing.assert_array_equal(ReverseSigmoid(beta, gamma)(P).argmax(1), P.argmax(1))


def test_reverse_sigmoid_breaks_the_logit_linearity():
    """Equation solving reads log-odds; the defence bends them (zero only at p = 1/2)."""
    from stealkit.defenses import ReverseSigmoid

    z = np.linspace(-6, 6, 13)
    p = 1 / (1 + np.exp(-z))
    q = ReverseSigmoid(beta=0.2, gamma=0.5)(np.c_[1 - p, p])[:, 1]
    read = np.log(q / (1 - q))
    assert read[6] == pytest.approx(0.0, abs=1e-12)
    assert np.abs(read - z).max() > 1.0


@pytest.mark.parametrize("kwargs", [dict(beta=0, gamma=1), dict(beta=1, gamma=-1),
                                    dict(beta=np.inf, gamma=1)])
def test_reverse_sigmoid_bad_parameters(kwargs):
    from stealkit.defenses import ReverseSigmoid

    with pytest.raises(ValueError):
        ReverseSigmoid(**kwargs)
