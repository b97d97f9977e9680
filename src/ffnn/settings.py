"""Declaring a configuration's settings once: :func:`setting` declares a
dataclass field with its help text, choices, check and command-line form, and
:func:`settings_of` reads the declarations back as :class:`Setting` objects.

:class:`ffnn.config.TrainConfig` declares its fields this way; the ``ffnn
train`` options and their help, the checks of experiment TOML keys and the
config's own validation are all built from those declarations.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ffnn._validation import (
    canonical_name,
    check_dtype,
    check_int,
    check_positive,
    lookup,
)

#: the largest invscaling exponent: (t + 1)^power_t stays finite for every
#: t < 10^30 samples seen, and η has fallen by 10^23 after one epoch of 200
MAX_POWER_T = 10.0


def parse_hidden(text: str) -> tuple[int, ...]:
    """``"64,32"`` → ``(64, 32)``: hidden layer sizes written on a command line."""
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(
            f"hidden takes comma-separated integers such as 10 or 64,32; got {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise ValueError(f"hidden layer sizes must be >= 1, got {text!r}")
    return sizes


def parse_batch_size(text: str) -> int | None:
    """``"32"`` → 32; ``"full"`` (or ``"none"``, ``"all"``) → None, full batch."""
    if text.strip().lower() in ("full", "none", "all"):
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(
            f"batch size takes a positive integer or 'full', got {text!r}"
        ) from None
    if value < 1:
        raise ValueError(f"batch size must be >= 1, got {value}")
    return value


def check_hidden(value: Any, name: str) -> tuple[int, ...]:
    """Layer sizes as a tuple of integers >= 1; one int is one layer."""
    sizes = (value,) if isinstance(value, int) else value  # TOML: hidden = 10
    if isinstance(sizes, str) or not isinstance(sizes, tuple | list):
        raise TypeError(f"{name} must be a list of layer sizes, got {value!r}")
    return tuple(check_int(size, "hidden layer size") for size in sizes)


def check_decay(value: Any, name: str) -> float:
    """A schedule's decay factor, in (0, 1].

    The step and exponential schedules multiply η by it at each decay
    (``η₀ · decay^k``), so a factor above 1 makes η grow geometrically: the run
    diverges, and ``decay^k`` soon overflows a float (``1e6`` after 52 decays).
    """
    value = check_positive(value, name)
    if value > 1:
        raise ValueError(
            f"{name} must be in (0, 1]: η is multiplied by it at each decay, so "
            f"above 1 it grows without bound; got {value!r}"
        )
    return value


def check_power_t(value: Any, name: str) -> float:
    """The invscaling exponent, in [0, :data:`MAX_POWER_T`]: ``(t + 1)^power_t``
    overflows a float for larger ones (and η is already gone after one epoch)."""
    value = check_positive(value, name, allow_zero=True)
    if value > MAX_POWER_T:
        raise ValueError(
            f"{name} must be in [0, {MAX_POWER_T:g}]: η₀ / (t + 1)^{name} "
            f"vanishes after one epoch and overflows later; got {value!r}"
        )
    return value


def check_dtype_name(value: Any, name: str) -> str:
    """The name of a float dtype ffnn computes in: 'float64' or 'float32'."""
    return check_dtype(value).name  # np.float32 → 'float32', as JSON can hold it


def setting(
    default: Any,
    help: str,
    *,
    group: str,
    choices: Mapping[str, Any] | None = None,
    check: Callable[[Any, str], Any] | None = None,
    flag: str | None = None,
    parse: Callable[[str], Any] | None = None,
    shown: str | None = None,
    none: str = "none",
) -> Any:
    """Declare a :class:`TrainConfig` field and everything said about it.

    Parameters
    ----------
    default : the field's default.
    help : str
        What the setting means (``ffnn train --help`` adds the default).
    group : str
        Section of the help: 'data', 'network' or 'training'.
    choices : mapping, optional
        The registry whose names are the valid values.
    check : callable(value, name) -> value, optional
        Validates a value and returns the value to store (by default a value
        must name one of the ``choices``; None passes when the default is None).
    flag : str, optional
        The command-line option, when not ``--`` + the name with dashes.
    parse : callable(str) -> value, optional
        Reads the option's text, when the type alone cannot (``64,32``).
    shown : str, optional
        The default as the help states it, when the value alone says too little.
    none : str
        How a value of None reads (``full`` for the batch size).
    """
    metadata = {
        "help": help,
        "group": group,
        "choices": tuple(sorted(choices)) if choices is not None else None,
        "check": check,
        "flag": flag,
        "parse": parse,
        "shown": shown,
        "none": none,
    }
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Setting:
    """One :class:`TrainConfig` field, as the CLI, the TOML checks and the
    validation read it (see :func:`setting` for the attributes)."""

    name: str
    type: Any  # the field's annotation, e.g. int | None
    default: Any
    help: str
    group: str
    choices: tuple[str, ...] | None
    check: Callable[[Any, str], Any] | None
    flag: str
    parse: Callable[[str], Any] | None
    shown: str
    none: str

    @property
    def kind(self) -> type:
        """The value's type without None: int, float, str, bool or tuple."""
        kinds = [t for t in _union(self.type) if t is not type(None)]
        return typing.get_origin(kinds[0]) or kinds[0]

    @property
    def accepts(self) -> tuple[type, ...]:
        """Types of a value read from TOML or JSON (a float setting takes an
        int, the hidden sizes one int or a list)."""
        accepted: list[type] = []
        for hint in _union(self.type):
            kind = typing.get_origin(hint) or hint
            if kind is float:
                accepted += [float, int]
            elif kind is tuple:
                accepted += [tuple, list, int]
            else:
                accepted.append(kind)
        return tuple(accepted)

    def validate(self, value: Any) -> Any:
        """The value to store, after checking it; errors name the setting."""
        if value is None and self.default is None:
            return value
        if self.check is not None:
            return self.check(value, self.name)
        if self.choices is not None:
            lookup(dict.fromkeys(self.choices), value, self.name)
            return canonical_name(value)  # stored as the registry spells it
        if self.kind is bool and not isinstance(value, bool):
            raise TypeError(f"{self.name} must be true or false, got {value!r}")
        return value

    def show(self, value: Any) -> str:
        """``value`` as written on a command line: 64,32 · 0.001 · full."""
        return show_value(value, self.none)

    def describe(self) -> str:
        """The help text with the default."""
        return f"{self.help} (default: {self.shown})"


def show_value(value: Any, none: str = "none") -> str:
    """A setting's value as written on a command line: 64,32 · 0.001 · full."""
    if value is None:
        return none
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        text = repr(value)  # every digit, so the text reads back the same value
        return text.removesuffix(".0")
    return str(value)


def _union(hint: Any) -> tuple[Any, ...]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def settings_of(config_class: type) -> dict[str, Setting]:
    """The :class:`Setting` of each field of the dataclass ``config_class``
    (fields declared with :func:`setting`), by name, in field order."""
    hints = typing.get_type_hints(config_class)
    settings = {}
    for f in fields(config_class):
        meta = dict(f.metadata)
        flag = meta.pop("flag") or "--" + f.name.replace("_", "-")
        shown = meta.pop("shown") or (
            ("on" if f.default else "off")
            if isinstance(f.default, bool)
            else show_value(f.default, meta["none"])
        )
        settings[f.name] = Setting(
            f.name, hints[f.name], f.default, flag=flag, shown=shown, **meta
        )
    return settings
