"""Self-contained HTML reports: figures embedded as base64 PNG, parameters,
tables, and a reading of the result written from the measured numbers."""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ffnn.atomic import atomic_write_text

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
figcaption { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
.reading { background: #f6f8fa; border-left: 4px solid #1f77b4; padding: 0.5rem 1rem; }
code { background: #f3f3f3; padding: 0 0.2rem; }
"""


def format_value(value: Any) -> str:
    """A short human form of a number or value for tables and text."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3g}"
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value)
    return str(value)


class Report:
    """An HTML report assembled section by section, then written to one file."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._parts: list[str] = []

    def heading(self, text: str) -> None:
        self._parts.append(f"<h2>{html.escape(text)}</h2>")

    def paragraph(self, text: str) -> None:
        self._parts.append(f"<p>{html.escape(text)}</p>")

    def reading(self, sentences: Sequence[str]) -> None:
        """The measured result in words (each sentence built from run numbers)."""
        body = " ".join(html.escape(s) for s in sentences)
        self._parts.append(f'<div class="reading"><p>{body}</p></div>')

    def figure(self, figure: Figure, caption: str = "") -> None:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        self._parts.append(
            f'<figure><img alt="{html.escape(caption)}" '
            f'src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def parameters(self, values: Mapping[str, Any]) -> None:
        rows = [
            {"parameter": key, "value": format_value(value)}
            for key, value in values.items()
        ]
        self.table(rows)

    def table(
        self, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None
    ) -> None:
        if not rows:
            self.paragraph("(no rows)")
            return
        columns = list(columns or rows[0].keys())
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(format_value(row.get(c)))}</td>" for c in columns
            )
            + "</tr>"
            for row in rows
        )
        self._parts.append(f"<table><tr>{head}</tr>{body}</table>")

    def to_html(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{html.escape(self.title)}</h1>"
            f"<p><small>ffnn experiment report, {stamp}</small></p>"
            + "\n".join(self._parts)
            + "</body></html>\n"
        )

    def write(self, path: str | PathLike) -> Path:
        """Write the report to ``path`` atomically (:mod:`ffnn.atomic`)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write_text(path, self.to_html())
