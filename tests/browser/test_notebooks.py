"""Every notebook, opened and run in JupyterLab in a real browser, as a student runs it.

For each notebook: its first screen, its stored widgets (rendered before anything
runs), the page read as a student reads it (maths, lists, leftover markup,
figure text size), a full run with no error, and every widget control moved
once (and back) with its output changing. Screenshots and a report with the
timings go to artifacts/browser/.
"""

from __future__ import annotations

import time

import pytest

from stealkit.course import STYLE
from tests import nbval_memory
from tests.browser import _page as P
from tests.browser.conftest import NOTEBOOKS

RUN_TIMEOUT = 15 * 60  # seconds for a whole notebook
CHANGE_TIMEOUT = 10  # "within a few seconds" of moving a control
READABLE_PX = 9  # smallest text height, in screen pixels, we accept in a figure
FONT_PT = min(v for k, v in STYLE.items() if k.endswith(("size", "labelsize", "titlesize"))
              and isinstance(v, (int, float)))
DPI = STYLE["figure.dpi"]


def _open(page, lab, name: str) -> None:
    page.goto(lab.page_url(name))
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", timeout=120_000)
    session = f"{P.NOTEBOOK}.sessionContext.session"
    page.wait_for_function(f"() => {P.NOTEBOOK} && {P.NOTEBOOK}.sessionContext && {session}"
                           f" && {session}.kernel && {session}.kernel.status === 'idle'",
                           timeout=120_000)
    # Let MathJax and the widget manager finish: the page stops changing.
    count = "() => document.querySelectorAll('mjx-container, .jupyter-widgets').length"
    last = -1
    for _ in range(40):
        now = page.evaluate(count)
        if now == last:
            break
        last = now
        time.sleep(0.5)


def _read(page) -> list[str]:
    """What a student would trip over reading the page."""
    problems = []
    cells = page.evaluate(P.MARKDOWN_JS)
    for cell in cells:
        if not cell["rendered"]:
            problems.append(f"cell {cell['cell']}: markdown not rendered")
            continue
        for maths in P.unintended_maths(cell["maths"]):
            problems.append(f"cell {cell['cell']}: maths that reads as prose: {maths[:60]}")
        for raw in P.raw_markup(cell["text"]):
            problems.append(f"cell {cell['cell']}: {raw}")
    problems += P.list_problems([c for c in cells if c["rendered"]])
    return problems


def _figures(page) -> list[dict]:
    figures = page.evaluate(P.FIGURES_JS)
    for f in figures:
        f["text_px"] = round(P.smallest_text_px(f["natural"], f["shown"], font_pt=FONT_PT,
                                                dpi=DPI), 1)
    return figures


def _run_all(page, lab) -> tuple[float, dict]:
    page.evaluate(f"() => {P.NOTEBOOK}.content.activate()")
    start = time.monotonic()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    time.sleep(2)

    def done():
        state = page.evaluate(P.STATE_JS)
        if state["errors"]:
            return state
        finished = state["status"] == "idle" and state["pending"] == 0 and state["unrun"] == 0
        return state if finished else None

    state = P.wait_for(done, RUN_TIMEOUT, interval=1.0)
    assert state is not None, f"the notebook did not finish within {RUN_TIMEOUT} s"
    return time.monotonic() - start, state


def _peak_rss_mb(lab, kernel_id: str) -> float | None:
    """The kernel's peak resident memory and its children's, read as nbval's plugin reads it."""
    pid = lab.kernel_pid(kernel_id)
    return None if pid is None else nbval_memory.peak_mb(pid)


def _exercise_widget(page, root, name: str, number: int, artifacts) -> P.WidgetReport:
    report = P.WidgetReport(cell=-1)
    root.scroll_into_view_if_needed()
    shot = f"{name}_widget{number}_before.png"
    root.screenshot(path=str(artifacts / shot))
    report.screenshot = shot
    P.settle(root, timeout=10)
    controls = root.locator(P.CONTROLS)
    for j in range(controls.count()):
        control = controls.nth(j)
        label = P.control_label(control)
        if P.disabled(control):
            report.moves.append(P.Move(label, P.control_value(control), "", None,
                                       skipped="disabled in this state"))
            continue
        before_html, before_text = P.settle(root), P.output_text(root)
        before = P.control_value(control)
        start = time.monotonic()
        how = P.move(page, control)
        if how is None:
            report.moves.append(P.Move(label, before, before, None, skipped="would not move"))
            continue
        changed = P.wait_for(lambda b=before_html: P.output_html(root) != b, CHANGE_TIMEOUT,
                             interval=0.1)
        seconds = time.monotonic() - start if changed else None
        after_html = P.settle(root)
        move = P.Move(label, before, P.control_value(control), seconds and round(seconds, 2),
                      change=P.describe_change(before_html, after_html, before_text,
                                               P.output_text(root)) if changed else "")
        move.screenshot = f"{name}_widget{number}_control{j}_after.png"
        root.screenshot(path=str(artifacts / move.screenshot))
        report.moves.append(move)
        P.undo(page, control, how)
        P.settle(root)
    return report


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem[:2] for nb in NOTEBOOKS])
def test_notebook_in_the_browser(notebook, lab, page, artifacts, report):
    name = notebook.stem
    entry = report.setdefault(name, {})
    opened = time.monotonic()
    _open(page, lab, notebook.name)
    entry["open_seconds"] = round(time.monotonic() - opened, 1)
    page.screenshot(path=str(artifacts / f"{name}_first_screen.png"))

    # Before anything runs: the stored widget state renders as widgets.
    fallback = page.evaluate(P.FALLBACK_JS)
    stored = page.evaluate(P.WIDGETS_JS)
    entry["widgets_before_run"] = len(stored)

    problems = _read(page)
    figures = _figures(page)
    small = [f for f in figures if f["text_px"] < READABLE_PX]
    entry["figures"] = len(figures)
    entry["smallest_figure_text_px"] = min((f["text_px"] for f in figures), default=None)

    seconds, state = _run_all(page, lab)
    entry["run_seconds"] = round(seconds, 1)
    entry["code_cells"] = state["cells"]
    entry["kernel_peak_rss_mb"] = _peak_rss_mb(lab, state["kernel"])
    assert not state["errors"], f"error outputs after Run All: {state['errors']}"
    page.screenshot(path=str(artifacts / f"{name}_after_run.png"))

    widgets = page.evaluate(P.WIDGETS_JS)
    entry["widget_roots"] = widgets
    entry["widgets"] = []
    for w in widgets:
        if w["controls"] == 0:  # a progress bar
            continue
        root = page.locator(f'[data-browser-test="{w["id"]}"]')
        rep = _exercise_widget(page, root, name, len(entry["widgets"]), artifacts)
        rep.cell = w["cell"]
        entry["widgets"].append({"cell": rep.cell, "screenshot": rep.screenshot,
                                 "moves": [m.__dict__ for m in rep.moves]})
    lab.api(f"kernels/{state['kernel']}", method="DELETE")

    assert not page.errors, f"page errors: {page.errors}"
    assert not fallback, f"widgets shown as text before running: {fallback}"
    assert not page.evaluate(P.FALLBACK_JS), "widgets shown as text after running"
    assert not problems, "the page reads badly:\n" + "\n".join(problems)
    assert not small, f"figure text below {READABLE_PX} px at notebook width: {small}"
    dead = [(w["cell"], m["control"]) for w in entry["widgets"] for m in w["moves"]
            if m["seconds"] is None and not m["skipped"]]
    assert not dead, f"controls whose output did not change within {CHANGE_TIMEOUT} s: {dead}"
