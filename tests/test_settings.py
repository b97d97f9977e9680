"""Tests of ffnn.settings: a setting's declaration read back, its TOML types
and its command-line text."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ffnn.config import SETTINGS
from ffnn.settings import (
    MAX_POWER_T,
    check_decay,
    check_power_t,
    parse_batch_size,
    parse_hidden,
    setting,
    settings_of,
    show_value,
)


def test_toml_types_come_from_the_annotations():
    assert SETTINGS["epochs"].accepts == (int,)
    assert set(SETTINGS["learning_rate"].accepts) == {float, int}
    assert set(SETTINGS["hidden"].accepts) == {tuple, list, int}
    assert type(None) in SETTINGS["batch_size"].accepts
    assert SETTINGS["nesterov"].accepts == (bool,)


def test_command_line_text_round_trips():
    assert parse_hidden("64,32") == (64, 32)
    assert SETTINGS["hidden"].show((64, 32)) == "64,32"
    assert parse_batch_size("full") is None and parse_batch_size("32") == 32
    assert SETTINGS["batch_size"].show(None) == "full"
    for bad in ("3,x", "0", ""):
        with pytest.raises(ValueError, match="hidden"):
            parse_hidden(bad)
    with pytest.raises(ValueError, match="batch size"):
        parse_batch_size("-4")


def test_a_declaration_is_read_back_with_its_flag_and_default_text():
    @dataclass
    class Options:
        rate: float = setting(0.5, "a rate", group="g", flag="--r")
        sizes: tuple[int, ...] = setting((2, 1), "sizes", group="g")
        mode: str | None = setting(None, "a mode", group="g", choices={"a": 1, "b": 2})
        verbose: bool = setting(False, "more output", group="g")

    declared = settings_of(Options)
    assert list(declared) == ["rate", "sizes", "mode", "verbose"]
    assert declared["rate"].flag == "--r" and declared["sizes"].flag == "--sizes"
    assert declared["rate"].describe() == "a rate (default: 0.5)"
    assert declared["sizes"].shown == "2,1" and declared["verbose"].shown == "off"
    assert declared["mode"].choices == ("a", "b") and declared["mode"].kind is str
    assert declared["mode"].validate(None) is None
    assert declared["mode"].validate("b") == "b"
    with pytest.raises(ValueError, match="unknown mode 'c'; valid names are: a, b"):
        declared["mode"].validate("c")


def test_values_read_as_written():
    assert [show_value(v) for v in (0.0, 0.001, 1e-5, 0.123456789, 3)] == [
        "0",
        "0.001",
        "1e-05",
        "0.123456789",
        "3",
    ]


def test_a_decay_is_a_factor_in_0_1():
    assert check_decay(0.75, "decay") == 0.75 and check_decay(1, "decay") == 1.0
    for bad in (0.0, 1.0001, 1e6, float("inf")):
        with pytest.raises(ValueError, match="decay"):
            check_decay(bad, "decay")
    with pytest.raises(TypeError, match="decay"):
        check_decay("0.5", "decay")


def test_power_t_is_bounded_where_the_schedule_stays_finite():
    assert check_power_t(0, "power_t") == 0.0
    assert check_power_t(MAX_POWER_T, "power_t") == MAX_POWER_T
    assert (1e30) ** MAX_POWER_T < float("inf")  # t up to 1e30 samples
    with pytest.raises(ValueError, match=r"power_t must be in \[0, 10\]"):
        check_power_t(MAX_POWER_T * 1.01, "power_t")
