"""The documentation site against the code: the generated reference pages
document every public name, the CLI reference every option, and mkdocs.yml and
the gallery point at files that exist. (The build itself, which runs the
tutorials' code, is `make docs`, run by .ci/run.)"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

import ffnn
import ffnn.datasets
import ffnn.experiments
from ffnn.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = [
    "tutorials/01-matrix-form.md",
    "tutorials/02-training-on-moons.md",
    "tutorials/03-regularisation-initialisation-hidden-units.md",
    "tutorials/04-beyond-the-notes.md",
    "tutorials/05-scikit-learn-and-dask.md",
]
# the README's long sections live here; the README summarises each and links it
GUIDE = [
    "guide/python-api.md",
    "guide/command-line.md",
    "guide/model-files.md",
    "guide/long-runs.md",
    "guide/experiments.md",
    "guide/digits-and-mnist.md",
    "guide/reading-the-code.md",
    "guide/architecture.md",
]


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def docs_pages():
    return _load(ROOT / "tools" / "docs_pages.py")


@pytest.fixture(scope="module")
def pages(docs_pages):
    return docs_pages.pages()


@pytest.mark.parametrize(
    ("path", "module"),
    [
        ("reference/ffnn.md", ffnn),
        ("reference/datasets.md", ffnn.datasets),
        ("reference/experiments.md", ffnn.experiments),
    ],
)
def test_reference_page_documents_every_public_name(docs_pages, pages, path, module):
    assert docs_pages.REFERENCE_PAGES[path] == module.__name__
    assert docs_pages.reference_names(pages[path]) == list(module.__all__)


def test_reference_blocks_name_importable_objects(pages):
    # each ::: path is where the object lives, so mkdocstrings can find it
    for path in ("reference/ffnn.md", "reference/datasets.md"):
        for target in re.findall(r"^::: (\S+)$", pages[path], re.MULTILINE):
            module_name, name = target.rsplit(".", 1)
            assert hasattr(importlib.import_module(module_name), name), target


def test_cli_reference_lists_every_setting(pages):
    cli = pages["cli.md"]
    for declared in SETTINGS.values():
        assert f"| `{declared.flag}` | `{declared.name}` |" in cli, declared.flag
        assert f"`{declared.shown}`" in cli.replace("\\|", "|"), declared.name
        for choice in declared.choices or ():
            assert f"`{choice}`" in cli, (declared.flag, choice)


def test_cli_reference_has_every_command_and_section(pages):
    from ffnn.experiments.config_file import EXPERIMENT_KEYS, SECTIONS
    from ffnn.experiments.studies import STUDIES

    cli = pages["cli.md"]
    for command in ("train", "predict", "experiment", "playground"):
        assert f"## `ffnn {command}`" in cli
        assert f"usage: ffnn {command}" in cli
    for option in ("--out", "--checkpoint-every", "--resume", "--quiet"):
        assert f"| `{option}` |" in cli
    for section in SECTIONS:
        assert f"`[{section}]`" in cli
    for key in EXPERIMENT_KEYS:
        assert f"| `{key}` |" in cli
    for name, study in STUDIES.items():
        for option in study.options:
            assert f"| `{name}` | `{option}` |" in cli


def _nav() -> list[str]:
    """The lines of mkdocs.yml's nav (read as text: the test extras have no YAML
    parser, and the nav is plain `- title: path` entries)."""
    lines = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
    start = lines.index("nav:") + 1
    end = next(i for i in range(start, len(lines)) if re.match(r"\S", lines[i]))
    return [line for line in lines[start:end] if line.strip()]


def test_nav_lists_the_tutorials_in_order():
    nav = _nav()
    sections = [m.group(1) for line in nav if (m := re.match(r"  - ([^:]+):", line))]
    assert sections == [
        "Home",
        "Tutorials",
        "Guide",
        "Gallery",
        "API reference",
        "CLI reference",
    ]
    pages = [line.split("- ", 1)[1] for line in nav if line.startswith("      - ")]
    tutorials = [page for page in pages if page.startswith("tutorials/")]
    assert tutorials == TUTORIALS
    first = nav.index("  - Tutorials:")
    assert [line.strip()[2:] for line in nav[first + 1 : first + 6]] == TUTORIALS
    for tutorial in TUTORIALS:
        assert (ROOT / "docs" / tutorial).is_file(), tutorial


def test_every_gallery_image_exists_and_every_study_is_shown():
    from ffnn.experiments import list_studies

    page = (ROOT / "docs" / "gallery.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page)
    assert images
    for image in images:
        path = ROOT / "docs" / image
        assert path.is_file(), image
        assert path.stat().st_size <= 250_000, image
    for study in list_studies():
        assert f"ffnn experiment {study} --out experiments/{study}" in page
        assert any(image.startswith(f"gallery/{study}/") for image in images), study


def test_nav_lists_every_guide_page_after_the_tutorials():
    nav = _nav()
    first = nav.index("  - Guide:")
    assert nav[first - 1].strip() == f"- {TUTORIALS[-1]}"
    entries = [line.strip()[2:] for line in nav[first + 1 : first + 1 + len(GUIDE)]]
    assert entries == GUIDE
    listed = {
        p.relative_to(ROOT / "docs").as_posix()
        for p in (ROOT / "docs" / "guide").glob("*.md")
    }
    assert listed == set(GUIDE)  # no guide page outside the nav
    for page in GUIDE:
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        assert text.startswith("# "), page


def test_readme_links_every_guide_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in GUIDE:
        assert (ROOT / "docs" / page).is_file(), page
        assert f"](docs/{page})" in readme, page
        assert f"(full guide: [docs/{page}](docs/{page}))" in readme, page


def test_readme_keeps_its_front_page_sections():
    # sections other issues and the project's rules require on the front page
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for heading in (
        "## Quick start",
        "## Documentation",
        "## Coming from scikit-learn",
        "## The playground",
        "## Speed",
        "## Architecture",
    ):
        assert f"\n{heading}\n" in readme, heading
    assert "](docs/images/playground.png)" in readme
    assert "| module | concept |" in readme
    for bench in ("tiny.py", "mnist.py", "larger.py", "estimator.py", "playground.py"):
        assert f"benchmarks/{bench}" in readme, bench


def test_guide_links_resolve():
    # relative links inside the guide point at files of the site (mkdocs --strict
    # checks this too; this test does it without a build)
    for page in GUIDE:
        path = ROOT / "docs" / page
        for target in re.findall(r"\]\(([^)#\s]+)", path.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            if target.startswith("../reference/") or target == "../cli.md":
                continue  # generated at build time by tools/docs_pages.py
            assert (path.parent / target).resolve().is_file(), (page, target)
