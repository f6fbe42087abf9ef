"""Serving from a TOML file: course victims by name and saved models in formats without pickle."""

import pickle

import httpx
import numpy as np
import pytest
import skops.io as sio
import torch
from sklearn.linear_model import LogisticRegression

from stealkit.service.deployments import load_config
from stealkit.service.local import LocalService
from stealkit.watermark.models import mnist_cnn


@pytest.fixture
def saved(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (200, 4))
    model = LogisticRegression().fit(X, (X[:, 0] > X[:, 1]).astype(int))
    sio.dump(model, tmp_path / "lr.skops")
    torch.save(mnist_cnn(rng=1).state_dict(), tmp_path / "cnn.pt")
    with open(tmp_path / "lr.pkl", "wb") as f:
        pickle.dump(model, f)
    return tmp_path, model, X


def write(folder, text):
    (folder / "service.toml").write_text(text)
    return folder / "service.toml"


def test_saved_models_answer_as_the_originals(saved):
    folder, model, X = saved
    service, deployments = load_config(write(folder, """
[service]
detector = "block"
[[models]]
name = "lr"
file = "lr.skops"
price = 0.001
[[models]]
name = "cnn"
file = "cnn.pt"
architecture = "mnist_cnn"
output = "label"
[[models]]
name = "tree-labels"
victim = "german-tree"
output = "label"
"""))
    assert service == {"detector": "block"}
    np.testing.assert_array_equal(deployments["lr"].oracle(X), model.predict_proba(X))
    assert deployments["lr"].price == 0.001 and deployments["lr"].n_features == 4
    images = np.random.default_rng(2).uniform(0, 1, (5, 784))
    net = mnist_cnn(rng=1).eval()
    with torch.no_grad():
        expected = net(torch.tensor(images, dtype=torch.float32).reshape(-1, 1, 28, 28))
    np.testing.assert_array_equal(deployments["cnn"].oracle(images), expected.argmax(1).numpy())
    assert deployments["tree-labels"].output == "label"


@pytest.mark.parametrize("text, match", [
    ('[[models]]\nname = "x"\nfile = "lr.pkl"\n', "never pickle"),
    ('[[models]]\nname = "x"\nfile = "cnn.pt"\n', "architecture"),
    ('[[models]]\nname = "x"\nfile = "missing.skops"\n', "no file"),
    ('[[models]]\nname = "x"\nvictim = "gpt"\n', "Unknown course victim"),
    ('[[models]]\nname = "x"\ncolour = "red"\n', "may hold"),
    ('[[models]]\nname = "x"\nvictim = "german-tree"\noutput = "proba"\n', "'leaf' or 'label'"),
    ('[service]\nport = 1\n', "at least one"),
    ('[[models]\nname = "x"', "not valid TOML"),
])
def test_bad_configurations_are_refused_clearly(saved, text, match):
    folder, _, _ = saved
    with pytest.raises((ValueError, FileNotFoundError), match=match):
        load_config(write(folder, text))


def test_serve_a_config_file(saved):
    folder, model, X = saved
    config = write(folder, '[service]\nrate_limit = 0\n[[models]]\nname = "lr"\nfile = "lr.skops"\n')
    with LocalService(folder / "ledger.db", config=config) as service:
        key = service.keys("a")["a"]
        r = httpx.post(f"{service.url}/v1/models/lr/predict", json={"rows": X[:3].tolist()},
                       headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200
        np.testing.assert_allclose(r.json()["answers"], model.predict_proba(X[:3]))


def test_course_victims_with_output_defences(tmp_path):
    from stealkit.defenses import ReverseSigmoid

    _, deployments = load_config(write(tmp_path, """
[[models]]
name = "digits"
victim = "digits-softmax"
reverse_sigmoid = [0.2, 0.5]
decimals = 3
"""))
    d = deployments["digits"]
    assert d.n_features == 64 and len(d.oracle.classes) == 10
    assert isinstance(d.oracle.defenses[0], ReverseSigmoid) and len(d.oracle.defenses) == 2
    P = d.oracle(d.challenge_test[:20])
    np.testing.assert_array_equal(P.argmax(1), d.label(d.challenge_test[:20]))  # labels kept
    assert np.all(np.round(P, 3) == P)
    with pytest.raises(ValueError, match=r"\[beta, gamma\]"):
        load_config(write(tmp_path, '[[models]]\nname = "d"\nvictim = "digits-softmax"\n'
                                    'reverse_sigmoid = 0.2\n'))
