"""One exported deck (`make slides`), opened from disk as an instructor presents it offline."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.browser.conftest import ROOT


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    if shutil.which("npm") is None:
        pytest.skip("npm (Node.js) is not installed: `make slides` needs it for reveal.js and MathJax")
    out = tmp_path_factory.mktemp("slides")
    subprocess.run(["make", "-s", "slides", f"SLIDES_DIR={out}"], cwd=ROOT, check=True,
                   capture_output=True)
    return out


def test_a_deck_presents_offline(decks, page, artifacts):
    deck = decks / "00_prediction_apis.slides.html"
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(deck.as_uri())
    page.wait_for_selector(".reveal.ready", state="attached", timeout=60_000)
    page.screenshot(path=str(artifacts / "slides_00_title.png"))
    slides = page.evaluate("() => document.querySelectorAll('.reveal .slides > section').length")
    assert slides >= 6
    # Maths is typeset (MathJax from _static/, not a CDN) ...
    page.wait_for_function("() => document.querySelectorAll('.MathJax_CHTML').length > 0",
                           timeout=60_000)
    # ... and the stored widget renders as a widget, not as 'VBox(children=...)'.
    page.wait_for_selector(".jupyter-widgets.widget-vbox", state="attached", timeout=60_000)
    assert "VBox(children=" not in page.evaluate("() => document.querySelector('.reveal').textContent")
    where = page.evaluate("""() => {
      const w = document.querySelector('.jupyter-widgets.widget-vbox').closest('section');
      const top = w.parentElement.closest('section') || w;
      const h = Array.from(document.querySelectorAll('.reveal .slides > section')).indexOf(top);
      const v = top === w ? 0 : Array.from(top.querySelectorAll(':scope > section')).indexOf(w);
      return `#/${h}/${v}`; }""")
    page.evaluate(f"() => {{ location.hash = '{where}'; }}")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "slides_00_widget.png"))
    remote = [u for u in requests if u.startswith("http")]
    assert not remote, f"the deck fetched from the network: {remote[:5]}"
    assert not page.errors, page.errors


def test_rise_presents_the_core_path_live(lab, page, artifacts):
    # jupyterlab-rise's own page (the RISE button opens it): the notebook as a live slideshow.
    page.goto(f"{lab.url}/rise/01_equation_solving.ipynb?token={lab.token}")
    page.wait_for_selector(".reveal .slides section", state="attached", timeout=120_000)
    page.wait_for_function("() => window.document.querySelector('.reveal.ready')", timeout=60_000)
    slides = page.evaluate("() => document.querySelectorAll('.reveal .slides > section').length")
    screens = page.evaluate("() => document.querySelectorAll('.reveal .slides section').length")
    # The title and the core path's three ## sections are slides; the deep dives are skipped.
    assert slides >= 4 and screens >= 10, (slides, screens)
    assert "Deep dive" not in page.inner_text(".reveal .slides")
    page.screenshot(path=str(artifacts / "rise_01_title.png"))
    assert not page.errors, page.errors
