"""Readers of the files a study writes (its CSV tables and its HTML report), and
a helper that builds changed experiment documents, shared by the study tests."""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file written by a study, one dict per row."""
    with Path(path).open() as file:
        return list(csv.DictReader(file))


def report_with_figures(out: Path, figures: Sequence[str]) -> str:
    """The HTML of ``out/report.html``, once each of ``figures`` is checked to be
    a PNG file in ``out`` and the report to embed exactly that many images."""
    for name in figures:
        assert (out / name).read_bytes()[:8] == PNG_SIGNATURE, name
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == len(figures)
    return page


def reading(out: Path) -> str:
    """The text of the report's reading (its paragraph of measured numbers)."""
    page = (out / "report.html").read_text(encoding="utf-8")
    match = re.search(r'<div class="reading"><p>(.*?)</p></div>', page, re.S)
    assert match is not None, "report has no reading"
    return html.unescape(match.group(1))


def with_changes(
    document: dict[str, dict[str, Any]], changes: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """A copy of an experiment ``document`` with each section of ``changes``
    merged into it; ``grid`` is replaced whole."""
    changed = {section: dict(values) for section, values in document.items()}
    for section, values in changes.items():
        if section == "grid":
            changed["grid"] = dict(values)
        else:
            changed.setdefault(section, {}).update(values)
    return changed
