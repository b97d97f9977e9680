"""Tests of ffnn.playground.session: a session's training is ffnn.train's with the
same settings and seed, bit for bit; what each kind of settings change rebuilds;
reset, regenerate and upload; divergence undone; the exported model; the state
message's shape."""

import base64
import json

import numpy as np
import pytest

import ffnn
import ffnn.playground.session as session_module
from ffnn.optimizers import OPTIMIZERS
from ffnn.playground.data import make_data, transform
from ffnn.playground.session import Session
from ffnn.playground.settings import MAX_SEED, Settings, SettingsError
from ffnn.training import TrainingDivergedError

#: settings whose runs are compared with ffnn.train
RUNS = {
    "sgd-full-batch": Settings(batch_size=0, learning_rate=0.5, hidden=(3,)),
    "adam-minibatch-dropout-l2": Settings(
        optimizer="adam",
        learning_rate=0.01,
        batch_size=7,
        dropout=0.3,
        l2=0.2,
        seed=11,
        hidden=(5, 3),
        activation="relu",
        init="he_normal",
        features=("x1", "x2", "x1*x2", "sin(x1)"),
    ),
    "rmsprop-blobs": Settings(
        dataset="blobs", classes=4, optimizer="rmsprop", learning_rate=0.003, seed=2
    ),
    "regression": Settings(
        dataset="regression", hidden=(6, 6), activation="sigmoid", batch_size=16
    ),
}


def train_as_ffnn(settings: Settings, epochs: int):
    """The run ffnn.train makes of ``settings``: the network and its History."""
    data = make_data(
        settings.dataset, settings.samples, settings.noise, settings.train_ratio,
        settings.seed, settings.classes,
    )  # fmt: skip
    X_train = transform(data.X_train, settings.features)
    X_test = transform(data.X_test, settings.features)
    net = ffnn.Network.mlp(
        [len(settings.features), *settings.hidden, data.classes or 1],
        activation=settings.activation,
        init=settings.init,
        dropout=settings.dropout,
        seed=settings.seed,
        output="softmax" if data.classes else "identity",
    )
    history = ffnn.train(
        net, X_train, data.y_train,
        optimizer=OPTIMIZERS[settings.optimizer](learning_rate=settings.learning_rate),
        epochs=epochs, batch_size=settings.batch_size or None, alpha=settings.l2,
        seed=settings.seed, reduction="mean", validation_data=(X_test, data.y_test),
    )  # fmt: skip
    return net, history


@pytest.mark.parametrize("name", sorted(RUNS))
def test_training_is_ffnn_train_bit_for_bit(name):
    settings = RUNS[name]
    session = Session(settings)
    for _ in range(12):
        session.train_epoch()
    net, history = train_as_ffnn(settings, 12)
    assert session.epoch == 12
    assert np.array_equal(session.net.flat_parameters, net.flat_parameters)
    assert session.history.loss == history.loss
    assert session.history.val_loss == history.val_loss
    state = session.state()
    assert state["loss_history"]["train"] == history.loss
    assert state["loss_history"]["epochs"] == list(range(1, 13))


def test_epochs_cut_into_steps_are_the_same_epochs():
    settings = RUNS["adam-minibatch-dropout-l2"]
    whole, stepped = Session(settings), Session(settings)
    for _ in range(3):
        whole.train_epoch()
        steps = list(stepped.epoch_steps())
        assert len(steps) == -(-len(stepped.targets) // settings.batch_size)
    assert np.array_equal(whole.net.flat_parameters, stepped.net.flat_parameters)


def test_the_same_seed_gives_the_same_initial_weights():
    session = Session(Settings(seed=4))
    initial = session.net.flat_parameters.copy()
    for _ in range(3):
        session.train_epoch()
    assert not np.array_equal(session.net.flat_parameters, initial)
    session.reset()
    assert np.array_equal(session.net.flat_parameters, initial)
    assert session.epoch == 0 and session.history.loss == []
    assert np.array_equal(Session(Settings(seed=4)).net.flat_parameters, initial)


def trained(settings=None, epochs=3) -> Session:
    session = Session(settings)
    for _ in range(epochs):
        session.train_epoch()
    return session


def test_a_data_key_draws_new_data_and_a_new_network():
    session = trained()
    old_points = session.data.X_train.copy()
    assert session.update({"noise": 0.3}) is True
    assert not np.array_equal(session.data.X_train, old_points)
    assert session.epoch == 0
    assert np.array_equal(
        session.net.flat_parameters, Session(session.settings).net.flat_parameters
    )


def test_a_network_key_builds_a_new_network_on_the_same_data():
    session = trained()
    data = session.data
    assert session.update({"hidden": [2, 3, 2]}) is False
    assert session.data is data and session.epoch == 0
    assert [d.n_out for d in session.net.dense_layers] == [2, 3, 2, 2]


def test_a_training_key_keeps_the_weights():
    session = trained()
    weights, epoch = session.net.flat_parameters.copy(), session.epoch
    session.update({"learning_rate": 0.1, "optimizer": "adam", "batch_size": 5})
    assert np.array_equal(session.net.flat_parameters, weights)
    assert session.epoch == epoch and len(session.history.loss) == epoch
    assert isinstance(session.optimizer, ffnn.Adam)
    session.train_epoch()  # goes on with the new optimizer
    assert session.epoch == epoch + 1


def test_a_dropout_change_keeps_the_weights():
    session = trained()
    weights = session.net.flat_parameters.copy()
    session.update({"dropout": 0.5})
    assert np.array_equal(session.net.flat_parameters, weights)
    assert any(isinstance(layer, ffnn.Dropout) for layer in session.net.layers)
    session.train_epoch()
    session.update({"dropout": 0})
    assert not any(isinstance(layer, ffnn.Dropout) for layer in session.net.layers)


def test_the_speed_changes_nothing_else():
    session = trained()
    net, optimizer = session.net, session.optimizer
    assert session.update({"epochs_per_update": 10}) is False
    assert session.net is net and session.optimizer is optimizer
    assert session.settings.epochs_per_update == 10


def test_an_unchanged_value_rebuilds_nothing():
    session = trained()
    net = session.net
    assert session.update(Settings().to_dict()) is False
    assert session.net is net and session.epoch == 3


def test_a_refused_update_leaves_the_session_as_it_was():
    session = trained()
    settings, net = session.settings, session.net
    with pytest.raises(SettingsError, match="hidden"):
        session.update({"noise": 0.5, "hidden": [0]})
    assert session.settings is settings and session.net is net


def test_regenerate_takes_the_next_seed():
    session = Session(Settings(seed=7))
    old = session.data.X_train.copy()
    session.regenerate()
    assert session.settings.seed == 8 and session.epoch == 0
    assert not np.array_equal(session.data.X_train, old)
    session = Session(Settings(seed=MAX_SEED, samples=10))
    session.regenerate()
    assert session.settings.seed == 0


def csv_of(rows) -> str:
    return "x1,x2,label\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n"


def test_upload_and_back():
    session = Session()
    rows = [(i, (i * 7) % 5, i % 3) for i in range(30)]
    session.upload(csv_of(rows))
    assert session.settings.dataset == "upload"
    assert session.data.classes == 3 and session.net.n_outputs == 3
    assert len(session.data.y_train) == 15
    session.update({"dataset": "moons"})
    assert session.data.classes == 2
    assert session.update({"dataset": "upload", "train_ratio": 0.8}) is True
    assert session.data.classes == 3 and len(session.data.y_train) == 24


def test_upload_of_values_regresses():
    session = Session()
    session.upload(csv_of([(i, i % 4, i / 10) for i in range(20)]))
    assert session.data.kind == "regression" and session.net.output == "identity"
    session.train_epoch()
    assert session.state()["train_score"] is not None  # R²


def test_a_bad_upload_leaves_the_session():
    session = trained()
    net = session.net
    with pytest.raises(ValueError, match="row 3"):
        session.upload("x1,x2,label\n1,2,0\n1,zz,1\n")
    assert session.net is net and session.settings.dataset == "moons"


def test_upload_dataset_needs_an_upload_first():
    with pytest.raises(SettingsError, match="send an upload message first"):
        Session().update({"dataset": "upload"})


def test_a_diverging_epoch_is_undone():
    settings = Settings(
        dataset="regression", activation="identity", learning_rate=10, batch_size=0
    )
    session = Session(settings)
    session.train_epoch()
    saved = session.net.flat_parameters.copy()
    rng_state = session.rng.bit_generator.state
    with pytest.raises(TrainingDivergedError, match="training diverged at epoch"):
        for _ in range(20):
            session.train_epoch()
            saved = session.net.flat_parameters.copy()
            rng_state = session.rng.bit_generator.state
    assert np.array_equal(session.net.flat_parameters, saved)
    assert session.rng.bit_generator.state == rng_state
    assert len(session.history.loss) == session.epoch
    json.dumps(session.state(), allow_nan=False)  # every number finite


def test_divergence_comes_where_ffnn_train_raises():
    settings = Settings(
        dataset="regression", activation="identity", learning_rate=10, batch_size=0
    )
    with pytest.raises(TrainingDivergedError) as expected:
        train_as_ffnn(settings, 50)
    session = Session(settings)
    with pytest.raises(TrainingDivergedError) as caught:
        for _ in range(50):
            session.train_epoch()
    assert caught.value.epoch == session.epoch == expected.value.epoch
    assert caught.value.reason == expected.value.reason


@pytest.mark.parametrize("name", ["sgd-full-batch", "regression"])
def test_export_is_a_model_file_ffnn_loads(name, tmp_path):
    session = trained(RUNS[name])
    message = session.export()
    assert message["type"] == "model" and message["filename"] == "playground.npz"
    path = tmp_path / message["filename"]
    path.write_bytes(base64.b64decode(message["base64"]))
    loaded = ffnn.load(path)
    X = session.X_test
    assert np.array_equal(loaded.predict(X), session.net.predict(X))
    if session.data.classes:
        assert np.array_equal(loaded.classes, np.arange(session.data.classes))


STATE_KEYS = {
    "type", "epoch", "playing", "settings", "train_loss", "test_loss",
    "train_score", "test_score", "loss_history", "spikes", "grid", "output",
    "output_range", "neurons", "weights", "biases", "diagnostics", "command",
    "python",
}  # fmt: skip


def test_the_state_message():
    settings = Settings(hidden=(3, 5), features=("x1", "x2", "x1^2"))
    session = trained(settings, epochs=4)
    state = session.state(playing=True)
    assert set(state) == STATE_KEYS
    assert state["type"] == "state" and state["epoch"] == 4 and state["playing"]
    assert state["settings"] == settings.to_dict()
    assert state["grid"] == {"size": 64, "extent": [-6, 6]}
    assert len(base64.b64decode(state["output"])) == 64 * 64
    assert [len(layer) for layer in state["neurons"]] == [3, 5]
    for layer in state["neurons"]:
        for picture, lo, hi in layer:
            assert len(base64.b64decode(picture)) == 64 * 64 and lo <= hi
    shapes = [np.array(W).shape for W in state["weights"]]
    assert shapes == [(3, 3), (3, 5), (5, 2)]
    assert [len(b) for b in state["biases"]] == [3, 5, 2]
    assert np.array_equal(state["weights"][1], session.net.weights[1])
    history = state["loss_history"]
    assert len(history["epochs"]) == len(history["train"]) == len(history["test"]) == 4
    assert set(state["spikes"]) <= set(history["epochs"])
    d = state["diagnostics"]
    assert [len(s) for s in d["saturated"]] == [len(x) for x in d["dead"]] == [3, 5]
    assert len(d["grad_norms"]) == 3
    assert 0 <= state["train_score"] <= 1 and state["train_loss"] > 0
    json.dumps(state, allow_nan=False)


def test_the_data_message():
    session = Session(Settings(samples=40))
    message = session.data_message()
    assert message["kind"] == "classification" and message["classes"] == 2
    assert len(message["train"]) == len(message["test"]) == 20
    x1, x2, label = message["train"][0]
    assert isinstance(x1, float) and isinstance(x2, float) and isinstance(label, int)
    regression = Session(Settings(dataset="regression", samples=40)).data_message()
    assert regression["classes"] == 0 and isinstance(regression["test"][0][2], float)


def test_the_curve_keeps_the_last_epochs(monkeypatch):
    monkeypatch.setattr(session_module, "HISTORY_POINTS", 5)
    session = trained(Settings(batch_size=0, learning_rate=3.0, hidden=(10,)), 23)
    curve = session.state()["loss_history"]
    assert curve["epochs"] == [19, 20, 21, 22, 23]
    assert len(curve["train"]) == 5 and len(session.history.loss) <= 10
    assert curve["train"][-1] == session.history.loss[-1]


def test_spikes_are_loss_rises_of_five_per_cent():
    session = Session()
    session.history.loss[:] = [1.0, 0.9, 0.95, 1.0, 0.5, 0.53]
    session.history.val_loss[:] = [0.0] * 6
    session.epoch = 6
    # 0.9 → 0.95 is +5.6 %, 0.95 → 1.0 +5.3 %, 0.5 → 0.53 +6 %
    assert session.state()["spikes"] == [3, 4, 6]
