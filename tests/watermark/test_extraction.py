import numpy as np
import pytest

from stealkit import Oracle, QueryBudgetExceeded
from stealkit.attacks import AttackResult
from stealkit.watermark.extraction import extract_mnist_copy
from stealkit.watermark.models import mnist_accuracy, mnist_cnn, predict, train_mnist_classifier


@pytest.fixture(scope="module")
def victim(toy_images):
    X, y = toy_images
    m = mnist_cnn(rng=0)
    train_mnist_classifier(m, X, y, epochs=4, batch_size=25, rng=0, progress=False)
    return m


@pytest.mark.parametrize("output", ["label", "proba"])
def test_copy_learns_the_victims_answers(victim, toy_images, output):
    X, y = toy_images
    api = Oracle.from_torch(victim, input_shape=(1, 28, 28), output=output)
    res = extract_mnist_copy(api, X, epochs=6, batch_size=25, query_batch=30, rng=1,
                             progress=False)
    assert res.n_queries == len(X) == api.n_queries and res.output == output
    assert np.mean(predict(res.model, X) == predict(victim, X)) > 0.9
    assert mnist_accuracy(res.model, X, y) > 0.9
    assert res.training.epochs == 6 and "queries" in repr(res)
    assert isinstance(res, AttackResult) and res.seconds > 0
    assert res.queries.shape == (len(X), 1, 28, 28) and len(res.answers) == len(X)
    fresh = Oracle.from_torch(victim, input_shape=(1, 28, 28), output=output)
    np.testing.assert_array_equal(res.answers, fresh(res.queries))


def test_same_rng_same_copy_and_class_names(victim, toy_images):
    X, _ = toy_images
    names = [f"digit {i}" for i in range(10)]
    copies = [
        extract_mnist_copy(
            Oracle.from_torch(victim, input_shape=(1, 28, 28), output="label", classes=names),
            X, epochs=1, batch_size=25, rng=4, progress=False,
        ).model
        for _ in range(2)
    ]
    assert (copies[0].fc2.weight == copies[1].fc2.weight).all()


def test_budget_is_checked_before_any_query(victim, toy_images):
    X, _ = toy_images
    api = Oracle.from_torch(victim, input_shape=(1, 28, 28), output="label", budget=50)
    with pytest.raises(QueryBudgetExceeded, match="Answering 100 more queries .* 50 remain"):
        extract_mnist_copy(api, X, progress=False)
    assert api.n_queries == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"oracle": "api"}, TypeError, "'oracle' parameter must be a stealkit.Oracle"),
        ({"epochs": 0}, ValueError, "'epochs' parameter must be an int >= 1. Got 0"),
        ({"lr": -1.0}, ValueError, "'lr' parameter must be a number > 0"),
        ({"query_batch": 0}, ValueError, "'query_batch' parameter"),
        ({"model": "cnn"}, TypeError, "'model' parameter must be a torch.nn.Module or None"),
        ({"X": np.zeros((3, 4))}, ValueError, "'X' parameter must hold grey images"),
    ],
)
def test_bad_arguments(victim, toy_images, kwargs, error, match):
    api = Oracle.from_torch(victim, input_shape=(1, 28, 28), output="label")
    args = {"oracle": api, "X": toy_images[0]} | kwargs
    with pytest.raises(error, match=match):
        extract_mnist_copy(args.pop("oracle"), args.pop("X"), progress=False, **args)
    assert api.n_queries == 0


def test_wrong_input_size_is_refused():
    api = Oracle(lambda X: np.zeros((len(X), 2)), n_features=5)
    with pytest.raises(ValueError, match="28×28 images"):
        extract_mnist_copy(api, np.zeros((2, 28, 28)), progress=False)
