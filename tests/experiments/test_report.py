"""HTML reports are self-contained: figures embedded, text escaped."""

from __future__ import annotations

import base64
import re

from matplotlib.figure import Figure

from ffnn.experiments.report import Report, format_value


def test_report_embeds_figures_and_tables(tmp_path):
    figure = Figure()
    figure.add_subplot().plot([0, 1], [1, 0])
    report = Report("A <study>")
    report.heading("Results")
    report.reading(["Loss fell from 0.69 to 0.07.", "η = 0.01 & λ = 0."])
    report.figure(figure, "a line")
    report.table([{"lr": 0.01, "acc": 0.975}, {"lr": 0.1, "acc": float("nan")}])
    report.parameters({"epochs": 2000, "hidden": (3,)})
    path = report.write(tmp_path / "report.html")
    text = path.read_text()
    assert "A &lt;study&gt;" in text and "<study>" not in text
    assert "η = 0.01 &amp; λ = 0." in text
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) == 1
    assert base64.b64decode(images[0])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<td>0.975</td>" in text and "<td>—</td>" in text
    assert "http" not in text.replace("http-equiv", "")  # nothing fetched


def test_format_value():
    assert format_value(0.0001234) == "0.000123"
    assert format_value(0.975) == "0.975"
    assert format_value(float("nan")) == "—"
    assert format_value([3, 10]) == "3, 10"
    assert format_value(True) == "True"
