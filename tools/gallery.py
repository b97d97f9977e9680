"""Make the gallery: every built-in study's figures with the command behind them.

Running the studies takes minutes, too long for every docs build, so this script
is run by hand and its output committed: ``docs/gallery/STUDY/FIGURE.png`` and
``docs/gallery.md``::

    python tools/gallery.py                    # runs every study into experiments/
    python tools/gallery.py --runs DIR         # uses DIR/STUDY from earlier runs

Each study runs as ``ffnn experiment STUDY --out experiments/STUDY --n-jobs 4``.
The captions are those of the study's report.html, whose figures come in the
order the study saved its PNG files.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.image

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "docs" / "gallery"
PAGE = ROOT / "docs" / "gallery.md"
MAX_BYTES = 200_000  # a larger PNG is downscaled
FIGURE = re.compile(
    r'<figure><img alt="[^"]*" src="data:image/png;base64,([^"]+)">'
    r"<figcaption>(.*?)</figcaption></figure>",
    re.DOTALL,
)


def command(study: str) -> list[str]:
    """The command that makes a study's figures."""
    return [
        "ffnn",
        "experiment",
        study,
        "--out",
        f"experiments/{study}",
        "--n-jobs",
        "4",
    ]


def _shape(png: bytes) -> tuple[int, int]:
    return matplotlib.image.imread(io.BytesIO(png), format="png").shape[:2]


def figures(out: Path) -> list[tuple[Path, str]]:
    """The PNG files of one study's output folder with their captions."""
    report = (out / "report.html").read_text(encoding="utf-8")
    embedded = FIGURE.findall(report)
    files = sorted(out.glob("*.png"), key=lambda path: path.stat().st_mtime_ns)
    if len(files) != len(embedded):
        raise ValueError(f"{out}: {len(files)} PNG files, {len(embedded)} figures")
    result = []
    for path, (data, caption) in zip(files, embedded, strict=True):
        # the report embeds each figure at 100 dpi, the file is at 120 dpi:
        # the same aspect ratio checks the file and the caption belong together
        height, width = _shape(base64.b64decode(data))
        file_height, file_width = _shape(path.read_bytes())
        if abs(width / height - file_width / file_height) > 0.02:
            raise ValueError(f"{path}: does not match its report figure")
        result.append((path, html.unescape(caption)))
    return result


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.stat().st_size <= MAX_BYTES:
        shutil.copyfile(source, target)
        return
    image = matplotlib.image.imread(source)
    step = 2
    matplotlib.image.imsave(target, image[::step, ::step])


def main(argv: list[str] | None = None) -> None:
    from ffnn.experiments import list_studies
    from ffnn.experiments.studies import STUDIES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, help="folder of earlier study runs")
    args = parser.parse_args(argv)
    runs = args.runs or ROOT / "experiments"
    if GALLERY.exists():
        shutil.rmtree(GALLERY)
    lines = [
        "# Gallery",
        "",
        "The figures of every built-in study (`ffnn experiment list`), each with "
        "the report's caption and the command that makes it. Each run also "
        "writes a self-contained `report.html` with the measured numbers, and "
        "`runs.csv`, `epochs.csv`, `results.json` and `summary.json`.",
        "",
        "The figures were made by `python tools/gallery.py`, which runs each "
        "command below and copies its PNG files here; run it again to "
        "regenerate them (a few minutes on two cores). Timings in the figures "
        "depend on the machine and its load.",
        "",
    ]
    for study in list_studies():
        out = runs / study
        if args.runs is None:
            arguments = [*command(study)[1:], "--quiet"]
            arguments[arguments.index("--out") + 1] = str(out)
            subprocess.run(
                [sys.executable, "-m", "ffnn.cli", *arguments], check=True, cwd=ROOT
            )
        lines += [
            f"## {STUDIES[study].title}",
            "",
            "```sh",
            " ".join(command(study)),
            "```",
            "",
        ]
        for path, caption in figures(out):
            target = GALLERY / study / path.name
            _copy(path, target)
            relative = target.relative_to(PAGE.parent).as_posix()
            lines += [
                "<figure markdown>",
                f"![{study}: {path.stem}]({relative})",
                f"<figcaption>{html.escape(caption)}</figcaption>",
                "</figure>",
                "",
            ]
    PAGE.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
