"""A report as a list of simple blocks, rendered to one self-contained HTML file and to Markdown.

Blocks: `Heading`, `Paragraph` (a small Markdown subset: `code`, **bold**, *italic*, [text](url)),
`Table`, `Figure` (a PNG file), and `Row` (figures side by side). The HTML embeds every image as a
base64 `data:` URI and carries its own CSS, so the one file opens offline, anywhere; the Markdown
links the PNG files relative to the report's folder.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import os
import re
from collections.abc import Sequence
from pathlib import Path


@dataclasses.dataclass
class Heading:
    """A section (level 2) or subsection (level 3) title; `anchor` is its HTML id."""

    text: str
    level: int = 2
    anchor: str | None = None


@dataclasses.dataclass
class Paragraph:
    """A paragraph in the Markdown subset the module docstring names."""

    text: str


@dataclasses.dataclass
class Table:
    """A table; cells are plain text (Markdown subset allowed)."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    caption: str | None = None


@dataclasses.dataclass
class Figure:
    """A PNG file with a caption; `path` is absolute or relative to the report folder."""

    path: Path
    caption: str
    alt: str = ""


@dataclasses.dataclass
class Row:
    """Figures shown side by side."""

    figures: Sequence[Figure]


Block = Heading | Paragraph | Table | Figure | Row

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;background:#fff;line-height:1.5}
h1{border-bottom:3px solid #446;padding-bottom:.2em}h2{border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.95em}th,td{border:1px solid #bbb;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#eef}caption{caption-side:bottom;font-size:.9em;color:#555}
figure{margin:1em 0;text-align:center}figure img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:.9em;color:#444;margin-top:.3em}.row{display:flex;gap:1em;flex-wrap:wrap;align-items:flex-start}
.row figure{flex:1 1 300px}code{background:#f3f3f3;padding:0 .2em;border-radius:3px}nav ul{columns:2}
"""


def inline_html(text: str) -> str:
    """Escapes `text` and turns the Markdown subset into HTML."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", out)
    out = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', out)
    return out


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _resolve(path: Path, folder: Path) -> Path:
    path = Path(path)
    return path if path.is_absolute() else folder / path


def _figure_html(fig: Figure, folder: Path) -> str:
    src = _data_uri(_resolve(fig.path, folder))
    alt = html.escape(fig.alt or fig.caption, quote=True)
    return f'<figure><img src="{src}" alt="{alt}"><figcaption>{inline_html(fig.caption)}</figcaption></figure>'


def to_html(title: str, blocks: Sequence[Block], folder: str | os.PathLike) -> str:
    """Renders the blocks as one self-contained HTML page.

    Args:
        title: the page title and top heading.
        blocks: the content.
        folder: the folder relative figure paths are read from.

    Returns:
        The HTML text; every image is embedded, nothing is fetched.
    """
    folder = Path(folder)
    toc = [b for b in blocks if isinstance(b, Heading) and b.level == 2 and b.anchor]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if toc:
        items = "".join(f'<li><a href="#{h.anchor}">{html.escape(h.text)}</a></li>' for h in toc)
        parts.append(f"<nav><ul>{items}</ul></nav>")
    for block in blocks:
        if isinstance(block, Heading):
            anchor = f' id="{html.escape(block.anchor, quote=True)}"' if block.anchor else ""
            parts.append(f"<h{block.level}{anchor}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{inline_html(block.text)}</p>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{inline_html(h)}</th>" for h in block.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{inline_html(str(c))}</td>" for c in row) + "</tr>" for row in block.rows
            )
            caption = f"<caption>{inline_html(block.caption)}</caption>" if block.caption else ""
            parts.append(f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(block, Figure):
            parts.append(_figure_html(block, folder))
        elif isinstance(block, Row):
            parts.append('<div class="row">' + "".join(_figure_html(f, folder) for f in block.figures) + "</div>")
        else:  # pragma: no cover - a programming error
            raise TypeError(f"unknown block {block!r}")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_path(path: Path, folder: Path) -> str:
    path = Path(path)
    if path.is_absolute():
        try:
            path = path.relative_to(folder)
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def to_markdown(title: str, blocks: Sequence[Block], folder: str | os.PathLike) -> str:
    """Renders the blocks as Markdown; figures are linked relative to `folder`."""
    folder = Path(folder)
    lines = [f"# {title}", ""]
    for block in blocks:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        elif isinstance(block, Table):
            lines.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
            lines.append("|" + "---|" * len(block.header))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            lines += [""] + ([f"*{block.caption}*", ""] if block.caption else [])
        elif isinstance(block, (Figure, Row)):
            for fig in block.figures if isinstance(block, Row) else [block]:
                lines += [f"![{fig.alt or fig.caption}]({_md_path(fig.path, folder)})", "", f"*{fig.caption}*", ""]
        else:  # pragma: no cover
            raise TypeError(f"unknown block {block!r}")
    return "\n".join(lines).rstrip() + "\n"


def figure_paths(blocks: Sequence[Block]) -> list[Path]:
    """Every figure file the blocks show, in order."""
    out = []
    for block in blocks:
        if isinstance(block, Figure):
            out.append(Path(block.path))
        elif isinstance(block, Row):
            out += [Path(f.path) for f in block.figures]
    return out
