"""Tests of ffnn.config: each TrainConfig field declared once (type, choices,
default, help, check), presets, and where each value of a config came from."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from ffnn.config import DATASET_PRESETS, DEFAULT_LEARNING_RATES, SETTINGS, TrainConfig


def test_every_field_is_a_declared_setting():
    fields = dataclasses.fields(TrainConfig)
    assert list(SETTINGS) == [f.name for f in fields]
    for f in fields:
        declared = SETTINGS[f.name]
        assert declared.default == f.default
        assert declared.help and declared.group in ("data", "network", "training")
        assert declared.flag.startswith("--")
    assert SETTINGS["learning_rate"].flag == "--lr"
    assert SETTINGS["decay_every"].flag == "--decay-every"


def test_the_defaults_are_the_notes_run():
    config = TrainConfig()
    assert (config.dataset, config.hidden, config.activation) == ("moons", (3,), "tanh")
    assert (config.optimizer, config.learning_rate, config.epochs) == (
        "sgd",
        0.01,
        2000,
    )
    assert (config.batch_size, config.reduction) == (None, "sum")


@pytest.mark.parametrize("name", [n for n, s in SETTINGS.items() if s.choices])
def test_a_value_outside_the_choices_fails_naming_the_setting(name):
    with pytest.raises((ValueError, TypeError), match=rf"{name}.*'nonsense'"):
        TrainConfig(**{name: "nonsense"})
    assert SETTINGS[name].default in SETTINGS[name].choices


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ({"samples": 1}, ValueError, "samples"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 2.5}, TypeError, "epochs"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"l2": -1.0}, ValueError, "l2"),
        ({"dropout": 1.0}, ValueError, "dropout"),
        ({"test_fraction": 1.5}, ValueError, "test_fraction"),
        ({"clip_norm": 0.0}, ValueError, "clip_norm"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"hidden": (3, 0)}, ValueError, "hidden layer size"),
        ({"hidden": "3"}, TypeError, "hidden"),
        ({"seed": -1}, ValueError, "seed"),
        ({"decay": 1e6}, ValueError, r"decay must be in \(0, 1\]"),
        ({"decay": 0.0}, ValueError, "decay"),
        ({"power_t": 1e6}, ValueError, r"power_t must be in \[0, 10\]"),
        ({"power_t": -0.5}, ValueError, "power_t"),
    ],
)
def test_bad_values_fail_naming_the_setting(values, error, message):
    with pytest.raises(error, match=message):
        TrainConfig(**values)


def test_values_are_stored_in_one_form():
    assert TrainConfig(hidden=[5, 3]).hidden == (5, 3)
    assert TrainConfig(hidden=5).hidden == (5,)
    assert TrainConfig(dtype=np.float32).dtype == "float32"
    assert TrainConfig(batch_size=None, noise=None).batch_size is None


@pytest.mark.parametrize("dataset", sorted(DATASET_PRESETS))
def test_presets_name_settings_and_make_valid_configs(dataset):
    preset = DATASET_PRESETS[dataset]
    assert set(preset) <= set(SETTINGS)
    config = TrainConfig.for_dataset(dataset)
    for name, value in preset.items():
        assert getattr(config, name) == value
    sources = config.sources()
    assert {n for n, s in sources.items() if s == "preset"} == set(preset)
    assert sources["dataset"] == "given"


def test_for_dataset_records_given_preset_and_default_values():
    config = TrainConfig.for_dataset(
        "mnist", activation="sigmoid", optimizer="sgd", epochs=1
    )
    sources = config.sources()
    assert (config.activation, config.optimizer, config.epochs) == ("sigmoid", "sgd", 1)
    assert sources["activation"] == sources["optimizer"] == sources["epochs"] == "given"
    assert config.init == "he_normal" and sources["init"] == "preset"
    assert config.batch_size == 64 and sources["batch_size"] == "preset"
    # a new optimizer without a learning rate gets its own default, not the preset's
    assert config.learning_rate == DEFAULT_LEARNING_RATES["sgd"]
    assert sources["learning_rate"] == "default"
    assert sources["seed"] == "default"


def test_for_dataset_without_a_dataset_is_the_notes_run_with_all_defaults():
    config = TrainConfig.for_dataset()
    assert config == TrainConfig()
    assert set(config.sources().values()) == {"default"}
    moons = TrainConfig.for_dataset("moons", hidden=(5,))
    assert moons.sources()["dataset"] == moons.sources()["hidden"] == "given"


def test_sources_travel_with_the_config_and_are_inferred_without_a_record():
    config = TrainConfig.for_dataset("digits", epochs=3)
    assert pickle.loads(pickle.dumps(config)).sources() == config.sources()
    direct = TrainConfig(epochs=3, hidden=(4,))
    sources = direct.sources()
    assert sources["epochs"] == sources["hidden"] == "given"
    assert sources["dataset"] == sources["activation"] == "default"
    copied = dataclasses.replace(config, seed=4)
    assert copied.sources()["seed"] == "given"
    assert "config_sources" not in config.to_dict()


def test_names_are_stored_as_the_registries_spell_them_and_bools_are_bools():
    config = TrainConfig(engine="LAYERS", activation="Leaky-ReLU", optimizer=" Adam")
    assert (config.engine, config.activation, config.optimizer) == (
        "layers",
        "leaky_relu",
        "adam",
    )
    with pytest.raises(TypeError, match="nesterov must be true or false"):
        TrainConfig(nesterov="yes")


def test_a_regression_set_gets_an_identity_output():
    assert "friedman1" in SETTINGS["dataset"].choices
    config = TrainConfig(dataset="friedman1", hidden=(4,))
    assert config.is_regression and config.output == "identity"
    net = config.make_network(10, 1)
    assert net.output == "identity" and not net.is_classifier
    assert [W.shape for W in net.weights] == [(10, 4), (4, 1)]
    for name in ("moons", "spiral", "digits"):
        classifier = TrainConfig(dataset=name)
        assert not classifier.is_regression and classifier.output == "softmax"
    assert TrainConfig().make_network(2, 3).output == "softmax"
    assert TrainConfig().make_network(2, 3, output="identity").output == "identity"


def test_the_friedman1_preset_trains_a_small_adam_regressor():
    config = TrainConfig.for_dataset("friedman1", epochs=5)
    assert (config.samples, config.hidden, config.optimizer) == (1000, (32,), "adam")
    assert (config.reduction, config.batch_size) == ("mean", 32)
    assert config.noise is None  # make_friedman1's own, 1.0
    sources = config.sources()
    assert sources["epochs"] == "given" and sources["samples"] == "preset"
    assert "output" not in config.to_dict()  # derived from the data set


def test_every_decay_in_range_makes_a_schedule_that_stays_finite():
    """decay ≤ 1 and power_t ≤ MAX_POWER_T keep η finite at any epoch a run can
    reach (1e6 as a decay overflowed at epoch 52)."""
    for schedule, values in [
        ("exponential", {"decay": 1.0}),
        ("step", {"decay": 1.0, "decay_every": 1}),
        ("invscaling", {"power_t": 10.0}),
    ]:
        config = TrainConfig(schedule=schedule, **values)
        eta = config.make_optimizer(samples_per_epoch=60_000).schedule
        assert all(np.isfinite(eta(epoch)) for epoch in (0, 1, 10**6, 10**9))
