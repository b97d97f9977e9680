"""Pages of the documentation site generated from the code at build time.

mkdocs-gen-files runs this script on every ``mkdocs build`` (see mkdocs.yml), so
the API reference follows each module's ``__all__`` and the CLI reference the
options' own declarations (:data:`ffnn.config.SETTINGS` and the argparse
parsers); neither can drift from the code. ``tests/test_docs.py`` imports the
functions below and compares their pages with ``__all__`` and ``SETTINGS``.
"""

from __future__ import annotations

import argparse
import importlib
import os
from types import ModuleType

#: API reference page → the module whose ``__all__`` it documents
REFERENCE_PAGES = {
    "reference/ffnn.md": "ffnn",
    "reference/datasets.md": "ffnn.datasets",
    "reference/experiments.md": "ffnn.experiments",
}
#: the width argparse wraps the help to, so the page is the same on any terminal
HELP_COLUMNS = "88"


def reference_page(module_name: str) -> str:
    """The Markdown of one API page: a ``::: module.Name`` block per name in
    ``__all__``; a submodule in ``__all__`` links to its own page."""
    module = importlib.import_module(module_name)
    pages = {name: path for path, name in REFERENCE_PAGES.items()}
    lines = [
        f"# `{module_name}`",
        "",
        f"Every public name of `{module_name}` (its `__all__`), in that order, "
        "with the docstring it has in the code.",
        "",
    ]
    for name in module.__all__:
        value = getattr(module, name)
        if isinstance(value, ModuleType):
            target = pages[value.__name__].removeprefix("reference/")
            lines += [
                f"## `{module_name}.{name}`",
                "",
                f"The module `{value.__name__}`: see [its page]({target}).",
                "",
            ]
        else:
            lines += [f"::: {_static_path(module, name)}", ""]
    return "\n".join(lines)


def _static_path(module: ModuleType, name: str) -> str:
    """Where griffe, which reads the source without importing it, finds
    ``name``: a name the module imports on first use (``ffnn._LAZY``, through
    its ``__getattr__``) is documented from the module that defines it."""
    lazy = getattr(module, "_LAZY", {})
    return f"{lazy.get(name, module.__name__)}.{name}"


def reference_names(page: str) -> list[str]:
    """The names a generated reference page documents, in order."""
    names = []
    for line in page.splitlines():
        if line.startswith("::: "):
            names.append(line.removeprefix("::: ").rsplit(".", 1)[1])
        elif line.startswith("## `"):
            names.append(line.strip("#` ").rsplit(".", 1)[1])
    return names


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    from ffnn.cli import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise RuntimeError("ffnn's parser has no subcommands")


def _help(parser: argparse.ArgumentParser) -> str:
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_COLUMNS
    try:
        return parser.format_help()
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def cli_page() -> str:
    """The CLI reference: ``ffnn train``'s options from SETTINGS, the other
    commands' argparse help and the experiment-file keys."""
    from ffnn.config import SETTINGS
    from ffnn.experiments.config_file import EXPERIMENT_KEYS, SECTIONS
    from ffnn.experiments.studies import STUDIES

    parsers = _subparsers()
    lines = [
        "# CLI reference",
        "",
        "Generated at build time from the command's own declarations: the "
        "training settings (`ffnn.config.SETTINGS`, which also define the "
        "`[base]` and `[grid]` keys of an experiment file) and the argparse "
        "parsers of `ffnn`.",
        "",
        "## `ffnn train`",
        "",
        "Every setting of a training run. The same names, with underscores, "
        "are the fields of `ffnn.config.TrainConfig` and the keys of an "
        "experiment file's `[base]` and `[grid]` tables.",
        "",
    ]
    groups: dict[str, list] = {}
    for declared in SETTINGS.values():
        groups.setdefault(declared.group, []).append(declared)
    for group, settings in groups.items():
        lines += [
            f"### {group}",
            "",
            "| flag | key | help | choices | default |",
            "|---|---|---|---|---|",
        ]
        for declared in settings:
            choices = ", ".join(f"`{c}`" for c in declared.choices or ())
            lines.append(
                f"| `{declared.flag}` | `{declared.name}` | {_cell(declared.help)} "
                f"| {choices} | `{_cell(declared.shown)}` |"
            )
        lines.append("")
    flags = {declared.flag for declared in SETTINGS.values()}
    lines += [
        "### other options",
        "",
        "| option | help |",
        "|---|---|",
    ]
    for action in parsers["train"]._actions:
        names = [o for o in action.option_strings if o not in flags]
        if not names or action.help == argparse.SUPPRESS:
            continue
        lines.append(f"| `{', '.join(names)}` | {_cell(action.help or '')} |")
    lines += [
        "",
        "### `ffnn train --help`",
        "",
        "```text",
        _help(parsers["train"]),
        "```",
        "",
    ]
    for command in ("predict", "experiment", "playground"):
        lines += [
            f"## `ffnn {command}`",
            "",
            "```text",
            _help(parsers[command]).rstrip(),
            "```",
            "",
        ]
    lines += [
        "## Experiment files",
        "",
        "An experiment file (`ffnn experiment run FILE.toml`) is TOML with the "
        f"sections {', '.join(f'`[{s}]`' for s in SECTIONS)}; every key is "
        "checked before any run.",
        "",
        "### `[experiment]`",
        "",
        "| key | type |",
        "|---|---|",
    ]
    lines += [f"| `{k}` | `{t.__name__}` |" for k, t in EXPERIMENT_KEYS.items()]
    lines += [
        "",
        "### `[base]` and `[grid]`",
        "",
        "`[base]` holds training settings shared by every run, `[grid]` lists of "
        "values to vary (every combination runs). The keys are the settings' "
        "names (the *key* column of the `ffnn train` tables above): "
        + ", ".join(f"`{name}`" for name in SETTINGS)
        + ".",
        "",
        "### `[study]`",
        "",
        "The options of the study named by `experiment.study`, with their defaults:",
        "",
        "| study | option | default |",
        "|---|---|---|",
    ]
    for name in sorted(STUDIES):
        options = STUDIES[name].options
        if not options:
            lines.append(f"| `{name}` | (none) | |")
        for key, default in options.items():
            lines.append(f"| `{name}` | `{key}` | `{_cell(repr(default))}` |")
    lines.append("")
    return "\n".join(lines)


def pages() -> dict[str, str]:
    """Every generated page, by its path under docs/."""
    generated = {path: reference_page(name) for path, name in REFERENCE_PAGES.items()}
    generated["cli.md"] = cli_page()
    return generated


def main() -> None:
    import mkdocs_gen_files

    for path, text in pages().items():
        with mkdocs_gen_files.open(path, "w") as page:
            page.write(text)


if __name__ in {"__main__", "<run_path>"}:
    main()
