"""Hostile files: model files, estimator files and IDX files built to make a loader
allocate, decompress or recurse without bound, and fuzzed ones (hypothesis).

``ffnn.load``, ``read_idx`` and ``load_mnist`` must refuse each with a ValueError
naming the file, or load it when it is a valid file with junk beside, and a file
under 10 KB must never cost more than 100 MB (peaks traced with ``tracemalloc``,
which sees NumPy's buffers, and the process's peak RSS in a subprocess).
"""

import copy
import gzip
import io
import json
import math
import os
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ffnn
from ffnn import FeedforwardClassifier
from ffnn.datasets import load_mnist, read_idx
from ffnn.datasets.idx import MAX_IDX_BYTES
from ffnn.serialization import MAX_JSON_DEPTH, METADATA_KEY, load

MB = 2**20
#: what a load of a file under 10 KB may cost, at most
SMALL_FILE_BUDGET = 100 * MB

#: FFNN_FUZZ_EXAMPLES=5000 runs each fuzzer longer, on fresh random examples;
#: by default every run tries the same 100, so that a failure reproduces
_EXAMPLES = os.environ.get("FFNN_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(_EXAMPLES or 100),
    deadline=None if _EXAMPLES else 1000,  # milliseconds per example
    derandomize=_EXAMPLES is None,
    database=None,  # nothing is written into the repository
    suppress_health_check=[HealthCheck.too_slow],
)


# ------------------------------------------------------------------ helpers
def traced(function, *args):
    """Run ``function(*args)``; return what it returned (or the exception it
    raised) and the peak bytes Python and NumPy allocated meanwhile."""
    tracemalloc.start()
    try:
        try:
            outcome = function(*args)
        except Exception as error:  # the caller asserts on its type
            outcome = error
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def npy(array):
    """The ``.npy`` encoding of ``array``, as ``np.savez`` stores it."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def npy_header(shape, descr="<f8"):
    """The ``.npy`` header np.save writes for an array of ``shape``."""
    header = {"descr": descr, "fortran_order": False, "shape": tuple(shape)}
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def metadata(layers, **extra):
    return {
        "format": "ffnn-model",
        "version": 2,
        "dtype": "float64",
        "layers": layers,
        "output": "softmax",
        **extra,
    }


def dense(n_in, n_out):
    return {"kind": "dense", "n_in": n_in, "n_out": n_out}


def write_npz(path, compressed=False, **arrays):
    """Members as ``np.savez`` (or ``np.savez_compressed``) writes them; a dict
    ``__metadata__`` is written as its JSON string."""
    if isinstance(arrays.get(METADATA_KEY), dict | list):
        arrays[METADATA_KEY] = np.array(json.dumps(arrays[METADATA_KEY]))
    with open(path, "wb") as file:
        (np.savez_compressed if compressed else np.savez)(file, **arrays)
    return path


def stored(name, payload, flags=0, size=None, crc=None):
    """A zip member as written, uncompressed: (name, data, method, crc, size, flags)."""
    crc = zlib.crc32(payload) if crc is None else crc
    return (
        name,
        payload,
        zipfile.ZIP_STORED,
        crc,
        len(payload) if size is None else size,
        flags,
    )


def deflated(name, payload):
    """A zip member as written, deflated."""
    stream = zlib.compress(payload, 9)[2:-4]  # the zlib wrapper off
    return (name, stream, zipfile.ZIP_DEFLATED, zlib.crc32(payload), len(payload), 0)


def deflated_zeros(name, prefix, n_zeros):
    """A deflated zip member of ``prefix`` then ``n_zeros`` zero bytes, built in
    a fraction of a second: 16 MiB of zeros deflate (with a full flush, which
    resets the compressor) to the same 16 KB block each time, so the stream is
    that block repeated; only the CRC-32 reads every byte."""
    block = 2**24

    def segment(data):
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)

    whole, rest = divmod(n_zeros, block)
    zeros = bytes(block)
    stream = segment(prefix) + segment(zeros) * whole + segment(bytes(rest))
    stream += b"\x03\x00"  # an empty final block ends the stream
    crc = zlib.crc32(prefix)
    for _ in range(whole):
        crc = zlib.crc32(zeros, crc)
    crc = zlib.crc32(bytes(rest), crc)
    return (name, stream, zipfile.ZIP_DEFLATED, crc, len(prefix) + n_zeros, 0)


def raw_zip(path, members):
    """Write a zip archive of ``members`` (see :func:`stored`) as any zip writer
    would, but from data that is already compressed."""
    body, directory = bytearray(), bytearray()
    for name, data, method, crc, size, flags in members:
        encoded = name.encode()
        directory += struct.pack(
            "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, flags, method, 0, 33,
            crc, len(data), size, len(encoded), 0, 0, 0, 0, 0, len(body),
        ) + encoded  # fmt: skip
        body += struct.pack(
            "<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, flags, method, 0, 33, crc,
            len(data), size, len(encoded), 0,
        ) + encoded + data  # fmt: skip
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
        len(directory), len(body), 0,
    )  # fmt: skip
    Path(path).write_bytes(bytes(body + directory + end))
    return Path(path)


def members_of(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def gzip_bomb(prefix, n_zeros):
    """A gzip stream of ``prefix`` then ``n_zeros`` zero bytes (about 1000:1)."""
    _, stream, _, crc, size, _ = deflated_zeros("", prefix, n_zeros)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + stream + struct.pack("<LL", crc, size % 2**32)


def idx_header(*shape):
    magic = 0x800 + len(shape)
    return magic.to_bytes(4, "big") + np.array(shape, ">u4").tobytes()


def assert_refused(outcome, path, *words):
    assert isinstance(outcome, ValueError), repr(outcome)
    message = str(outcome)
    assert str(path) in message
    for word in words:
        assert word in message, message


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A small valid model file: (path, network)."""
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    net.classes = np.array([0, 1])
    path = tmp_path_factory.mktemp("model") / "model.npz"
    net.save(path)
    return path, net


@pytest.fixture(scope="module")
def estimator_file(tmp_path_factory):
    X, y = ffnn.datasets.make_moons(40, noise=0.2, seed=0)
    estimator = FeedforwardClassifier((3,), max_iter=3, random_state=0)
    with pytest.warns(Warning):  # stops at max_iter on purpose
        estimator.fit(X, np.array(["a", "b"])[y])
    path = tmp_path_factory.mktemp("estimator") / "estimator.npz"
    estimator.save(path)
    return path


# --------------------------------------------------------- the cases
@pytest.mark.parametrize(
    ("n", "reason"),
    [
        (12000, "brings the parameters to 144012000, more than the 100000000"),
        # within the limit (648 MB): the arrays' headers give it away
        (9000, "W1 has shape (2, 2), expected (9000, 9000)"),
    ],
)
def test_a_small_file_declaring_a_huge_layer_is_refused_unallocated(
    tmp_path, n, reason
):
    path = write_npz(
        tmp_path / "huge.npz",
        compressed=True,
        **{METADATA_KEY: metadata([dense(n, n)])},
        W1=np.zeros((2, 2)),
        b1=np.zeros(2),
    )
    assert path.stat().st_size < 3000
    outcome, peak = traced(load, path)
    assert_refused(outcome, path, reason)
    assert peak < MB


def test_a_directory_that_lies_about_sizes_is_not_believed(tmp_path):
    # header and directory both declare 9000 x 9000 float64; the data is 80 bytes
    members = [
        stored(f"{METADATA_KEY}.npy", npy(json.dumps(metadata([dense(9000, 9000)])))),
        stored("W1.npy", npy_header((9000, 9000)) + bytes(80), size=128 + 8 * 9000**2),
        stored("b1.npy", npy(np.zeros(9000))),
    ]
    path = raw_zip(tmp_path / "liar.npz", members)
    outcome, peak = traced(load, path)
    assert_refused(outcome, path, "W1 is truncated: 80 of 648000000 bytes")
    assert peak < MB


def test_an_unused_2_gb_member_is_never_decompressed(tmp_path, model_file):
    # the 2 GB member deflates to 2 MB: an .npy array of 250 million float64 zeros
    source, net = model_file
    start = time.perf_counter()
    bomb = deflated_zeros("W3.npy", npy_header((250_000_000,)), 2 * 10**9)
    members = [stored(name, data) for name, data in members_of(source).items()]
    path = raw_zip(tmp_path / "junk.npz", [*members, bomb])
    assert path.stat().st_size < 3 * MB
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("W3.npy").file_size == 2 * 10**9 + 128
    outcome, peak = traced(load, path)
    assert isinstance(outcome, ffnn.Network), repr(outcome)
    assert peak < 2 * MB
    X = np.array([[0.5, -0.2]])
    assert np.array_equal(outcome.predict_proba(X), net.predict_proba(X))
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    ("size", "word"),
    [
        ("1e12", "not an integer"),
        ("1e400", "not an integer"),
        ("-1", "not in [1, 100000000]"),
        ("0", "not in [1, 100000000]"),
        ("true", "not an integer"),
        ("3.0", "not an integer"),
        ('"12"', "not an integer"),
        ("1000000000000", "not in [1, 100000000]"),
        ("1" + "0" * 4000, "not in [1, 100000000]"),
        ("null", "not an integer"),
    ],
)
def test_declared_sizes_must_be_integers_within_the_limit(tmp_path, size, word):
    text = json.dumps(metadata([dense(2, 2)])).replace('"n_in": 2', f'"n_in": {size}')
    path = write_npz(
        tmp_path / "m.npz", **{METADATA_KEY: np.array(text)}, W1=np.zeros((2, 2))
    )
    outcome, peak = traced(load, path)
    assert_refused(outcome, path, "bad layer description", "n_in", word)
    assert peak < MB


def test_a_json_nested_100_000_deep_is_refused_without_recursion(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    path = write_npz(tmp_path / "deep.npz", True, **{METADATA_KEY: np.array(deep)})
    assert path.stat().st_size < 10_000
    outcome, peak = traced(load, path)
    assert_refused(outcome, path, "nests 100000 deep", str(MAX_JSON_DEPTH))
    assert peak < 10 * MB


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", ["W1", "b2"])
def test_non_finite_weights_are_refused(tmp_path, model_file, bad, name):
    arrays = {k.removesuffix(".npy"): v for k, v in members_of(model_file[0]).items()}
    with np.load(model_file[0]) as archive:
        values = archive[name].copy()
    values.flat[-1] = bad
    arrays = {k: v for k, v in arrays.items() if k != name}
    members = [stored(f"{k}.npy", v) for k, v in arrays.items()]
    members.append(stored(f"{name}.npy", npy(values)))
    path = raw_zip(tmp_path / "nan.npz", members)
    outcome, _ = traced(load, path)
    assert_refused(outcome, path, f"{name} holds 1 NaN or infinite values")


def _with_member(tmp_path, source, name, member):
    """The model file ``source`` with its member ``name`` replaced."""
    members = [
        stored(key, data) for key, data in members_of(source).items() if key != name
    ]
    return raw_zip(tmp_path / "edited.npz", [*members, member])


@pytest.mark.parametrize(
    "header",
    [
        "-" * 3000 + "1",  # ast.literal_eval would end in RecursionError
        "(" * 300 + ")" * 300,
        "'''",  # tokenize.TokenError
        "  1\n 2",  # IndentationError
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}",  # no ", }"
        "{'descr': [('w', '<f8')], 'fortran_order': False, 'shape': (2, 3), }",
    ],
)
def test_npy_headers_only_of_the_form_np_save_writes(tmp_path, model_file, header):
    text = header.encode()
    raw = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text) + 1) + text + b"\n"
    path = _with_member(tmp_path, model_file[0], "W1.npy", stored("W1.npy", raw))
    outcome, _ = traced(load, path)
    assert_refused(outcome, path, "W1 has a header np.save does not write")


def test_a_member_whose_directory_size_disagrees_with_its_header(tmp_path, model_file):
    # the directory (and the CRC) cover 8 bytes fewer than the header declares
    data = npy(np.zeros((2, 3)))
    member = stored("W1.npy", data, size=len(data) - 8, crc=zlib.crc32(data[:-8]))
    path = _with_member(tmp_path, model_file[0], "W1.npy", member)
    outcome, _ = traced(load, path)
    assert_refused(outcome, path, f"W1 takes {len(data) - 8} bytes in the zip dir")


def test_an_encrypted_member_is_refused(tmp_path, model_file):
    member = stored("W1.npy", npy(np.zeros((2, 3))), flags=0x1)
    path = _with_member(tmp_path, model_file[0], "W1.npy", member)
    outcome, _ = traced(load, path)
    assert_refused(outcome, path, "W1 is encrypted")


def test_metadata_beyond_unicode_is_refused(tmp_path, model_file):
    # NumPy turns the code point 0x110000 into a SystemError
    data = npy("{}")[:-4] + (0x110000).to_bytes(4, "little")
    member = stored(f"{METADATA_KEY}.npy", data)
    path = _with_member(tmp_path, model_file[0], member[0], member)
    outcome, _ = traced(load, path)
    assert_refused(outcome, path, "its metadata is not valid text")


@pytest.fixture(scope="module")
def idx_bomb(tmp_path_factory):
    """A 1 MB gzip file whose IDX header declares 10 labels, followed by 1 GiB of
    zeros."""
    path = tmp_path_factory.mktemp("bomb") / "labels.gz"
    path.write_bytes(gzip_bomb(idx_header(10), 2**30))
    return path


def test_a_gzip_bomb_is_refused_after_its_declared_size(idx_bomb):
    assert idx_bomb.stat().st_size < 1.1 * MB
    start = time.perf_counter()
    outcome, peak = traced(read_idx, idx_bomb)
    assert_refused(outcome, idx_bomb, "oversized", "needs 10 bytes", "more than")
    assert peak < 4 * MB  # a 1 MiB chunk or two, never the gigabyte
    assert time.perf_counter() - start < 0.5


def test_a_gzip_bomb_declaring_a_large_size_stops_there(tmp_path):
    # 1000 images of 28 x 28 declared (784,000 bytes); 64 MiB of zeros follow
    path = tmp_path / "images.gz"
    path.write_bytes(gzip_bomb(idx_header(1000, 28, 28), 2**26))
    outcome, peak = traced(read_idx, path)
    assert_refused(outcome, path, "oversized", "needs 784000 bytes", "more than")
    assert peak < 8 * MB


def test_an_idx_header_beyond_the_limit_is_refused_before_any_data(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip_bomb(idx_header(70_000, 256, 128), 2**20))
    assert 70_000 * 256 * 128 > MAX_IDX_BYTES
    outcome, peak = traced(read_idx, path)
    assert_refused(outcome, path, "declares 2293760000 bytes", str(MAX_IDX_BYTES))
    assert peak < MB


def test_an_idx_file_just_over_the_limit_is_refused_unallocated(tmp_path):
    # one image of 28 x 28 more than fits, its data all there (260 KB gzipped)
    shape = (342_393, 28, 28)
    assert math.prod(shape) - 784 < MAX_IDX_BYTES < math.prod(shape)
    path = tmp_path / "images.gz"
    path.write_bytes(gzip_bomb(idx_header(*shape), math.prod(shape)))
    outcome, peak = traced(read_idx, path)
    assert_refused(outcome, path, "declares 268436112 bytes", str(MAX_IDX_BYTES))
    assert peak < MB


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs the resource module")
def test_an_idx_file_just_under_the_limit_is_held_once(tmp_path):
    """A valid file of 268 MB (260 KB gzipped) costs its array and little more,
    in a fresh process: the data goes straight into one array of the declared
    size, which never grows and is never copied."""
    shape = (342_392, 28, 28)  # the most images of 28 x 28 that fit
    assert MAX_IDX_BYTES - 784 < math.prod(shape) <= MAX_IDX_BYTES
    path = tmp_path / "images.gz"
    path.write_bytes(gzip_bomb(idx_header(*shape), math.prod(shape)))
    small = tmp_path / "labels"
    small.write_bytes(idx_header(3) + bytes(3))
    script = textwrap.dedent(
        """
        import json, resource, sys
        from ffnn.datasets import read_idx

        def peak():
            scale = 1 if sys.platform == "darwin" else 1024  # bytes or KiB
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale

        read_idx(sys.argv[1])
        start = peak()
        images = read_idx(sys.argv[2])
        print(json.dumps([list(images.shape), int(images.sum()), peak() - start]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(small), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    read_shape, total, growth = json.loads(result.stdout)
    assert read_shape == list(shape) and total == 0
    assert growth < 300 * MB, growth / MB  # one copy is 256 MiB; two would be 512


def test_load_mnist_refuses_a_gzip_bomb(tmp_path, idx_bomb):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in ffnn.datasets.mnist.FILES:
        (folder / f"{name}.gz").write_bytes(idx_bomb.read_bytes())
    outcome, peak = traced(load_mnist, folder)
    assert isinstance(outcome, ValueError), repr(outcome)
    assert "oversized" in str(outcome) and str(folder) in str(outcome)
    assert peak < 4 * MB


# ------------------------------------------------ small files, peak RSS
def _small_hostile_files(folder):
    """Files under 10 KB, each made to cost memory: (path, loader name)."""
    folder.mkdir(exist_ok=True)
    files = []

    def model(name, members):
        files.append((raw_zip(folder / name, members), "load"))

    meta = f"{METADATA_KEY}.npy"
    for n in (12000, 9000, 5000):
        model(
            f"layer-{n}.npz",
            [
                stored(meta, npy(json.dumps(metadata([dense(n, n)])))),
                stored("W1.npy", npy(np.zeros((2, 2)))),
                stored("b1.npy", b""),
            ],
        )
    # a header and a directory declaring 40 MB, a deflate stream of 8 MB
    declared = 5000 * 1000
    model(
        "lying-deflate.npz",
        [
            stored(meta, npy(json.dumps(metadata([dense(5000, 1000)])))),
            (
                *deflated_zeros("W1.npy", npy_header((5000, 1000)), 2**23)[:4],
                128 + 8 * declared,
                0,
            ),
            deflated("b1.npy", npy(np.zeros(1000))),
        ],
    )
    # a valid model of 1000 x 1000 zeros: 8 MB of weights in 8 KB
    model(
        "zeros.npz",
        [
            stored(meta, npy(json.dumps(metadata([dense(1000, 1000)])))),
            deflated_zeros("W1.npy", npy_header((1000, 1000)), 8 * 10**6),
            deflated("b1.npy", npy(np.zeros(1000))),
        ],
    )
    # a million characters of JSON, 350,000 empty objects once parsed
    model("json-objects.npz", [deflated(meta, npy("[" + "{}," * 350_000 + "{}]"))])
    model("deep.npz", [stored(meta, npy("[" * 1100 + "]" * 1100))])
    model("deep-deflated.npz", [deflated(meta, npy("[" * 10**5 + "]" * 10**5))])
    # an unused member whose directory entry declares 2 GB
    model(
        "unused.npz",
        [
            stored(meta, npy(json.dumps(metadata([dense(2, 2)])))),
            stored("W1.npy", npy(np.ones((2, 2)))),
            stored("b1.npy", npy(np.ones(2))),
            stored("W2.npy", npy_header((250_000_000,)), size=2 * 10**9),
        ],
    )
    idx = folder / "labels-bomb.gz"
    idx.write_bytes(gzip_bomb(idx_header(10), 10 * 10**6))
    files.append((idx, "read_idx"))
    idx = folder / "images-bomb.gz"
    idx.write_bytes(gzip_bomb(idx_header(12_000, 28, 28), 10 * 10**6))
    files.append((idx, "read_idx"))
    for path, _ in files:
        assert path.stat().st_size < 10_000, path
    return files


def test_small_hostile_files_cost_little_traced_memory(tmp_path):
    for path, loader in _small_hostile_files(tmp_path / "small"):
        outcome, peak = traced(load if loader == "load" else read_idx, path)
        assert isinstance(outcome, ValueError | ffnn.Network), (path, outcome)
        assert peak < SMALL_FILE_BUDGET, (path, peak / MB)


@pytest.mark.skipif(sys.platform == "win32", reason="needs the resource module")
def test_small_hostile_files_cost_under_100_mb_of_rss(tmp_path):
    """The loads in a fresh process: its peak resident memory, after each file,
    minus the peak after the imports and a first, valid load."""
    files = _small_hostile_files(tmp_path / "small")
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    net.save(tmp_path / "valid.npz")
    script = textwrap.dedent(
        """
        import json, resource, sys
        import ffnn
        from ffnn.datasets import read_idx

        def peak():
            scale = 1 if sys.platform == "darwin" else 1024  # bytes or KiB
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale

        ffnn.load(sys.argv[1])
        start = peak()
        results = []
        for path, loader in json.loads(sys.argv[2]):
            try:
                (ffnn.load if loader == "load" else read_idx)(path)
                outcome = "loaded"
            except ValueError:
                outcome = "ValueError"
            except BaseException as error:
                outcome = type(error).__name__
            results.append([outcome, peak() - start])
        print(json.dumps(results))
        """
    )
    listing = json.dumps([[str(path), loader] for path, loader in files])
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "valid.npz"), listing],
        capture_output=True,
        text=True,
        check=True,
    )
    for (path, _), (outcome, growth) in zip(
        files, json.loads(result.stdout), strict=True
    ):
        assert outcome in ("ValueError", "loaded"), (path.name, outcome)
        assert growth < SMALL_FILE_BUDGET, (path.name, growth / MB)


# ------------------------------------------------------------------ fuzzing
def _expect_documented(function, path):
    """Call ``function(path)``: it may succeed or raise a ValueError naming the
    file, nothing else; a file under 10 KB may cost at most the budget."""
    outcome, peak = traced(function, path)
    if isinstance(outcome, Exception):
        assert isinstance(outcome, ValueError), repr(outcome)
        assert str(path) in str(outcome)
    if path.stat().st_size < 10_000:
        assert peak < SMALL_FILE_BUDGET


@st.composite
def mutations(draw, data):
    """``data`` after one to four bit flips, truncations, insertions, deletions
    or overwrites at random places."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(
            st.sampled_from("flip truncate insert delete overwrite".split())
        )
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if operation == "flip" and out:
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif operation == "truncate":
            del out[at:]
        elif operation == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "delete":
            del out[at : at + draw(st.integers(1, 16))]
        else:
            chunk = draw(st.binary(min_size=1, max_size=8))
            out[at : at + len(chunk)] = chunk
    return bytes(out)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["dense", "tanh", "leaky_relu", "dropout", "softmax", "float32"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=10,
)


@st.composite
def tampered(draw, document, within=()):
    """``document`` (JSON) with one value somewhere in it replaced, under the
    keys ``within`` if given."""
    document = copy.deepcopy(document)
    node = document
    for key in within:
        node = node[key]
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            node = child
            continue
        node[key] = draw(JSON_VALUES)
        return document


def _rezip(path, members, compression):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=st.binary(max_size=4096))
def test_fuzz_random_bytes_as_a_model(fuzz_dir, data):
    path = fuzz_dir / "random.npz"
    path.write_bytes(data)
    _expect_documented(load, path)


@FUZZ
@given(st.data(), st.booleans())
def test_fuzz_mutated_model_files(fuzz_dir, model_file, data, compressed):
    members = members_of(model_file[0])
    source = fuzz_dir / "source.npz"
    _rezip(source, members, zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED)
    path = fuzz_dir / "mutated.npz"
    path.write_bytes(data.draw(mutations(source.read_bytes())))
    _expect_documented(load, path)


@FUZZ
@given(st.data(), st.booleans())
def test_fuzz_mutated_members_with_valid_zip_records(
    fuzz_dir, model_file, data, compressed
):
    # mutations inside a member, under a correct CRC: the .npy headers, the
    # JSON and the array data are what the loader meets
    members = members_of(model_file[0])
    name = data.draw(st.sampled_from(sorted(members)))
    members[name] = data.draw(mutations(members[name]))
    path = fuzz_dir / "members.npz"
    _rezip(path, members, zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED)
    _expect_documented(load, path)


def _with_metadata(path, source, document):
    members = members_of(source)
    members[f"{METADATA_KEY}.npy"] = npy(json.dumps(document))
    _rezip(path, members, zipfile.ZIP_STORED)


@FUZZ
@given(st.data())
def test_fuzz_tampered_model_metadata(fuzz_dir, model_file, data):
    with np.load(model_file[0]) as archive:
        document = json.loads(str(archive[METADATA_KEY]))
    within = data.draw(st.sampled_from([(), ("layers",)]))
    path = fuzz_dir / "tampered.npz"
    _with_metadata(path, model_file[0], data.draw(tampered(document, within)))
    _expect_documented(load, path)


@FUZZ
@given(st.data())
def test_fuzz_tampered_estimator_files(fuzz_dir, estimator_file, data):
    with np.load(estimator_file) as archive:
        document = json.loads(str(archive[METADATA_KEY]))
    path = fuzz_dir / "estimator.npz"
    if data.draw(st.booleans()):
        parts = [(), ("estimator",), ("estimator", "params"), ("estimator", "fitted")]
        within = data.draw(st.sampled_from(parts))
        _with_metadata(path, estimator_file, data.draw(tampered(document, within)))
    else:
        members = members_of(estimator_file)
        name = data.draw(st.sampled_from(sorted(members)))
        members[name] = data.draw(mutations(members[name]))
        _rezip(path, members, zipfile.ZIP_STORED)
    _expect_documented(load, path)


def _valid_idx():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 4, 5), dtype=np.uint8)
    return idx_header(3, 4, 5) + images.tobytes()


@FUZZ
@given(data=st.binary(max_size=512))
def test_fuzz_random_bytes_as_idx(fuzz_dir, data):
    path = fuzz_dir / "random.idx"
    path.write_bytes(data)
    _expect_documented(read_idx, path)


@FUZZ
@given(st.data(), st.sampled_from(["plain", "gzip", "gzipped mutation"]))
def test_fuzz_mutated_idx_files(fuzz_dir, data, form):
    content = _valid_idx()
    if form == "plain":
        content = data.draw(mutations(content))
    elif form == "gzip":
        content = data.draw(mutations(gzip.compress(content)))
    else:  # a valid gzip stream of a mutated IDX file
        content = gzip.compress(data.draw(mutations(content)))
    path = fuzz_dir / "mutated.idx"
    path.write_bytes(content)
    _expect_documented(read_idx, path)
