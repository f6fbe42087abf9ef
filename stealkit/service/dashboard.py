"""The instructor's dashboard: one server-rendered HTML page that refreshes itself.

Per key: queries, bill, remaining budget and the detector's state, with a bar
chart of the queries (inline SVG, no script and no network); the
leaderboard of stolen copies scored on the challenge set; the models served.
Without a key it shows a login form.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["dashboard_page"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 70em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { padding: 0.3em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.alarm { color: #b2182b; font-weight: bold; }
.muted { color: #777; }
form input { font-size: 1em; padding: 0.3em; width: 28em; }
"""


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def _table(columns: list[str], rows: list[list[Any]], cls: list[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        f"<tr{f' class={chr(34)}{c}{chr(34)}' if c else ''}>"
        + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
        for row, c in zip(rows, cls or [""] * len(rows), strict=True))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _bars(keys: list[dict[str, Any]]) -> str:
    students = [k for k in keys if not k.get("admin")]
    if not students:
        return ""
    top = max(max(k["queries"] for k in students), 1)
    height = 22 * len(students) + 10
    bars = []
    for i, k in enumerate(students):
        width = 400 * k["queries"] / top
        color = "#b2182b" if k["detector"]["alarm"] else "#e66100"
        bars.append(f'<text x="0" y="{22 * i + 16}" font-size="13">{html.escape(k["name"])}</text>'
                    f'<rect x="160" y="{22 * i + 4}" width="{width:.1f}" height="16" '
                    f'fill="{color}"><title>{k["queries"]:,} queries</title></rect>'
                    f'<text x="{166 + width:.1f}" y="{22 * i + 16}" font-size="12">'
                    f'{k["queries"]:,}</text>')
    return (f'<svg role="img" aria-label="queries per key" width="640" height="{height}">'
            + "".join(bars) + "</svg>")


def dashboard_page(state: dict[str, Any] | None, *, error: str | None = None) -> str:
    """The page: the login form (``state`` None) or the instructor's view of ``state``."""
    if state is None:
        message = f'<p class="alarm">{html.escape(error)}</p>' if error else ""
        return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>stealkit "
                f"dashboard</title><style>{_STYLE}</style></head><body><h1>Instructor dashboard"
                f"</h1>{message}<form method='post' action='/dashboard/login'><label>"
                f"Instructor key <input name='key' type='password' autocomplete='off'></label> "
                f"<button type='submit'>Log in</button></form></body></html>")
    keys = state["keys"]
    rows, classes = [], []
    for k in keys:
        det = k["detector"]
        rows.append([k["name"], k["queries"], k["bill"], k["budget"], k["remaining"],
                     "revoked" if k["revoked"] else "active",
                     f"alarm after {det['alarm_at']:,} ({det['alarm_model']})"
                     if det["alarm"] else "quiet"])
        classes.append("alarm" if det["alarm"] else "")
    board = [[r["name"], r["model"], r["fidelity_test"], r["fidelity_unif"], r["queries"]]
             for r in state["leaderboard"]]
    models = [[m["name"], m["output"], m["n_features"], m["price_per_query"],
               ", ".join(m["defences"]) or "none"] for m in state["models"]]
    det = state["detector"]
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="5"><title>stealkit dashboard</title>
<style>{_STYLE}</style></head><body>
<h1>Instructor dashboard</h1>
<p class="muted">Logged in as {html.escape(state['instructor'])}; this page refreshes every
5 seconds. Detector: PRADA, δ = {det['delta']}, first test after {det['min_queries']}
distances, action <b>{html.escape(det['action'])}</b>.</p>
<h2>Keys</h2>
{_table(["key", "queries", "bill", "budget", "remaining", "status", "detector"], rows, classes)}
{_bars(keys)}
<h2>Leaderboard</h2>
{_table(["key", "model", "1 − R_test", "1 − R_unif", "queries spent"], board)
 if board else '<p class="muted">No submission yet.</p>'}
<h2>Models</h2>
{_table(["model", "output", "features", "price per query", "output defences"], models)}
</body></html>"""
