"""The live service, end to end: real HTTP, a real SQLite ledger, the course's attacks."""

import itertools

import httpx
import numpy as np
import pytest

from stealkit import HTTPOracle, QueryBudgetExceeded, ServiceError, datasets, metrics
from stealkit.attacks import extract_softmax
from stealkit.attacks.path_finding import extract_tree
from stealkit.paper.equation_solving import load_table4_data, table4_victim
from stealkit.victims import DecisionTree

names = (f"student{i}" for i in itertools.count())


def post(server, key, rows, *, model="adult-softmax", headers=None, **kw):
    return httpx.post(f"{server.url}/v1/models/{model}/predict", timeout=30,
                      headers={"Authorization": f"Bearer {key}", **(headers or {})},
                      json={"rows": rows} if rows is not None else None, **kw)


def test_equation_solving_over_http_and_the_ledger(server):
    name = next(names)
    key = server.keys(name)[name]
    api = HTTPOracle(server.url, "adult-softmax", api_key=key)
    assert api.n_features == 105 and api.output == "proba" and len(api.classes) == 5
    result = extract_softmax(api, n_features=105, n_classes=5, n_queries=530, rng=0)
    assert api.n_queries == 530 and api.cost == pytest.approx(530 * 1e-4)
    assert server.charged()[name] == 530
    # the copy answers as the service does, on 2,000 test rows asked with another key
    race = load_table4_data(rng=0)
    judge = next(names)
    truth = HTTPOracle(server.url, "adult-softmax", api_key=server.keys(judge)[judge])
    X = race.X_test[:2000]
    assert (result.model.predict(X) == api.classes[truth(X).argmax(1)]).all()
    # and with the course's victim refitted here (a fit in another process may differ in its
    # last digits, which moves a handful of test points)
    victim = table4_victim("softmax", race, rng=0)
    assert metrics.extraction_accuracy(victim, result.model, race.X_test) > 0.999


def test_path_finding_over_http(server):
    name = next(names)
    api = HTTPOracle(server.url, "german-tree", api_key=server.keys(name)[name])
    german = datasets.load_german_credit(raw=True, rng=0)
    tree = DecisionTree(features=german.features, max_leaf_nodes=26).fit(german.X_train,
                                                                        german.y_train)
    found = extract_tree(api, german.features, incomplete_queries=True, rng=0)
    assert found.model.n_leaves == tree.n_leaves
    assert server.charged()[name] == api.n_queries == found.n_queries


def test_budget_is_never_overrun_and_a_refused_batch_costs_nothing(server):
    name = next(names)
    key = server.keys(name, budget=10)[name]
    api = HTTPOracle(server.url, "adult-softmax", api_key=key)
    api(np.zeros((6, 105)))
    with pytest.raises(QueryBudgetExceeded, match="6 of 10 are spent"):
        api(np.zeros((5, 105)))  # refused by the service (402), raised by the client
    r = post(server, key, np.zeros((5, 105)).tolist())
    assert r.status_code == 402
    assert r.json()["budget"] == 10 and r.json()["spent"] == 6 and r.json()["requested"] == 5
    assert server.charged()[name] == 6


def test_idempotent_retry_is_answered_once_and_charged_once(server):
    name = next(names)
    key = server.keys(name)[name]
    rows = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 105)).tolist()
    first = post(server, key, rows, headers={"Idempotency-Key": "abc"}).json()
    again = post(server, key, rows, headers={"Idempotency-Key": "abc"}).json()
    assert again["replayed"] and not first["replayed"]
    assert again["answers"] == first["answers"]
    assert server.charged()[name] == 3
    other = post(server, key, rows[:1], headers={"Idempotency-Key": "abc"})
    assert other.status_code == 409 and server.charged()[name] == 3


@pytest.mark.parametrize("case, status, error", [
    ("malformed json", 400, "malformed_json"),
    ("wrong feature count", 422, "wrong_feature_count"),
    ("nan for probabilities", 422, "missing_values"),
    ("non numeric", 422, "non_numeric"),
    ("empty rows", 422, "bad_rows"),
    ("batch over the limit", 413, "batch_too_large"),
    ("body too large", 413, "body_too_large"),
    ("unknown model", 404, "unknown_model"),
    ("missing key", 401, "missing_key"),
    ("unknown key", 401, "unknown_key"),
])
def test_bad_input_gets_a_clear_4xx_and_the_ledger_does_not_move(server, case, status, error):
    name = next(names)
    key = server.keys(name)[name]
    good = [[0.0] * 105]
    url = f"{server.url}/v1/models/adult-softmax/predict"
    auth = {"Authorization": f"Bearer {key}"}
    if case == "malformed json":
        r = httpx.post(url, content=b'{"rows": [[1, 2', headers=auth)
    elif case == "wrong feature count":
        r = post(server, key, [[0.0] * 104])
    elif case == "nan for probabilities":
        r = post(server, key, [[None] + [0.0] * 104])
    elif case == "non numeric":
        r = post(server, key, [["a"] + [0.0] * 104])
    elif case == "empty rows":
        r = post(server, key, [])
    elif case == "batch over the limit":
        r = post(server, key, good * 10_001)
    elif case == "body too large":
        r = httpx.post(url, content=b"[" + b"0," * 5_000_000 + b"0]", headers=auth, timeout=30)
    elif case == "unknown model":
        r = post(server, key, good, model="gpt-5")
    elif case == "missing key":
        r = httpx.post(url, json={"rows": good})
    else:
        r = post(server, "sk-not-a-key", good)
    assert r.status_code == status, r.text
    assert r.json()["error"] == error and r.json()["message"]
    assert server.charged()[name] == 0
    assert post(server, key, good).status_code == 200  # and the server keeps serving


def test_revoked_and_reset_keys_and_instructor_only_endpoints(server):
    a, b = next(names), next(names)
    keys = server.keys(a, b)
    post(server, keys[a], [[0.0] * 105])
    assert httpx.get(f"{server.url}/v1/admin/usage",
                     headers={"Authorization": f"Bearer {keys[a]}"}).status_code == 403
    assert server.admin("POST", "/v1/admin/keys/revoke", json={"names": [b]}).status_code == 200
    r = post(server, keys[b], [[0.0] * 105])
    assert r.status_code == 403 and r.json()["error"] == "revoked_key"
    server.admin("POST", "/v1/admin/keys/reset", json={"names": [a]})
    usage = httpx.get(f"{server.url}/v1/usage", headers={"Authorization": f"Bearer {keys[a]}"})
    assert usage.json()["queries"] == 0 and "key" not in usage.json()
    assert server.charged()[a] == 1  # the ledger keeps the charge that was answered


def test_the_detector_warns_on_a_line_search(server):
    name = next(names)
    key = server.keys(name)[name]
    a, b = np.full(105, -0.5), np.full(105, 0.5)
    rows = [(a + t * (b - a)).tolist()
            for t in np.concatenate([0.5 + 0.5 ** np.arange(1, 30) * s for s in (1, -1)] * 3)]
    r = post(server, key, rows)
    assert r.status_code == 200 and "alarm after" in r.headers["x-stealkit-detector"]
    usage = httpx.get(f"{server.url}/v1/usage", headers={"Authorization": f"Bearer {key}"}).json()
    assert usage["detector"]["alarm"] and usage["detector"]["alarm_at"] <= len(rows)


def test_leaderboard_scores_a_stolen_copy(server):
    name = next(names)
    api = HTTPOracle(server.url, "adult-softmax", api_key=server.keys(name)[name])
    stolen = extract_softmax(api, n_features=105, n_classes=5, n_queries=530, rng=0)
    scores = api.submit(stolen.model.predict(api.challenge()))
    assert scores["1-R_test"] == 1.0 and scores["1-R_unif"] == 1.0
    board = server.admin("GET", "/v1/leaderboard").json()["leaderboard"]
    assert any(r["name"] == name and r["fidelity_test"] == 1.0 for r in board)
    with pytest.raises(ServiceError, match="one label for each"):
        api.submit([0, 1])


def test_one_key_on_two_models_keeps_a_detector_per_model(server):
    name = next(names)
    key = server.keys(name)[name]
    assert post(server, key, [[0.0] * 105]).status_code == 200
    r = post(server, key, [[None] * 20, [1.0] * 20], model="german-tree")
    assert r.status_code == 200 and len(r.json()["answers"]) == 2
    assert post(server, key, [[0.5] * 105]).status_code == 200
    assert server.charged()[name] == 4


def test_a_batch_sent_in_parts_is_refused_whole(server):
    name = next(names)
    api = HTTPOracle(server.url, "adult-softmax", api_key=server.keys(name, budget=25)[name],
                     batch_size=10)
    with pytest.raises(QueryBudgetExceeded, match="0 of 25 are spent"):
        api(np.zeros((26, 105)))
    assert server.charged()[name] == 0
    assert api(np.zeros((25, 105))).shape == (25, 5)
    assert server.charged()[name] == 25


def test_instructor_creates_keys_from_a_csv(server):
    r = server.admin("POST", "/v1/admin/keys?budget=50&price=0.01",
                     content=b"name\ncsv_ann\ncsv_ben\n", headers={"Content-Type": "text/csv"})
    assert r.status_code == 200
    lines = r.json()["csv"].splitlines()
    assert lines[0] == "name,key" and [line.split(",")[0] for line in lines[1:]] == [
        "csv_ann", "csv_ben"]
    key = lines[1].split(",")[1]
    usage = httpx.get(f"{server.url}/v1/usage", headers={"Authorization": f"Bearer {key}"})
    assert usage.json()["budget"] == 50 and usage.json()["name"] == "csv_ann"
    again = server.admin("POST", "/v1/admin/keys", content=b"csv_ann\n",
                         headers={"Content-Type": "text/csv"})
    assert again.status_code == 422 and "already exist" in again.json()["message"]
