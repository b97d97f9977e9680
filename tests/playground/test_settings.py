"""Tests of ffnn.playground.settings: the protocol's keys and defaults, every
key's type and range checked, refused updates leave the settings as they were,
and the presets are valid settings."""

import pytest

from ffnn.playground.settings import (
    DATA_KEYS,
    NETWORK_KEYS,
    PRESETS,
    TRAINING_KEYS,
    Settings,
    SettingsError,
)

#: the protocol's keys and defaults (PROTOCOL.md)
DEFAULTS = {
    "dataset": "moons",
    "classes": 2,
    "samples": 500,
    "noise": 0.2,
    "train_ratio": 0.5,
    "features": ["x1", "x2"],
    "hidden": [4, 4],
    "activation": "tanh",
    "init": "lecun_normal",
    "learning_rate": 0.03,
    "optimizer": "sgd",
    "batch_size": 10,
    "l2": 0.0,
    "dropout": 0.0,
    "seed": 0,
    "epochs_per_update": 1,
}


def test_defaults_are_the_protocols():
    assert Settings().to_dict() == DEFAULTS


def test_key_groups_cover_every_key_once():
    groups = [DATA_KEYS, NETWORK_KEYS, TRAINING_KEYS, {"epochs_per_update"}]
    assert sorted(k for group in groups for k in group) == sorted(DEFAULTS)


def test_a_whole_update_round_trips():
    values = {
        **DEFAULTS,
        "dataset": "blobs",
        "classes": 5,
        "samples": 2000,
        "noise": 1,
        "train_ratio": 0.9,
        "features": list(reversed(DEFAULTS["features"])),
        "hidden": [10, 1, 8, 1, 8, 1],
        "activation": "leaky_relu",
        "init": "zeros",
        "learning_rate": 10,
        "optimizer": "rmsprop",
        "batch_size": 0,
        "l2": 10,
        "dropout": 0.9,
        "seed": 2**31 - 1,
        "epochs_per_update": 100,
    }
    settings = Settings().updated(values)
    expected = {**values, "noise": 1.0, "learning_rate": 10.0, "l2": 10.0}
    expected["features"] = ["x1", "x2"]  # in the order of FEATURES
    assert settings.to_dict() == expected


def test_a_partial_update_changes_only_its_keys():
    settings = Settings().updated({"hidden": [3], "learning_rate": 0.5})
    assert settings.hidden == (3,) and settings.learning_rate == 0.5
    assert settings.changed(Settings()) == {"hidden", "learning_rate"}
    assert Settings().updated({}) == Settings()


def test_features_come_back_in_their_order():
    settings = Settings().updated({"features": ["sin(x2)", "x1*x2", "x1"]})
    assert settings.features == ("x1", "x1*x2", "sin(x2)")


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ({"colour": "red"}, "unknown setting 'colour'"),
        ({"dataset": "iris"}, "dataset must be one of"),
        ({"dataset": 3}, "dataset must be one of"),
        ({"dataset": ["moons"]}, "dataset must be one of"),
        ({"classes": 1}, r"classes must be in 2\.\.5"),
        ({"classes": 6}, r"classes must be in 2\.\.5"),
        ({"classes": 2.0}, "classes must be an integer"),
        ({"classes": True}, "classes must be an integer"),
        ({"samples": 9}, r"samples must be in 10\.\.2000"),
        ({"samples": 2001}, r"samples must be in 10\.\.2000"),
        ({"samples": "500"}, "samples must be an integer"),
        ({"noise": -0.1}, r"noise must be in \[0, 1\]"),
        ({"noise": 1.5}, r"noise must be in \[0, 1\]"),
        ({"noise": None}, "noise must be a number"),
        ({"noise": False}, "noise must be a number"),
        ({"train_ratio": 0.05}, "train_ratio must be in"),
        ({"train_ratio": 0.95}, "train_ratio must be in"),
        ({"features": []}, "features must be a non-empty list"),
        ({"features": "x1"}, "features must be a non-empty list"),
        ({"features": ["x1", "x3"]}, "features: unknown feature 'x3'"),
        ({"features": ["x1", 1]}, "features: unknown feature 1"),
        ({"features": ["x1", "x1"]}, "features names a feature twice"),
        ({"hidden": []}, "hidden must be a list of 1..6"),
        ({"hidden": [4] * 7}, "hidden must be a list of 1..6"),
        ({"hidden": 4}, "hidden must be a list of 1..6"),
        ({"hidden": [4, 0]}, r"hidden\[1\] must be in 1\.\.10"),
        ({"hidden": [11]}, r"hidden\[0\] must be in 1\.\.10"),
        ({"hidden": [4, 2.5]}, r"hidden\[1\] must be an integer"),
        ({"activation": "softmax"}, "activation must be one of"),
        ({"init": "ones"}, "init must be one of"),
        ({"learning_rate": 0}, "learning_rate must be in"),
        ({"learning_rate": 11}, "learning_rate must be in"),
        ({"learning_rate": float("nan")}, "learning_rate must be in"),
        ({"learning_rate": float("inf")}, "learning_rate must be in"),
        ({"optimizer": "lbfgs"}, "optimizer must be one of"),
        ({"batch_size": -1}, r"batch_size must be in 0\.\.2000"),
        ({"l2": -1}, "l2 must be in"),
        ({"l2": 10.5}, "l2 must be in"),
        ({"dropout": 0.95}, "dropout must be in"),
        ({"seed": -1}, "seed must be in"),
        ({"seed": 2**31}, "seed must be in"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"epochs_per_update": 0}, "epochs_per_update must be in 1..100"),
        ({"epochs_per_update": 101}, "epochs_per_update must be in 1..100"),
    ],
)
def test_bad_values_are_refused_by_key(update, message):
    settings = Settings()
    with pytest.raises(SettingsError, match=message):
        settings.updated(update)
    assert settings == Settings()  # unchanged


@pytest.mark.parametrize("update", [None, [], "moons", 3])
def test_an_update_must_be_an_object(update):
    with pytest.raises(SettingsError, match="settings must be an object"):
        Settings().updated(update)


def test_long_values_are_cut_short_in_messages():
    with pytest.raises(SettingsError) as caught:
        Settings().updated({"dataset": "x" * 10_000})
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_are_valid_settings(name):
    settings = Settings().updated(PRESETS[name])
    assert settings.dataset == "moons" and settings.activation == "tanh"


def test_the_notes_presets():
    assert PRESETS["eta-too-large"]["learning_rate"] == 3.0
    assert PRESETS["3-neurons"]["hidden"] == [3]
    assert PRESETS["10-neurons"]["hidden"] == [10]
    inits = {PRESETS[name]["init"] for name in PRESETS if name.endswith("-init")}
    assert inits == {"standard_normal", "lecun_normal", "zeros"}


def test_a_batch_larger_than_the_samples_is_the_full_batch():
    """Fewer samples never refuse the batch size: the session trains on
    min(batch_size, n) rows a batch."""
    settings = Settings().updated({"batch_size": 32, "samples": 10})
    assert settings.batch_size == 32 and settings.samples == 10
