"""The report page: one self-contained `index.html` (inline CSS, no script, nothing fetched) that shows each
section's figure by a relative link to the PNG beside it, its caption, and the tables of its numbers."""

from __future__ import annotations

import re
from html import escape

from codemill.runreport.model import FigureId, RunData
from codemill.runreport.tables import Section, Table

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
code { background: #f3f3f3; padding: 0 .25em; border-radius: 3px; font-size: .92em; }
nav ul { columns: 3; padding-left: 1.2rem; } .meta { color: #555; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption, .caption { color: #444; font-size: .95rem; margin: .4rem 0; }
.skipped { background: #fff8e1; border-left: 4px solid #f0b429; padding: .5rem .8rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .88rem; }
th, td { border-bottom: 1px solid #e6e6e6; padding: .2rem .6rem; text-align: left; vertical-align: top; }
th { background: #f7f7f7; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #666; font-size: .85rem; }
"""


def _inline(text: str) -> str:
    """Escaped text with `code` spans."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text, quote=False))


def _table(t: Table, figure: FigureId, i: int) -> list[str]:
    out = [f"<h3>{_inline(t.title)}</h3>"] if t.title else []
    out.append(f'<table id="{figure.value}-table-{i}" class="numbers">')
    out.append("<thead><tr>" + "".join(
        f'<th{" class=num" if j in t.numeric else ""}>{escape(h)}</th>' for j, h in enumerate(t.headers))
               + "</tr></thead>")
    out.append("<tbody>")
    for row in t.rows:
        out.append("<tr>" + "".join(f'<td{" class=num" if j in t.numeric else ""}>{escape(c)}</td>'
                                    for j, c in enumerate(row)) + "</tr>")
    if not t.rows:
        out.append(f'<tr><td colspan="{len(t.headers)}" class="note">none</td></tr>')
    out.append("</tbody></table>")
    if t.note:
        out.append(f'<p class="note">{_inline(t.note)}</p>')
    return out


def _section(s: Section, png: str | None) -> list[str]:
    out = [f'<section id="{s.figure.value}">', f"<h2>{escape(s.title)}</h2>"]
    if png is not None:
        out += ["<figure>", f'<img src="{escape(png)}" alt="{escape(s.title)}">',
                f"<figcaption>{_inline(s.caption)}</figcaption>", "</figure>"]
    else:
        out.append(f'<p class="caption">{_inline(s.caption)}</p>')
        if s.skipped:
            out.append(f'<p class="skipped">Skipped: {_inline(s.skipped)}.</p>')
    for i, t in enumerate(s.tables):
        out += _table(t, s.figure, i)
    out.append("</section>")
    return out


def render(data: RunData, sections: list[Section], pngs: dict[FigureId, str]) -> str:
    """The page. `pngs` names the PNG written for each figure (relative to the page); a section without one shows
    why (its `Skipped` reason) and still its tables."""
    title = f"codemill run report: {data.run_dir.resolve().name}"
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">', f"<title>{escape(title)}</title>",
           f"<style>{CSS}</style>", "</head>", "<body>", f"<h1>{escape(title)}</h1>",
           f'<p class="meta">run directory <code>{escape(str(data.run_dir.resolve()))}</code> · codemill '
           f"{escape(', '.join(data.code_versions))} · {len(data.stages)} stage(s) with a manifest</p>"]
    notes = list(data.notes)
    if data.not_run:
        notes.append(f"Stages that have not run here: {', '.join(f'`{s}`' for s in data.not_run)}.")
    why: dict[str, list[str]] = {}
    for s in data.stages.values():
        if s.state != "done":
            why.setdefault(s.why or s.state, []).append(f"`{s.stage}`")
    for reason, stages in why.items():
        notes.append(f"Not current ({reason}): {', '.join(stages)}; `codemill run` brings them up to date.")
    if notes:
        out += ["<ul class=\"notes\">", *(f"<li>{_inline(x)}</li>" for x in notes), "</ul>"]
    out += ["<nav><ul>", *(f'<li><a href="#{s.figure.value}">{escape(s.title)}</a>'
                           f'{" (skipped)" if s.figure not in pngs and s.skipped else ""}</li>' for s in sections),
            "</ul></nav>"]
    for s in sections:
        out += _section(s, pngs.get(s.figure))
    out += ["</body>", "</html>", ""]
    return "\n".join(out)
