"""What the browser test reads off a JupyterLab page, and how it drives widgets.

The JavaScript here only collects facts from the page (JupyterLab's own cell
models and the rendered DOM); the judgements are Python functions below, each
unit-tested on examples in `test_reading.py`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

# ---------------------------------------------------------------- collecting

NOTEBOOK = "window.jupyterapp.shell.currentWidget"

STATE_JS = f"""() => {{
  const panel = {NOTEBOOK};
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const code = panel.content.widgets.filter(c => c.model.type === 'code');
  const prompts = code.map(c => (c.node.querySelector('.jp-InputPrompt') || {{}}).textContent || '');
  const errors = [];
  panel.content.widgets.forEach((c, i) => {{
    if (c.model.type !== 'code') return;
    c.model.outputs.toJSON().forEach(o => {{
      if (o.output_type === 'error') errors.push({{cell: i, ename: o.ename, evalue: o.evalue}});
    }});
  }});
  return {{status: kernel ? kernel.status : 'none', kernel: kernel ? kernel.id : null,
          pending: prompts.filter(p => p.includes('*')).length,
          unrun: code.filter(c => c.model.executionCount === null).length,
          cells: code.length, errors}};
}}"""

MARKDOWN_JS = f"""() => {{
  const skip = 'code, pre, mjx-container, mjx-assistive-mml, .MathJax';
  return {NOTEBOOK}.content.widgets.map((c, i) => {{
    if (c.model.type !== 'markdown') return null;
    const node = c.node.querySelector('.jp-RenderedMarkdown, .jp-MarkdownOutput');
    if (!node) return {{cell: i, source: c.model.sharedModel.getSource(), rendered: false}};
    const texts = [];
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {{
      const t = walker.currentNode;
      if (!t.parentElement.closest(skip)) texts.push(t.textContent);
    }}
    return {{cell: i, source: c.model.sharedModel.getSource(), rendered: true,
            text: texts.join(''),
            lists: Array.from(node.querySelectorAll('ol')).map(ol => ({{
              start: ol.start, items: ol.querySelectorAll(':scope > li').length}})),
            maths: Array.from(node.querySelectorAll('mjx-container')).map(m => m.innerText)}};
  }}).filter(x => x);
}}"""

FIGURES_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output img'))
  .filter(img => img.naturalWidth > 0 && img.clientWidth > 0)
  .map(img => ({natural: img.naturalWidth, shown: img.clientWidth,
                cell: Array.from(document.querySelectorAll('.jp-Cell')).indexOf(img.closest('.jp-Cell'))}))"""

FALLBACK_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))
  .map(o => o.innerText.trim()).filter(t => /^(Loading widget|Error displaying widget|(VBox|HBox|Output|interactive|IntSlider|Dropdown)\\()/.test(t))
  .map(t => t.slice(0, 80))"""

CONTROLS = ".widget-toggle-buttons, .widget-dropdown, .widget-slider, .widget-play, .widget-checkbox"

WIDGETS_JS = """() => {
  document.querySelectorAll('[data-browser-test]').forEach(w => w.removeAttribute('data-browser-test'));
  const roots = Array.from(document.querySelectorAll('.jp-OutputArea-output .jupyter-widgets'))
    .filter(w => !w.parentElement.closest('.jupyter-widgets'));
  return roots.map((w, i) => {
    w.setAttribute('data-browser-test', String(i));
    const cell = Array.from(document.querySelectorAll('.jp-Cell')).indexOf(w.closest('.jp-Cell'));
    return {id: i, cell, controls: w.querySelectorAll('CONTROLS').length};
  });
}""".replace("CONTROLS", CONTROLS)

# ---------------------------------------------------------------- judging

ITALIC = "[\U0001d400-\U0001d7ff\u210e]"  # MathJax's italic letters (ℎ is U+210E)
PROSE_IN_MATHS = re.compile(f"{ITALIC}{{5,}}")
CURRENCY_IN_MATHS = re.compile(f"^\\s*[0-9][0-9.,]*\\s*{ITALIC}{{2,}}")
LIST_LINE = re.compile(r"^\s*(\d+)[.)][ \t]")
FENCE = re.compile(r"^\s*(```|~~~)")
RAW = [
    (re.compile(r"\\[A-Za-z]{2,}"), "a LaTeX command"),
    (re.compile(r"\*\*\S|\S\*\*"), "markdown bold markers"),
    (re.compile(r"(^|\s)__\w|\w__(\s|$)"), "markdown underscores"),
    (re.compile(r"`"), "a backtick"),
    (re.compile(r"\]\("), "a markdown link"),
    (re.compile(r"(^|\n)#{1,6} "), "a markdown heading marker"),
    (re.compile(r"\$[^$\n]*\\"), "unrendered maths"),
    (re.compile(r"</?[a-z]+>"), "an HTML tag"),
]


def unintended_maths(maths: list[str]) -> list[str]:
    """Rendered maths that reads as prose: a currency '$' paired by MathJax.

    MathJax sets each letter of a prose run in math italic, and a price opens
    with its digits: '$256 an hour, XLNet about $' becomes 256𝑎𝑛ℎ𝑜𝑢𝑟,𝑋𝐿𝑁𝑒𝑡….
    """
    flat = [re.sub(r"\s+", "", m) for m in maths]
    return [m for m in flat if PROSE_IN_MATHS.search(m) or CURRENCY_IN_MATHS.search(m)]


def written_numbers(source: str) -> list[int]:
    """The numbers that start list-like lines of a markdown source, outside code."""
    numbers, in_code = [], False
    for line in source.splitlines():
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code and (m := LIST_LINE.match(line)):
            numbers.append(int(m.group(1)))
    return numbers


def list_problems(cells: list[dict]) -> list[str]:
    """Ordered lists that are not numbered as written.

    Per cell, the rendered numbering must equal the numbers written at the
    starts of lines; and a list must start at 1 or continue the previous list
    of the notebook (a sentence opening with "827)" is not a list).
    """
    problems, last = [], 0
    for cell in cells:
        shown = [n for ol in cell["lists"] for n in range(ol["start"], ol["start"] + ol["items"])]
        written = written_numbers(cell["source"])
        if shown != written:
            problems.append(f"cell {cell['cell']}: written {written}, shown {shown}")
        for ol in cell["lists"]:
            if ol["start"] not in (1, last + 1):
                problems.append(f"cell {cell['cell']}: a list starts at {ol['start']} "
                                f"(the previous list ended at {last})")
            last = ol["start"] + ol["items"] - 1
    return problems


def raw_markup(text: str) -> list[str]:
    """Markdown or LaTeX left as text in a rendered cell (code and maths excluded)."""
    return [f"{what}: …{text[max(0, m.start() - 30):m.end() + 30]}…"
            for pattern, what in RAW if (m := pattern.search(text))]


def smallest_text_px(natural: int, shown: int, *, font_pt: float, dpi: float) -> float:
    """The height in screen pixels of a figure's smallest standard text as shown."""
    return font_pt * dpi / 72 * shown / natural


# ---------------------------------------------------------------- driving

def wait_for(predicate, timeout: float, interval: float = 0.25):
    """Poll until predicate() is truthy; return its value, or None at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


@dataclass
class Move:
    """What moving one control did."""

    control: str
    before: str
    after: str
    seconds: float | None  # None: the output did not change
    change: str = ""
    skipped: str = ""
    screenshot: str = ""


@dataclass
class WidgetReport:
    cell: int
    moves: list[Move] = field(default_factory=list)
    screenshot: str = ""


def output_html(root) -> str:
    return "".join(root.locator(".widget-output").evaluate_all("els => els.map(e => e.innerHTML)"))


def output_text(root) -> str:
    return "\n".join(root.locator(".widget-output").evaluate_all("els => els.map(e => e.innerText)"))


def describe_change(before_html: str, after_html: str, before_text: str, after_text: str) -> str:
    """One line: was a figure redrawn, and the first printed line that changed."""
    images = lambda html: re.findall(r'src="data:image/png;base64,([^"]{0,4000})', html)  # noqa: E731
    parts = []
    if images(before_html) != images(after_html):
        parts.append("figure redrawn")
    old, new = before_text.splitlines(), after_text.splitlines()
    for a, b in zip(old + [""] * len(new), new + [""] * len(old), strict=False):
        if a != b:
            same = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                        min(len(a), len(b)))
            start = max(0, same - 15)
            parts.append(f"text '…{a[start:start + 50].strip()}' → '…{b[start:start + 50].strip()}'")
            break
    return "; ".join(parts) or "output changed"


def control_label(control) -> str:
    label = control.locator(".widget-label").first
    text = label.inner_text().strip() if label.count() else ""
    kind = (control.get_attribute("class") or "").split()
    kind = next((k for k in kind if k.startswith("widget-") and k != "widget-inline-hbox"), "control")
    kind = kind.removeprefix("widget-")
    return f"{text or ('▶' if kind == 'play' else '(no label)')} [{kind}]"


def control_value(control) -> str:
    cls = control.get_attribute("class") or ""
    if "widget-dropdown" in cls:
        return control.locator("select").evaluate(
            "s => s.selectedIndex < 0 ? '' : s.options[s.selectedIndex].text")
    if "widget-toggle-buttons" in cls:
        active = control.locator("button.mod-active")
        return active.inner_text() if active.count() else ""
    if "widget-slider" in cls:
        return control.locator(".widget-readout").inner_text()
    if "widget-checkbox" in cls:
        return str(control.locator("input").is_checked())
    return ""  # a Play button has no value of its own


def disabled(control) -> bool:
    return bool(control.evaluate(
        "c => !!c.querySelector('select:disabled, button:disabled, input:disabled, [disabled]')"
        " || c.classList.contains('mod-disabled')"))


def move(page, control) -> str | None:
    """Move a control once; return how to undo it (a key, an option, a button) or None."""
    cls = control.get_attribute("class") or ""
    if "widget-dropdown" in cls:
        select = control.locator("select")
        current = select.evaluate("s => s.selectedIndex")
        n = select.evaluate("s => s.options.length")
        _choose(select, (max(current, 0) + 1) % n)
        return f"index:{current}"
    if "widget-toggle-buttons" in cls:
        buttons = control.locator("button")
        active = next(i for i in range(buttons.count())
                      if "mod-active" in (buttons.nth(i).get_attribute("class") or ""))
        buttons.nth((active + 1) % buttons.count()).click()
        return f"button:{active}"
    if "widget-slider" in cls:
        handle = control.locator(".noUi-handle").first
        readout = control_value(control)
        at_end = handle.evaluate(
            "h => h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemax')")
        key, back = ("ArrowLeft", "ArrowRight") if at_end else ("ArrowRight", "ArrowLeft")
        handle.focus()
        page.keyboard.press(key)
        return f"key:{back}" if wait_for(lambda: control_value(control) != readout, 5) else None
    if "widget-checkbox" in cls:
        control.locator("input").click()
        return "checkbox"
    if "widget-play" in cls:
        control.locator("button").first.click()  # play
        return "play"
    return None


def _choose(select, index: int) -> None:
    """Pick an option as a user does: the select changes and says so."""
    select.evaluate("(s, i) => { s.selectedIndex = i; s.dispatchEvent(new Event('change', "
                    "{bubbles: true})); }", index)


def undo(page, control, how: str) -> None:
    if how.startswith("index:"):
        _choose(control.locator("select"), int(how.split(":")[1]))
    elif how.startswith("button:"):
        control.locator("button").nth(int(how.split(":")[1])).click()
    elif how.startswith("key:"):
        control.locator(".noUi-handle").first.focus()
        page.keyboard.press(how.split(":")[1])
    elif how == "checkbox":
        control.locator("input").click()
    # "play" runs to its end by itself, back where it started


def settle(root, timeout: float = 60, quiet: float = 0.8) -> str:
    """Wait until the widget's output has stopped changing; return it."""
    last, since = output_html(root), time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = output_html(root)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return last
