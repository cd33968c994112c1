"""Shared pieces of the report's HTML: the stylesheet, labels, escaping, number formats and
plain tables (used by :mod:`planner.report.html` and :mod:`planner.report.compare`)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from planner.report.data import Kind, finite

OBJECTIVE_LABELS = {
    "floor_area": "Floor-area operating cost",
    "windows": "Window staffing",
    "backoffice": "Back-office desks",
    "expansion": "Expansion",
    "reduction": "Reduction",
    "travel": "Citizens' travel time",
    "online": "Online handling",
    "unserved": "Unserved-demand penalty",
    "township_shortfall": "Township-station shortfall penalty",
    "top_heavy": "Top-heavy penalty",
    "olive": "Olive-rule penalty",
    "level_floor": "Level-floor penalty",
    "conversion": "Surplus converted (压缩转化)",
    "total": "Total objective",
}

CSS = """
:root { --ink:#1f2328; --muted:#5f6670; --line:#e3e5e8; --olive:#556b2f; --bg:#f5f5f0;
  --warn:#9a5b00; --warnbg:#fff6e5; --info:#f3f7ec; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font-family:"Noto Sans CJK SC","Olive Noto Sans CJK SC","Noto Sans SC","PingFang SC",
    "Microsoft YaHei",system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  font-size:14px; line-height:1.5; }
.page .leaflet-container { font-family:inherit; }
.page { max-width:1440px; margin:0 auto; background:#fff; padding:28px 36px 48px;
  box-shadow:0 0 0 1px var(--line); }
header.top { border-bottom:3px solid var(--olive); padding-bottom:14px; margin-bottom:18px; }
h1 { font-size:26px; margin:0 0 4px; letter-spacing:.2px; }
h1 small { font-weight:400; color:var(--muted); font-size:16px; }
h2 { font-size:19px; margin:34px 0 10px; padding-bottom:4px; border-bottom:1px solid var(--line); }
h3 { font-size:15px; margin:20px 0 8px; }
p.lead { margin:2px 0 10px; color:var(--muted); font-size:15px; }
.meta { display:flex; flex-wrap:wrap; gap:6px 8px; margin-top:8px; }
.tag { display:inline-block; border:1px solid var(--line); border-radius:12px; padding:1px 10px;
  font-size:12.5px; color:var(--muted); background:#fafafa; }
.tag.ok { color:#1e6b2e; border-color:#b7dfbf; background:#eef8f0; }
.tag.bad { color:#8a1c1c; border-color:#f0b8b8; background:#fdf0f0; }
nav.toc { margin:12px 0 4px; font-size:13px; }
nav.toc a { color:var(--olive); text-decoration:none; margin-right:14px; white-space:nowrap; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(200px,1fr)); gap:12px;
  margin:16px 0 6px; }
.card { border:1px solid var(--line); border-radius:8px; padding:10px 14px; background:#fcfcfa; }
.card .k { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.4px; }
.card .v { font-size:22px; font-weight:700; margin-top:2px; font-variant-numeric:tabular-nums; }
.card .d { font-size:12.5px; color:var(--muted); }
.note { border-left:4px solid var(--olive); background:var(--info); padding:10px 14px;
  margin:14px 0; border-radius:0 6px 6px 0; }
.note.generated { border-color:#b58900; background:#fff9e6; }
.note.warn { border-color:#d9822b; background:var(--warnbg); }
.note ul { margin:6px 0 0; padding-left:20px; }
.warnings li { margin:3px 0; }
table { border-collapse:collapse; width:100%; margin:6px 0 10px; font-size:13px; }
th, td { padding:4px 8px; border-bottom:1px solid var(--line); text-align:left;
  vertical-align:top; }
thead th { background:#f4f5f1; font-weight:600; border-bottom:2px solid #d5d8cf;
  white-space:nowrap; }
tbody tr:nth-child(even) td { background:#fbfbf9; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tr.group th { background:#eef1e6; color:var(--olive); font-size:12.5px; text-transform:uppercase;
  letter-spacing:.4px; }
td.delta { color:var(--muted); }
td.delta.pos { color:#1d5fa8; } td.delta.neg { color:#b04a00; }
th.b, td.b { border-left:2px solid #d5d8cf; }
.small { font-size:12px; color:var(--muted); }
.id { font-family:ui-monospace,"DejaVu Sans Mono",monospace; font-size:11.5px; color:var(--muted); }
figure.chart { margin:8px 0 18px; }
figure.chart img { width:100%; height:auto; display:block; border:1px solid var(--line);
  border-radius:6px; }
figcaption { font-size:12.5px; color:var(--muted); margin-top:6px; }
pre { background:#f7f7f4; border:1px solid var(--line); border-radius:6px; padding:10px 12px;
  font-size:12px; line-height:1.45; overflow:auto; max-height:560px; }
pre .add { color:#1e6b2e; background:#eaf6ec; display:inline-block; width:100%; }
pre .del { color:#8a1c1c; background:#fbeeee; display:inline-block; width:100%; }
details { margin:8px 0; } summary { cursor:pointer; color:var(--olive); font-weight:600; }
.two { display:grid; grid-template-columns:1fr 1fr; gap:18px; }
.two.wide-left { grid-template-columns:3fr 2fr; }
.two > * { min-width:0; overflow-x:auto; }
@media (max-width: 1100px) { .two, .two.wide-left { grid-template-columns:minmax(0,1fr); } }
.id, .tag, code { overflow-wrap:anywhere; }
table.metrics td:first-child { min-width:9em; }
table.compare { font-size:12.5px; } table.compare td, table.compare th { padding:3px 5px; }
.wide { overflow-x:auto; max-width:100%; }
td.nowrap { white-space:nowrap; }
footer { margin-top:36px; font-size:12px; color:var(--muted); border-top:1px solid var(--line);
  padding-top:10px; }
"""


def escape(value: object) -> str:
    """HTML text of any value (quotes escaped)."""
    return html.escape(str(value), quote=True)


def fmt(value: float | None, kind: Kind) -> str:
    """A value as shown in a table ("—" for none)."""
    if value is None or not finite(value):
        return "—"
    if kind == "share":
        return f"{value:.1%}"
    if kind == "minutes":
        return f"{value:.1f}"
    return f"{value:,.0f}"


def fmt_delta(delta: float | None, kind: Kind) -> tuple[str, str]:
    """Text and CSS class of a difference."""
    if delta is None or not finite(delta):
        return "—", "delta"
    scale = 100.0 if kind == "share" else 1.0
    shown = delta * scale
    digits = 1 if kind in ("share", "minutes") else 0
    if round(shown, digits) == 0:
        return "0", "delta"
    unit = " pp" if kind == "share" else ""
    cls = "delta pos" if delta > 0 else "delta neg"
    return f"{shown:+,.{digits}f}{unit}", cls


def table(head: Sequence[str], rows: Iterable[Sequence[str]], num_from: int = 1) -> str:
    """A plain table; cells are HTML already; columns from ``num_from`` are numeric."""
    ths = "".join(
        f'<th class="num">{h}</th>' if i >= num_from else f"<th>{h}</th>"
        for i, h in enumerate(head)
    )
    body = []
    for row in rows:
        tds = "".join(
            f'<td class="num">{c}</td>'
            if i >= num_from
            else (f'<td class="nowrap">{c}</td>' if i == 0 else f"<td>{c}</td>")
            for i, c in enumerate(row)
        )
        body.append(f"<tr>{tds}</tr>")
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{''.join(body)}</tbody></table>"
