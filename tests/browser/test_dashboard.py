"""The instructor's dashboard in headless Chromium: log in, see the keys, see a submission land."""

import numpy as np
import pytest

from stealkit import HTTPOracle
from stealkit.attacks import extract_softmax
from stealkit.service.local import LocalService


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with LocalService(tmp_path_factory.mktemp("dash") / "ledger.db") as s:
        yield s


def test_dashboard_login_keys_and_leaderboard(service, page, artifacts, report):
    keys = service.keys("alice", "bob", budget=2000)
    alice = HTTPOracle(service.url, "adult-softmax", api_key=keys["alice"])
    alice(np.zeros((3, 105)))

    page.goto(service.url + "/dashboard")
    page.fill("input[name=key]", "sk-wrong")
    page.click("button[type=submit]")
    assert "not known" in page.inner_text("body")
    page.fill("input[name=key]", service.instructor)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Instructor dashboard")
    body = page.inner_text("body")
    assert "alice" in body and "bob" in body and "No submission yet" in body
    assert service.instructor not in page.content()  # the key never lands in the page
    page.screenshot(path=str(artifacts / "dashboard_before.png"), full_page=True)

    stolen = extract_softmax(alice, n_features=105, n_classes=5, n_queries=530, rng=0)
    alice.submit(stolen.model.predict(alice.challenge()))
    # the page refreshes itself every 5 seconds: the entry appears without a click
    page.wait_for_selector("text=No submission yet", state="detached", timeout=15_000)
    row = page.locator("table").nth(1).locator("tbody tr").first.inner_text()
    assert "alice" in row and "adult-softmax" in row
    assert "533" in page.locator("table").first.inner_text()  # 3 + 530 queries
    page.screenshot(path=str(artifacts / "dashboard_after.png"), full_page=True)
    assert not page.errors
    report["dashboard"] = {"logged_in": True, "keys_seen": ["alice", "bob"],
                           "leaderboard_row": row}
