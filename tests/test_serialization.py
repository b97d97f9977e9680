"""Tests of ffnn.serialization: exact round trips, and clean failures on every kind of
bad file."""

import errno
import io
import json
import os
import re
import stat
import tempfile
import zipfile

import numpy as np
import pytest

import ffnn
from ffnn.atomic import WriteError
from ffnn.layers import Dense, Dropout
from ffnn.serialization import (
    FORMAT,
    MAX_JSON_DEPTH,
    MAX_METADATA_CHARS,
    MAX_PARAMETERS,
    METADATA_KEY,
    VERSION,
    load,
    save,
)


def _trained(sizes=(2, 6, 2), seed=0, labels=None, **mlp_options):
    X, y = ffnn.datasets.make_moons(60, noise=0.2, seed=seed)
    net = ffnn.Network.mlp(list(sizes), seed=seed, **mlp_options)
    target = y if labels is None else np.asarray(labels)[y]
    ffnn.train(net, X, target, optimizer=ffnn.SGD(1.0), epochs=20, seed=seed)
    return net, X


def _assert_same_network(a, b, X):
    assert repr(a) == repr(b)
    assert a.dtype == b.dtype
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert p.dtype == q.dtype
        assert np.array_equal(p, q)
    assert np.array_equal(a.predict(X), b.predict(X))
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))


def _write_npz(path, **arrays):
    with open(path, "wb") as file:
        np.savez(file, **arrays)
    return path


def _metadata(net):
    return {
        "format": FORMAT,
        "version": VERSION,
        "dtype": net.dtype.name,
        "layers": [layer.config() for layer in net.layers],
    }


def _arrays(net, metadata=None):
    arrays = dict(zip(net.parameter_names(), net.parameters(), strict=True))
    arrays[METADATA_KEY] = np.array(json.dumps(metadata or _metadata(net)))
    return arrays


# ----------------------------------------------------------------- round trips
def test_round_trip_is_exact(tmp_path):
    net, X = _trained()
    path = save(net, tmp_path / "model.npz")
    assert path == tmp_path / "model.npz"
    _assert_same_network(net, load(path), X)


def test_network_save_method(tmp_path):
    net, X = _trained(seed=1)
    net.save(tmp_path / "nested" / "dir" / "net.npz")
    _assert_same_network(net, ffnn.load(tmp_path / "nested" / "dir" / "net.npz"), X)


def test_round_trip_string_labels(tmp_path):
    net, X = _trained(seed=2, labels=["heads", "tails"])
    loaded = load(save(net, tmp_path / "m.npz"))
    assert loaded.classes.dtype.kind == "U"
    assert list(loaded.classes) == ["heads", "tails"]
    _assert_same_network(net, loaded, X)
    assert set(loaded.predict(X)) <= {"heads", "tails"}


def test_round_trip_integer_labels_outside_output_range(tmp_path):
    net, X = _trained(seed=3, labels=[-1, 7])
    loaded = load(save(net, tmp_path / "m.npz"))
    assert list(loaded.classes) == [-1, 7]
    _assert_same_network(net, loaded, X)


def test_round_trip_untrained_network_keeps_classes_unset(tmp_path):
    net = ffnn.Network.mlp([3, 4, 2], seed=4)
    loaded = load(save(net, tmp_path / "m.npz"))
    assert loaded.classes is None
    _assert_same_network(net, loaded, np.ones((2, 3)))


def test_round_trip_float32(tmp_path):
    net, X = _trained(seed=5, dtype="float32")
    loaded = load(save(net, tmp_path / "m.npz"))
    assert loaded.dtype == np.float32
    _assert_same_network(net, loaded, X)


def test_round_trip_leaky_relu_slope_and_dropout_rate(tmp_path):
    rng = np.random.default_rng(6)
    net = ffnn.Network(
        [
            Dense(2, 5, rng=rng),
            ffnn.LeakyReLU(0.17),
            Dropout(0.35),
            Dense(5, 4, rng=rng),
            ffnn.Sigmoid(),
            Dense(4, 3, rng=rng),
        ]
    )
    net.biases = [rng.standard_normal(b.shape) for b in net.biases]
    loaded = load(save(net, tmp_path / "m.npz"))
    assert loaded.layers[1].negative_slope == 0.17
    assert loaded.layers[2].rate == 0.35
    X = rng.standard_normal((20, 2))
    _assert_same_network(net, loaded, X)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
def test_round_trip_every_activation_and_depth(tmp_path, activation):
    net, X = _trained((2, 5, 4, 2), seed=7, activation=activation)
    _assert_same_network(net, load(save(net, tmp_path / "m.npz")), X)


def test_loaded_network_keeps_training(tmp_path):
    net, X = _trained(seed=8)
    loaded = load(save(net, tmp_path / "m.npz"))
    _, y = ffnn.datasets.make_moons(60, noise=0.2, seed=8)
    ffnn.train(net, X, y, optimizer=ffnn.SGD(1.0), epochs=5)
    ffnn.train(loaded, X, y, optimizer=ffnn.SGD(1.0), epochs=5)
    _assert_same_network(net, loaded, X)


def test_the_file_is_a_plain_npz_with_json_metadata(tmp_path):
    net, _ = _trained(seed=9)
    path = save(net, tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as archive:  # no pickle anywhere
        assert set(archive.files) == {"W1", "b1", "W2", "b2", "classes", METADATA_KEY}
        metadata = json.loads(str(archive[METADATA_KEY]))
    assert metadata["format"] == "ffnn-model" and metadata["version"] == VERSION
    assert metadata["dtype"] == "float64"
    assert [layer["kind"] for layer in metadata["layers"]] == [
        "dense",
        "tanh",
        "dense",
    ]


def test_save_leaves_no_temporary_files(tmp_path):
    net, _ = _trained(seed=10)
    save(net, tmp_path / "m.npz")
    save(net, tmp_path / "m.npz")  # overwriting is fine too
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_saved_file_has_the_usual_permissions(tmp_path):
    """The temporary file is private; the model file must not stay so."""
    net, _ = _trained(seed=10)
    path = save(net, tmp_path / "m.npz")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_save_refuses_object_labels(tmp_path):
    net, _ = _trained(seed=11)
    net.classes = np.array([object(), object()], dtype=object)
    with pytest.raises(TypeError, match="cannot be saved"):
        save(net, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------- bad files
def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        load(tmp_path / "absent.npz")


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1])
def test_truncated_file(tmp_path, keep):
    net, _ = _trained(seed=12)
    path = save(net, tmp_path / "m.npz")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ValueError, match="not a valid ffnn model file"):
        load(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="not a valid ffnn model file"):
        load(path)


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(13).bytes(4096))
    with pytest.raises(ValueError, match="not a valid ffnn model file"):
        load(path)


def test_foreign_npz_without_metadata(tmp_path):
    path = _write_npz(tmp_path / "foreign.npz", W1=np.ones((2, 2)), b1=np.zeros(2))
    with pytest.raises(ValueError, match="no ffnn metadata"):
        load(path)


def test_zip_that_is_not_npz(tmp_path):
    path = tmp_path / "archive.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="no ffnn metadata"):
        load(path)


def test_npy_file(tmp_path):
    path = tmp_path / "weights.npy"
    np.save(path, np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"single \.npy array, not a \.npz archive"):
        load(path)


def test_pickled_object_array_is_never_unpickled(tmp_path):
    """An object array can only be read by unpickling, which could run code."""
    net, _ = _trained(seed=14)
    arrays = _arrays(net)
    arrays["W1"] = np.array([{"payload": 1}, None], dtype=object)
    path = _write_npz(tmp_path / "pickled.npz", **arrays)
    with pytest.raises(ValueError, match=r"not a valid ffnn model file.*pickle"):
        load(path)


def test_pickled_metadata_is_never_unpickled(tmp_path):
    net, _ = _trained(seed=15)
    arrays = _arrays(net)
    arrays[METADATA_KEY] = np.array([_metadata(net)], dtype=object)
    path = _write_npz(tmp_path / "pickled.npz", **arrays)
    with pytest.raises(ValueError, match=r"not a valid ffnn model file.*pickle"):
        load(path)


def test_metadata_that_is_not_json(tmp_path):
    net, _ = _trained(seed=16)
    arrays = _arrays(net)
    arrays[METADATA_KEY] = np.array("{not json")
    with pytest.raises(ValueError, match="not a valid ffnn model file"):
        load(_write_npz(tmp_path / "m.npz", **arrays))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"format": "keras-model"}, "does not name the ffnn-model format"),
        ({"format": None}, "does not name the ffnn-model format"),
        ({"version": VERSION + 1}, f"format version {VERSION + 1} is newer than this"),
        ({"version": "1"}, "format version '1'"),
        ({"dtype": "int8"}, "bad layer description"),
        ({"layers": [{"kind": "conv2d"}]}, "unknown layer kind 'conv2d'"),
        ({"layers": [1, 2]}, "bad layer description"),
        ({"layers": [{"kind": "dense", "n_in": 2}]}, "bad layer description"),
        ({"layers": [{"kind": "tanh", "bogus": 1}]}, "bad layer description"),
        ({"layers": []}, "bad layer description"),
        (
            {
                "layers": [
                    {"kind": "dense", "n_in": 2, "n_out": 6},
                    {"kind": "dense", "n_in": 5, "n_out": 2},
                ]
            },
            "bad layer description",
        ),
    ],
)
def test_bad_metadata(tmp_path, change, match):
    net, _ = _trained(seed=17)
    metadata = {**_metadata(net), **change}
    path = _write_npz(tmp_path / "m.npz", **_arrays(net, metadata))
    with pytest.raises(ValueError, match=match):
        load(path)


def test_metadata_that_is_not_an_object(tmp_path):
    net, _ = _trained(seed=18)
    path = _write_npz(tmp_path / "m.npz", **_arrays(net, metadata=[1, 2, 3]))
    with pytest.raises(ValueError, match="does not name the ffnn-model format"):
        load(path)


def test_missing_array(tmp_path):
    net, _ = _trained(seed=19)
    arrays = _arrays(net)
    del arrays["b2"]
    with pytest.raises(ValueError, match=r"missing parameter arrays \['b2'\]"):
        load(_write_npz(tmp_path / "m.npz", **arrays))


@pytest.mark.parametrize(
    ("name", "shape"), [("W1", (6, 2)), ("b1", (1, 6)), ("W2", (6,)), ("b2", (3,))]
)
def test_wrong_array_shape(tmp_path, name, shape):
    net, _ = _trained(seed=20)
    arrays = _arrays(net)
    arrays[name] = np.zeros(shape)
    with pytest.raises(ValueError, match=f"{name} has shape"):
        load(_write_npz(tmp_path / "m.npz", **arrays))


def test_wrong_classes_shape(tmp_path):
    net, _ = _trained(seed=21)
    arrays = _arrays(net)
    arrays["classes"] = np.array([0, 1, 2])
    with pytest.raises(ValueError, match=r"classes has shape \(3,\), expected \(2,\)"):
        load(_write_npz(tmp_path / "m.npz", **arrays))


@pytest.mark.parametrize("bad", [np.full((2, 6), "x"), np.full((2, 6), 1 + 2j)])
def test_non_real_weights(tmp_path, bad):
    net, _ = _trained(seed=22)
    arrays = _arrays(net)
    arrays["W1"] = bad
    with pytest.raises(ValueError, match=r"W1 holds .* values, not real numbers"):
        load(_write_npz(tmp_path / "m.npz", **arrays))


# ------------------------------------------------------------------ the output
def _regressor(k=2, seed=30):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 3))
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]])[:, :k]
    net = ffnn.Network.mlp([3, 5, k], seed=seed, output="identity")
    ffnn.train(net, X, Y, optimizer=ffnn.Adam(0.01), epochs=10, batch_size=16)
    return net, X


@pytest.mark.parametrize("k", [1, 2])
def test_round_trip_regressor(tmp_path, k):
    net, X = _regressor(k)
    path = save(net, tmp_path / "regressor.npz")
    loaded = load(path)
    assert loaded.output == "identity" and not loaded.is_classifier
    assert loaded.classes is None
    assert repr(loaded) == repr(net)
    for p, q in zip(net.parameters(), loaded.parameters(), strict=True):
        assert np.array_equal(p, q)
    assert loaded.predict(X).shape == (40, k)
    assert np.array_equal(loaded.predict(X), net.predict(X))


def test_the_file_names_the_output(tmp_path):
    regressor, _ = _regressor()
    classifier, _ = _trained(seed=31)
    for net, output in ((regressor, "identity"), (classifier, "softmax")):
        path = save(net, tmp_path / f"{output}.npz")
        with np.load(path, allow_pickle=False) as archive:
            metadata = json.loads(str(archive[METADATA_KEY]))
            names = set(archive.files)
        assert metadata["output"] == output
        assert metadata["version"] == VERSION == 2
        assert ("classes" in names) == (output == "softmax")  # a regressor has none


def test_a_version_1_file_without_an_output_loads_as_a_classifier(tmp_path):
    net, X = _trained(seed=32)
    metadata = {**_metadata(net), "version": 1}
    assert "output" not in metadata
    arrays = {**_arrays(net, metadata), "classes": net.classes}
    loaded = load(_write_npz(tmp_path / "v1.npz", **arrays))
    assert loaded.output == "softmax" and loaded.is_classifier
    _assert_same_network(net, loaded, X)


def test_an_unknown_output_is_refused(tmp_path):
    net, _ = _trained(seed=33)
    metadata = {**_metadata(net), "output": "sigmoid"}
    path = _write_npz(tmp_path / "m.npz", **_arrays(net, metadata))
    with pytest.raises(ValueError, match=r"not a valid ffnn model file.*'sigmoid'"):
        load(path)


# ------------------------------------------------------------- bounded loading
def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def test_a_compressed_file_loads(tmp_path):
    net, X = _trained(seed=40)
    arrays = {**_arrays(net), "classes": net.classes}
    with open(tmp_path / "m.npz", "wb") as file:
        np.savez_compressed(file, **arrays)
    _assert_same_network(net, load(tmp_path / "m.npz"), X)


def test_big_endian_and_fortran_order_arrays_load(tmp_path):
    net, X = _trained(seed=41)
    arrays = {**_arrays(net), "classes": net.classes}
    arrays["W1"] = np.asfortranarray(net.weights[0])  # written in column order
    arrays["W2"] = net.weights[1].astype(">f8")
    _assert_same_network(net, load(_write_npz(tmp_path / "m.npz", **arrays)), X)


@pytest.mark.parametrize(
    "dtype", ["float32", "float16", "longdouble", "int64", "bool", "complex64"]
)
def test_weights_must_be_in_the_models_dtype(tmp_path, dtype):
    # the data is then exactly as large as the network built from it
    net, _ = _trained(seed=42)
    arrays = _arrays(net)
    arrays["W2"] = net.weights[1].astype(dtype)
    with pytest.raises(ValueError, match=r"W2 holds .* values, not real numbers in"):
        load(_write_npz(tmp_path / "m.npz", **arrays))


def test_structured_weights_are_refused(tmp_path):
    net, _ = _trained(seed=43)
    arrays = _arrays(net)
    arrays["W1"] = np.zeros((2, 6), dtype=[("w", "<f8")])
    with pytest.raises(ValueError, match=r"W1 has a header np\.save does not write"):
        load(_write_npz(tmp_path / "m.npz", **arrays))


def test_class_labels_of_another_dtype_are_refused(tmp_path):
    net, _ = _trained(seed=44)
    arrays = {**_arrays(net), "classes": np.array([0.5, 1.5])}
    with pytest.raises(ValueError, match=r"classes holds float64 values, not labels"):
        load(_write_npz(tmp_path / "m.npz", **arrays))


def test_members_it_does_not_need_are_never_read(tmp_path):
    # a member with a broken CRC and one that is no .npy file at all
    net, X = _trained(seed=45)
    members = {**_members(save(net, tmp_path / "m.npz")), "notes.txt": b"hello"}
    members["W9.npy"] = _npy(np.zeros(1000))
    path = _rezip(tmp_path / "extra.npz", members)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("W9.npy")
    data[info.header_offset + 30 + len("W9.npy") + 500] ^= 0xFF  # in its data
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive, pytest.raises(zipfile.BadZipFile):
        archive.read("W9.npy")
    _assert_same_network(net, load(path), X)


def test_members_compressed_otherwise_than_deflate_are_refused(tmp_path):
    net, _ = _trained(seed=46)
    members = _members(save(net, tmp_path / "m.npz"))
    path = _rezip(tmp_path / "bz.npz", members, zipfile.ZIP_BZIP2)
    with pytest.raises(ValueError, match="compressed with zip method 12"):
        load(path)


def _dense_file(path, layers, **arrays):
    """A model file of Dense layers ``(n_in, n_out)`` holding ``arrays``."""
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "dtype": "float64",
        "layers": [{"kind": "dense", "n_in": i, "n_out": o} for i, o in layers],
    }
    return _write_npz(path, **{METADATA_KEY: np.array(json.dumps(metadata))}, **arrays)


def test_missing_arrays_are_listed_briefly(tmp_path):
    path = _dense_file(tmp_path / "m.npz", [(2, 2)] * 20)
    with pytest.raises(
        ValueError, match=r"missing parameter arrays \['W1', .*'b4', '…'\]"
    ):
        load(path)


@pytest.mark.parametrize(("n_in", "allowed"), [(9999, True), (10000, False)])
def test_the_parameter_limit(tmp_path, n_in, allowed):
    # (n_in + 1) * n_out weights and biases: 10**8 exactly, or 10,000 more
    assert MAX_PARAMETERS == 10**8
    path = _dense_file(
        tmp_path / "m.npz", [(n_in, 10_000)], W1=np.zeros((2, 2)), b1=np.zeros(2)
    )
    reason = "W1 has shape (2, 2)" if allowed else "brings the parameters to 100010000"
    with pytest.raises(ValueError, match=re.escape(reason)):
        load(path)


def _nested(depth):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_the_nesting_limit(tmp_path):
    net, X = _trained(seed=47)
    # the top-level object is one level: MAX_JSON_DEPTH in all is fine
    path = save(net, tmp_path / "m.npz", {"deep": _nested(MAX_JSON_DEPTH - 1)})
    _assert_same_network(net, load(path), X)
    with pytest.raises(ValueError, match=f"nests {MAX_JSON_DEPTH + 1} deep"):
        save(net, tmp_path / "deeper.npz", {"deep": _nested(MAX_JSON_DEPTH)})
    arrays = _arrays(net, {**_metadata(net), "deep": _nested(MAX_JSON_DEPTH)})
    with pytest.raises(ValueError, match=f"nests {MAX_JSON_DEPTH + 1} deep"):
        load(_write_npz(tmp_path / "written.npz", **arrays))


def test_brackets_inside_strings_are_not_nesting(tmp_path):
    net, X = _trained(seed=48)
    note = '[{"\\"[[' * 100  # and escaped quotes do not end a string
    path = save(net, tmp_path / "m.npz", {"note": note})
    _assert_same_network(net, load(path), X)


def test_the_metadata_length_limit(tmp_path):
    net, _ = _trained(seed=49)
    long_note = {"note": "x" * MAX_METADATA_CHARS}
    with pytest.raises(ValueError, match="more than the 4194304 a model file may hold"):
        save(net, tmp_path / "m.npz", long_note)
    assert not (tmp_path / "m.npz").exists()
    arrays = _arrays(net, {**_metadata(net), **long_note})
    # 4 bytes a character, as NumPy stores a str
    with pytest.raises(ValueError, match="more than the 16777216 it may hold"):
        load(_write_npz(tmp_path / "written.npz", **arrays))


def test_save_refuses_non_finite_weights(tmp_path):
    net, _ = _trained(seed=50)
    net.biases[1][0] = np.nan
    with pytest.raises(ValueError, match="b2 holds NaN or infinite values"):
        save(net, tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_save_flushes_the_file_to_disk_before_the_rename(tmp_path, monkeypatch):
    calls = []
    fsync, replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append("fsync") or fsync(fd))
    monkeypatch.setattr(
        os, "replace", lambda *a: calls.append("replace") or replace(*a)
    )
    net, X = _trained(seed=51)
    save(net, tmp_path / "m.npz")
    # the file's data, then the rename, then the folder entry
    assert calls == ["fsync", "replace", "fsync"]
    _assert_same_network(net, load(tmp_path / "m.npz"), X)


@pytest.mark.parametrize(
    ("module", "name", "code"),
    [(tempfile, "mkstemp", errno.EACCES), (np, "savez", errno.ENOSPC)],
    ids=["folder-not-writable", "disk-full"],
)
def test_a_failed_save_raises_a_write_error_naming_the_file(
    tmp_path, monkeypatch, module, name, code
):
    """An OS error while saving is a WriteError naming the model file (a failed
    write, not bad input), and the older file is left whole."""
    net, _ = _trained(seed=52)
    path = save(net, tmp_path / "m.npz")
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(module, name, fail)
    with pytest.raises(WriteError) as info:
        save(net, path)
    assert info.value.filename == str(path) and info.value.errno == code
    assert not isinstance(info.value, PermissionError)  # the CLI's bad input
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_a_save_under_a_file_raises_a_write_error(tmp_path):
    net, _ = _trained(seed=53)
    (tmp_path / "afile").write_text("x")
    path = tmp_path / "afile" / "sub" / "m.npz"
    with pytest.raises(WriteError) as info:
        save(net, path)
    assert info.value.filename == str(path)


def test_a_model_saved_without_the_npz_suffix_keeps_its_name(tmp_path):
    net, X = _trained(seed=54)
    path = save(net, tmp_path / "model.bin")
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]
    _assert_same_network(net, load(path), X)
