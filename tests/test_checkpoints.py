"""Tests of ffnn.checkpoints and of train(checkpoint_..., resume=...): a run
resumed from a checkpoint ends bit for bit where the run never stopped would."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

import ffnn
from ffnn.checkpoints import load_checkpoint
from ffnn.serialization import METADATA_KEY

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def _data():
    return ffnn.datasets.make_moons(120, noise=0.2, seed=0)


def _run(optimizer_name="adam", dropout=0.2):
    net = ffnn.Network.mlp([2, 12, 12, 2], activation="relu", dropout=dropout, seed=3)
    schedule = ffnn.StepDecay(0.02, drop=0.5, every=3)
    if optimizer_name == "adam":
        optimizer = ffnn.Adam(schedule)
    elif optimizer_name == "sgd":
        optimizer = ffnn.SGD(schedule, momentum=0.9, nesterov=True)
    else:
        optimizer = ffnn.RMSProp(schedule)
    return net, optimizer


OPTIONS = dict(batch_size=16, seed=7, alpha=0.01)


@pytest.mark.parametrize("engine", ["fast", "layers"])
@pytest.mark.parametrize("optimizer_name", ["adam", "sgd", "rmsprop"])
def test_resumed_run_is_bit_identical_to_the_uninterrupted_one(
    tmp_path, engine, optimizer_name
):
    X, y = _data()
    net, optimizer = _run(optimizer_name)
    whole = ffnn.train(
        net, X, y, optimizer=optimizer, epochs=9, engine=engine, **OPTIONS
    )
    path = tmp_path / "checkpoint.npz"
    first, first_optimizer = _run(optimizer_name)
    ffnn.train(
        first, X, y, optimizer=first_optimizer, epochs=5, engine=engine,
        checkpoint_path=path, checkpoint_every=2, **OPTIONS,
    )  # fmt: skip
    assert load_checkpoint(path).epoch == 4  # the last multiple of 2
    resumed, resumed_optimizer = _run(optimizer_name)
    history = ffnn.train(
        resumed, X, y, optimizer=resumed_optimizer, epochs=9, engine=engine,
        resume=path, **{**OPTIONS, "seed": 12345},  # the checkpoint's generator
    )  # fmt: skip
    assert np.array_equal(resumed.flat_parameters, net.flat_parameters)
    assert history.loss == whole.loss
    assert history.learning_rate == whole.learning_rate
    assert history.epochs == 9 and len(history.time) == 9


def test_a_checkpoint_is_a_model_file_that_predicts(tmp_path):
    X, y = _data()
    net, optimizer = _run()
    path = tmp_path / "checkpoint.npz"
    ffnn.train(
        net, X, y, optimizer=optimizer, epochs=2, checkpoint_path=path,
        checkpoint_every=1, **OPTIONS,
    )  # fmt: skip
    loaded = ffnn.load(path)
    assert isinstance(loaded, ffnn.Network)
    assert np.array_equal(loaded.predict_proba(X), net.predict_proba(X))
    checkpoint = load_checkpoint(path)
    assert checkpoint.epoch == 2 and checkpoint.history.epochs == 2
    assert set(checkpoint.optimizer_arrays) == {"m", "v"}
    assert checkpoint.optimizer_numbers["t"] == 2 * 8  # 8 batches of 16 per epoch


def test_a_checkpoint_of_every_epoch_can_be_resumed_at_each(tmp_path):
    X, y = _data()
    net, optimizer = _run("sgd", dropout=0.0)
    whole = ffnn.train(net, X, y, optimizer=optimizer, epochs=4, **OPTIONS)
    for stop in (1, 2, 3):
        path = tmp_path / f"at{stop}.npz"
        first, first_optimizer = _run("sgd", dropout=0.0)
        ffnn.train(
            first, X, y, optimizer=first_optimizer, epochs=stop,
            checkpoint_path=path, checkpoint_every=1, **OPTIONS,
        )  # fmt: skip
        again, again_optimizer = _run("sgd", dropout=0.0)
        history = ffnn.train(
            again, X, y, optimizer=again_optimizer, epochs=4, resume=path, **OPTIONS
        )
        assert history.loss == whole.loss
        assert np.array_equal(again.flat_parameters, net.flat_parameters)


def test_resuming_past_the_last_epoch_trains_nothing(tmp_path):
    X, y = _data()
    net, optimizer = _run()
    path = tmp_path / "checkpoint.npz"
    ffnn.train(
        net, X, y, optimizer=optimizer, epochs=3, checkpoint_path=path,
        checkpoint_every=3, **OPTIONS,
    )  # fmt: skip
    again, again_optimizer = _run()
    history = ffnn.train(
        again, X, y, optimizer=again_optimizer, epochs=3, resume=path, **OPTIONS
    )
    assert history.epochs == 3
    assert np.array_equal(again.flat_parameters, net.flat_parameters)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"batch_size": 32}, "batch_size"),
        ({"alpha": 0.5}, "alpha"),
        ({"reduction": "sum"}, "reduction"),
        ({"engine": "layers"}, "engine"),
    ],
)
def test_resuming_with_other_settings_is_refused(tmp_path, change, named):
    X, y = _data()
    net, optimizer = _run()
    path = tmp_path / "checkpoint.npz"
    ffnn.train(
        net, X, y, optimizer=optimizer, epochs=2, checkpoint_path=path,
        checkpoint_every=1, engine="fast", **OPTIONS,
    )  # fmt: skip
    again, again_optimizer = _run()
    options = {**OPTIONS, "engine": "fast", **change}
    with pytest.raises(ValueError, match=rf"resume: the checkpoint's run had {named}"):
        ffnn.train(
            again, X, y, optimizer=again_optimizer, epochs=4, resume=path, **options
        )


def test_resuming_with_another_optimizer_or_data_is_refused(tmp_path):
    X, y = _data()
    net, optimizer = _run()
    path = tmp_path / "checkpoint.npz"
    ffnn.train(
        net, X, y, optimizer=optimizer, epochs=1, checkpoint_path=path,
        checkpoint_every=1, **OPTIONS,
    )  # fmt: skip
    again, _ = _run()
    with pytest.raises(ValueError, match="checkpoint's run had optimizer"):
        ffnn.train(
            again, X, y, optimizer=ffnn.SGD(0.1), epochs=2, resume=path, **OPTIONS
        )
    with pytest.raises(ValueError, match="checkpoint's run had samples"):
        ffnn.train(
            again, X[:100], y[:100], optimizer=ffnn.Adam(
                ffnn.StepDecay(0.02, drop=0.5, every=3)
            ), epochs=2, resume=path, **OPTIONS,
        )  # fmt: skip


def test_checkpoint_arguments_are_checked():
    X, y = _data()
    net, optimizer = _run()
    with pytest.raises(ValueError, match="checkpoint_every needs a checkpoint_path"):
        ffnn.train(net, X, y, optimizer=optimizer, epochs=1, checkpoint_every=1)
    with pytest.raises(ValueError, match="checkpoint_every must be >= 1"):
        ffnn.train(
            net, X, y, optimizer=optimizer, epochs=1, checkpoint_every=0,
            checkpoint_path="x.npz",
        )  # fmt: skip


def test_a_model_file_is_not_a_checkpoint(tmp_path):
    net, _ = _run()
    net.save(tmp_path / "model.npz")
    with pytest.raises(ValueError, match="without a training state"):
        load_checkpoint(tmp_path / "model.npz")
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.npz")


def _hostile_copy(tmp_path, path, change):
    """The checkpoint at ``path`` with its description changed by ``change``."""

    target = tmp_path / "hostile.npz"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == f"{METADATA_KEY}.npy":
                with source.open(info) as member:
                    metadata = json.loads(str(np.load(member)))
                change(metadata["checkpoint"])

                buffer = io.BytesIO()
                np.save(buffer, np.array(json.dumps(metadata)))
                data = buffer.getvalue()
            copy.writestr(info.filename, data)
    return target


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["fingerprint"].update(samples=10**12), "sample count"),
        (lambda d: d["fingerprint"].update(samples="many"), "sample count"),
        (lambda d: d["fingerprint"].update(samples=60), "checkpoint_order has shape"),
        (lambda d: d.update(optimizer_arrays={"m": "yes"}), "optimizer state"),
        (lambda d: d.update(optimizer_arrays={"w": True}), "missing arrays"),
        (lambda d: d.update(epoch=-1), "for -1 epochs"),
        (lambda d: d.update(epoch=5), "loss has 2 values for 5 epochs"),
        (lambda d: d["history"].update(engine=5), "bad history"),
        (lambda d: d["history"].update(interrupted="no"), "bad history"),
        (lambda d: d["history_lengths"].update(loss=10**9), "has 1000000000 values"),
        (lambda d: d.update(divergence={"reference": "x", "above": 0}), "divergence"),
        (
            lambda d: d["rng_state"]["state"].update(inc=-1),
            "generator state is bad",
        ),
        (lambda d: d["optimizer_numbers"].update(t=-3), "optimizer counter"),
        (lambda d: d.pop("rng_state"), "lacks 'rng_state'"),
    ],
)
def test_a_hostile_checkpoint_is_refused_by_name(tmp_path, change, named):
    X, y = _data()
    net, optimizer = _run()
    path = tmp_path / "checkpoint.npz"
    ffnn.train(
        net, X, y, optimizer=optimizer, epochs=2, checkpoint_path=path,
        checkpoint_every=1, **OPTIONS,
    )  # fmt: skip
    hostile = _hostile_copy(tmp_path, path, change)
    with pytest.raises(ValueError, match=named) as info:
        load_checkpoint(hostile)
    assert str(hostile) in str(info.value)


def test_a_checkpoint_whose_order_is_no_permutation_is_refused(tmp_path):

    X, y = _data()
    net, optimizer = _run()
    path = tmp_path / "checkpoint.npz"
    ffnn.train(
        net, X, y, optimizer=optimizer, epochs=1, checkpoint_path=path,
        checkpoint_every=1, **OPTIONS,
    )  # fmt: skip
    target = tmp_path / "hostile.npz"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "checkpoint_order.npy":
                buffer = io.BytesIO()
                np.save(buffer, np.zeros(len(y), dtype=np.int64))
                data = buffer.getvalue()
            copy.writestr(info.filename, data)
    with pytest.raises(ValueError, match="not a permutation"):
        load_checkpoint(target)


def test_resuming_on_other_data_of_the_same_size_or_labels_is_refused(tmp_path):
    X, y = _data()
    net, optimizer = _run()
    path = tmp_path / "checkpoint.npz"
    ffnn.train(
        net, X, y, optimizer=optimizer, epochs=1, checkpoint_path=path,
        checkpoint_every=1, **OPTIONS,
    )  # fmt: skip
    other_X, _ = ffnn.datasets.make_moons(120, noise=0.3, seed=9)
    for data, labels in ((other_X, y), (X, np.where(y == 1, 7, 5))):
        again, again_optimizer = _run()
        before = again.flat_parameters.copy()
        with pytest.raises(ValueError, match="resume: the checkpoint's run had"):
            ffnn.train(
                again, data, labels, optimizer=again_optimizer, epochs=2,
                resume=path, **OPTIONS,
            )  # fmt: skip
        # a refused resume changes nothing
        assert np.array_equal(again.flat_parameters, before)
        assert again.classes is None and again_optimizer.m is None
    again, again_optimizer = _run()
    with pytest.raises(ValueError, match="clip_norm"):
        ffnn.train(
            again, X, y, optimizer=again_optimizer, epochs=2, resume=path,
            clip_norm=1.0, **OPTIONS,
        )  # fmt: skip
    later = tmp_path / "later.npz"
    ffnn.train(
        again, X, y, optimizer=again_optimizer, epochs=3, checkpoint_path=later,
        checkpoint_every=3, **OPTIONS,
    )  # fmt: skip
    once_more, once_more_optimizer = _run()
    with pytest.raises(ValueError, match="at epoch 3, past the 2 epochs"):
        ffnn.train(
            once_more, X, y, optimizer=once_more_optimizer, epochs=2, resume=later,
            **OPTIONS,
        )  # fmt: skip
