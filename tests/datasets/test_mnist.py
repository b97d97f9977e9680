"""Tests of ffnn.datasets.mnist: file lookup and verification, the downloader
against a local HTTP server, and (when $FFNN_DATA has it) real MNIST. The IDX
format itself is tested in test_idx.py."""

import gzip
import hashlib
import http.server
import os
import socket
import threading
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest

import ffnn
from ffnn.datasets import load_mnist
from ffnn.datasets.mnist import (
    FILES,
    MNIST_SHA256,
    MNIST_SHAPES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    DownloadError,
    default_cache_dir,
)

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

N_TRAIN, N_TEST = 120, 40


# -------------------------------------------------------------------- helpers
def idx_bytes(array, magic=None):
    """IDX encoding of a uint8 array: magic, big-endian dimension counts, data."""
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x800 + array.ndim
    header = magic.to_bytes(4, "big") + np.array(array.shape, ">u4").tobytes()
    return header + array.tobytes()


def write(path, content, gz):
    """Write IDX bytes to ``path`` (plus '.gz', gzipped, when ``gz``)."""
    path = Path(f"{path}.gz") if gz else Path(path)
    path.write_bytes(gzip.compress(content) if gz else content)
    return path


def fake_mnist(seed, n_train=N_TRAIN, n_test=N_TEST):
    """Random IDX contents for the four files, their arrays and checksums."""
    rng = np.random.default_rng(seed)
    arrays = {
        TRAIN_IMAGES: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        TRAIN_LABELS: rng.integers(0, 10, n_train, dtype=np.uint8),
        TEST_IMAGES: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        TEST_LABELS: rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    contents = {name: idx_bytes(array) for name, array in arrays.items()}
    checksums = {name: hashlib.sha256(c).hexdigest() for name, c in contents.items()}
    return arrays, contents, checksums


def gzip_of_zeros(prefix, n_zeros):
    """A gzip stream of ``prefix`` then ``n_zeros`` zero bytes (about 1000:1),
    compressed a chunk at a time."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)  # wbits 31: gzip format
    zeros = bytes(2**20)
    parts = [compressor.compress(prefix)]
    for start in range(0, n_zeros, len(zeros)):
        parts.append(compressor.compress(zeros[: n_zeros - start]))
    return b"".join(parts) + compressor.flush()


def write_set(folder, contents, gz=True):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        write(folder / name, content, gz)
    return folder


@pytest.fixture
def no_data_env(monkeypatch, tmp_path):
    """An empty $FFNN_DATA and an empty cache under tmp_path; returns the cache."""
    empty = tmp_path / "ffnn_data"
    empty.mkdir()
    monkeypatch.setenv("FFNN_DATA", str(empty))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "cache"


# ---------------------------------------------------------- load (local files)
@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_from_a_folder(tmp_path, gz):
    arrays, contents, checksums = fake_mnist(seed=1)
    folder = write_set(tmp_path / "mnist", contents, gz)
    X, y, X_test, y_test = load_mnist(folder, checksums=checksums)
    assert X.shape == (N_TRAIN, 784) and X.dtype == np.float32
    assert X_test.shape == (N_TEST, 784) and X_test.dtype == np.float32
    assert y.dtype == np.int64 and y_test.dtype == np.int64
    assert 0.0 <= X.min() and X.max() <= 1.0
    expected = arrays[TRAIN_IMAGES].reshape(N_TRAIN, 784).astype(np.float32) / 255
    assert np.array_equal(X, expected)
    assert np.array_equal(y, arrays[TRAIN_LABELS])
    assert np.array_equal(y_test, arrays[TEST_LABELS])


def test_load_mnist_dtype_and_flatten(tmp_path):
    arrays, contents, checksums = fake_mnist(seed=2)
    folder = write_set(tmp_path / "mnist", contents)
    X, _, X_test, _ = load_mnist(
        folder, dtype="float64", flatten=False, checksums=checksums
    )
    assert X.shape == (N_TRAIN, 28, 28) and X.dtype == np.float64
    assert X_test.shape == (N_TEST, 28, 28)
    assert np.array_equal(X_test, arrays[TEST_IMAGES] / 255.0)
    assert X.min() == 0.0 and X.max() == 1.0  # 120 random images hold 0 and 255


def test_load_mnist_accepts_a_mix_of_gzipped_and_plain_files(tmp_path):
    _, contents, checksums = fake_mnist(seed=3)
    folder = tmp_path / "mnist"
    folder.mkdir()
    for i, (name, content) in enumerate(contents.items()):
        write(folder / name, content, gz=i % 2 == 0)
    X, *_ = load_mnist(folder, checksums=checksums)
    assert X.shape == (N_TRAIN, 784)


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_default_checksums_reject_other_files(tmp_path, gz):
    _, contents, _ = fake_mnist(seed=4)
    folder = write_set(tmp_path / "mnist", contents, gz)
    with pytest.raises(ValueError, match="checksum mismatch") as info:
        load_mnist(folder)
    assert TRAIN_IMAGES in str(info.value)


def test_load_mnist_rejects_one_altered_file(tmp_path):
    arrays, contents, checksums = fake_mnist(seed=5)
    altered = arrays[TEST_LABELS].copy()
    altered[0] = (altered[0] + 1) % 10
    contents[TEST_LABELS] = idx_bytes(altered)
    folder = write_set(tmp_path / "mnist", contents)
    with pytest.raises(ValueError, match="checksum") as info:
        load_mnist(folder, checksums=checksums)
    assert f"{TEST_LABELS}.gz" in str(info.value)
    assert TRAIN_IMAGES not in str(info.value)


def test_load_mnist_rejects_image_and_label_counts_that_differ(tmp_path):
    arrays, contents, checksums = fake_mnist(seed=6)
    contents[TRAIN_LABELS] = idx_bytes(arrays[TRAIN_LABELS][:-1])
    checksums[TRAIN_LABELS] = hashlib.sha256(contents[TRAIN_LABELS]).hexdigest()
    folder = write_set(tmp_path / "mnist", contents)
    with pytest.raises(ValueError, match=f"{N_TRAIN} images .* {N_TRAIN - 1}") as info:
        load_mnist(folder, checksums=checksums)
    assert TRAIN_IMAGES in str(info.value) and TRAIN_LABELS in str(info.value)


def test_load_mnist_rejects_images_that_are_not_28_by_28(tmp_path):
    _, contents, checksums = fake_mnist(seed=7)
    contents[TEST_IMAGES] = idx_bytes(np.zeros((N_TEST, 20, 20), np.uint8))
    checksums[TEST_IMAGES] = hashlib.sha256(contents[TEST_IMAGES]).hexdigest()
    folder = write_set(tmp_path / "mnist", contents)
    with pytest.raises(ValueError, match="28×28") as info:
        load_mnist(folder, checksums=checksums)
    assert TEST_IMAGES in str(info.value)


def test_load_mnist_rejects_a_label_file_in_the_images_place(tmp_path):
    _, contents, checksums = fake_mnist(seed=8)
    contents[TRAIN_IMAGES] = contents[TRAIN_LABELS]
    checksums[TRAIN_IMAGES] = checksums[TRAIN_LABELS]
    folder = write_set(tmp_path / "mnist", contents)
    with pytest.raises(ValueError, match="image") as info:
        load_mnist(folder, checksums=checksums)
    assert TRAIN_IMAGES in str(info.value)


def test_load_mnist_rejects_labels_above_nine(tmp_path):
    arrays, contents, checksums = fake_mnist(seed=9)
    labels = arrays[TEST_LABELS].copy()
    labels[3] = 10
    contents[TEST_LABELS] = idx_bytes(labels)
    checksums[TEST_LABELS] = hashlib.sha256(contents[TEST_LABELS]).hexdigest()
    folder = write_set(tmp_path / "mnist", contents)
    with pytest.raises(ValueError, match=r"0\.\.9, found 10"):
        load_mnist(folder, checksums=checksums)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dtype": "int32"}, ValueError, "dtype"),
        ({"flatten": 1}, TypeError, "flatten"),
        ({"download": "yes"}, TypeError, "download"),
        ({"mirrors": "http://127.0.0.1/"}, TypeError, "mirrors"),
        ({"mirrors": []}, ValueError, "mirrors"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"checksums": {TRAIN_IMAGES: "0" * 64}}, ValueError, TRAIN_LABELS),
        ({"checksums": "abc"}, TypeError, "checksums"),
    ],
)
def test_load_mnist_validates_its_options(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        load_mnist(tmp_path, **kwargs)


def test_standard_checksums_cover_the_four_files():
    assert set(MNIST_SHA256) == set(FILES)
    assert all(len(digest) == 64 for digest in MNIST_SHA256.values())


# ------------------------------------------------------------------- lookup
def test_ffnn_data_comes_before_the_cache(tmp_path, monkeypatch):
    arrays_a, contents_a, checksums_a = fake_mnist(seed=10)
    _, contents_b, _ = fake_mnist(seed=11)
    write_set(tmp_path / "data" / "mnist", contents_a)
    cache = write_set(tmp_path / "cache", contents_b)
    monkeypatch.setenv("FFNN_DATA", str(tmp_path / "data"))
    _, y, _, _ = load_mnist(cache_dir=cache, checksums=checksums_a)
    assert np.array_equal(y, arrays_a[TRAIN_LABELS])


def test_the_cache_is_used_when_ffnn_data_lacks_files(tmp_path, monkeypatch):
    _, contents_a, _ = fake_mnist(seed=12)
    arrays_b, contents_b, checksums_b = fake_mnist(seed=13)
    del contents_a[TEST_LABELS]
    write_set(tmp_path / "data" / "mnist", contents_a)
    cache = write_set(tmp_path / "cache", contents_b)
    monkeypatch.setenv("FFNN_DATA", str(tmp_path / "data"))
    _, y, _, _ = load_mnist(cache_dir=cache, checksums=checksums_b)
    assert np.array_equal(y, arrays_b[TRAIN_LABELS])


def test_default_cache_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("FFNN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "ffnn" / "mnist"
    arrays, contents, checksums = fake_mnist(seed=14)
    write_set(default_cache_dir(), contents)
    _, _, _, y_test = load_mnist(checksums=checksums)
    assert np.array_equal(y_test, arrays[TEST_LABELS])


def test_default_cache_without_xdg_is_under_home(monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert default_cache_dir() == Path.home() / ".cache" / "ffnn" / "mnist"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # invalid per the spec
    assert default_cache_dir() == Path.home() / ".cache" / "ffnn" / "mnist"


def test_missing_files_offline_raise_a_helpful_error(no_data_env):
    cache = no_data_env
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(cache_dir=cache)
    message = str(info.value)
    for name in FILES:
        assert name in message
    assert str(Path(os.environ["FFNN_DATA"]) / "mnist") in message
    assert str(cache) in message
    assert "download=True" in message and "--download" in message
    assert not cache.exists()  # nothing was created or fetched


def test_missing_files_error_names_only_the_missing_ones(no_data_env):
    cache = no_data_env
    _, contents, checksums = fake_mnist(seed=15)
    del contents[TEST_IMAGES], contents[TRAIN_LABELS]
    write_set(cache, contents)
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(cache_dir=cache, checksums=checksums)
    cache_line = next(
        line
        for line in str(info.value).splitlines()
        if line.strip().startswith(str(cache))
    )
    assert TEST_IMAGES in cache_line and TRAIN_LABELS in cache_line
    assert TRAIN_IMAGES not in cache_line and TEST_LABELS not in cache_line


# ------------------------------------------------------------------ download
class Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.routes``: path -> (kind, body) with kind 'ok', 'short'
    (a Content-Length 1000 bytes larger than the body, then the connection
    closes) or an HTTP status code."""

    def do_GET(self):
        self.server.requests.append(self.path)
        kind, body = self.server.routes.get(self.path, (404, b""))
        if isinstance(kind, int):
            self.send_error(kind)
            return
        self.send_response(200)
        extra = 1000 if kind == "short" else 0
        self.send_header("Content-Length", str(len(body) + extra))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.routes, httpd.requests = {}, []
    httpd.daemon_threads = True
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def serve(server, mirror, contents, kind="ok", gz=True):
    for name, content in contents.items():
        body = gzip.compress(content) if gz else content
        server.routes[f"/{mirror}/{name}.gz"] = (kind, body)


def mirrors(server, *names):
    return [f"{server.base}/{name}/" for name in names]


def listing(folder):
    return sorted(p.name for p in Path(folder).iterdir()) if folder.exists() else []


def test_download_fetches_verifies_and_caches(server, no_data_env):
    cache = no_data_env
    arrays, contents, checksums = fake_mnist(seed=20)
    serve(server, "m1", contents)
    calls = []
    X, y, _, _ = load_mnist(
        download=True,
        cache_dir=cache,
        mirrors=mirrors(server, "m1"),
        checksums=checksums,
        timeout=5,
        progress=lambda *args: calls.append(args),
    )
    assert np.array_equal(y, arrays[TRAIN_LABELS]) and X.shape == (N_TRAIN, 784)
    assert listing(cache) == sorted(f"{name}.gz" for name in FILES)
    assert len(server.requests) == 4
    last = {name: (got, total) for name, got, total in calls}
    assert last[f"{TEST_LABELS}.gz"][0] == last[f"{TEST_LABELS}.gz"][1]
    # second time from the cache, offline
    _, y_again, _, _ = load_mnist(cache_dir=cache, checksums=checksums)
    assert np.array_equal(y_again, y) and len(server.requests) == 4


def test_download_fetches_only_the_missing_files(server, no_data_env):
    cache = no_data_env
    _, contents, checksums = fake_mnist(seed=21)
    write_set(cache, {TRAIN_IMAGES: contents[TRAIN_IMAGES]}, gz=False)
    serve(server, "m1", contents)
    load_mnist(
        download=True,
        cache_dir=cache,
        mirrors=mirrors(server, "m1"),
        checksums=checksums,
        timeout=5,
    )
    assert f"/m1/{TRAIN_IMAGES}.gz" not in server.requests
    assert len(server.requests) == 3


def test_download_rejects_a_checksum_mismatch_and_keeps_nothing(server, no_data_env):
    cache = no_data_env
    _, contents, checksums = fake_mnist(seed=22)
    _, other, _ = fake_mnist(seed=23)
    serve(server, "m1", {**contents, TEST_IMAGES: other[TEST_IMAGES]})
    serve(server, "m2", {**contents, TEST_IMAGES: other[TEST_IMAGES]})
    with pytest.raises(DownloadError, match="checksum") as info:
        load_mnist(
            download=True,
            cache_dir=cache,
            mirrors=mirrors(server, "m1", "m2"),
            checksums=checksums,
            timeout=5,
        )
    message = str(info.value)
    assert f"/m1/{TEST_IMAGES}.gz" in message and f"/m2/{TEST_IMAGES}.gz" in message
    assert TEST_IMAGES not in " ".join(listing(cache))  # no file, no temp file
    assert all(not name.startswith(".") for name in listing(cache))


def test_download_tries_every_mirror_and_lists_each_failure(server, no_data_env):
    cache = no_data_env
    _, _, checksums = fake_mnist(seed=24)
    for name in FILES:
        server.routes[f"/m1/{name}.gz"] = (404, b"")
        server.routes[f"/m2/{name}.gz"] = (500, b"")
    with pytest.raises(DownloadError) as info:
        load_mnist(
            download=True,
            cache_dir=cache,
            mirrors=mirrors(server, "m1", "m2"),
            checksums=checksums,
            timeout=5,
        )
    message = str(info.value)
    assert f"{server.base}/m1/{TRAIN_IMAGES}.gz" in message and "404" in message
    assert f"{server.base}/m2/{TRAIN_IMAGES}.gz" in message and "500" in message
    assert server.requests == [f"/m1/{TRAIN_IMAGES}.gz", f"/m2/{TRAIN_IMAGES}.gz"]
    assert listing(cache) == []


def test_download_falls_back_to_the_next_mirror(server, no_data_env):
    cache = no_data_env
    arrays, contents, checksums = fake_mnist(seed=25)
    server.routes[f"/m1/{TRAIN_LABELS}.gz"] = (500, b"")
    serve(server, "m2", contents)
    serve(server, "m1", {n: c for n, c in contents.items() if n != TRAIN_LABELS})
    _, y, _, _ = load_mnist(
        download=True,
        cache_dir=cache,
        mirrors=mirrors(server, "m1", "m2"),
        checksums=checksums,
        timeout=5,
    )
    assert np.array_equal(y, arrays[TRAIN_LABELS])
    assert f"/m1/{TRAIN_LABELS}.gz" in server.requests
    assert f"/m2/{TRAIN_LABELS}.gz" in server.requests
    assert sum(path.startswith("/m2/") for path in server.requests) == 1


def test_interrupted_transfer_is_detected_and_leaves_no_file(server, no_data_env):
    cache = no_data_env
    _, contents, checksums = fake_mnist(seed=26)
    serve(server, "m1", contents)
    serve(server, "m1", {TRAIN_IMAGES: contents[TRAIN_IMAGES]}, kind="short")
    with pytest.raises(DownloadError, match="interrupted") as info:
        load_mnist(
            download=True,
            cache_dir=cache,
            mirrors=mirrors(server, "m1"),
            checksums=checksums,
            timeout=5,
        )
    assert f"/m1/{TRAIN_IMAGES}.gz" in str(info.value)
    assert listing(cache) == []  # train images come first: nothing was kept


def test_interrupted_transfer_falls_back_to_the_next_mirror(server, no_data_env):
    cache = no_data_env
    arrays, contents, checksums = fake_mnist(seed=27)
    serve(server, "m1", contents, kind="short")
    serve(server, "m2", contents)
    X, *_ = load_mnist(
        download=True,
        cache_dir=cache,
        mirrors=mirrors(server, "m1", "m2"),
        checksums=checksums,
        timeout=5,
    )
    assert np.array_equal(
        X, arrays[TRAIN_IMAGES].reshape(N_TRAIN, -1) / np.float32(255)
    )
    assert listing(cache) == sorted(f"{name}.gz" for name in FILES)


def test_a_truncated_gzip_body_is_rejected(server, no_data_env):
    cache = no_data_env
    _, contents, checksums = fake_mnist(seed=28)
    serve(server, "m1", contents)
    blob = gzip.compress(contents[TEST_LABELS])
    server.routes[f"/m1/{TEST_LABELS}.gz"] = ("ok", blob[:-8])  # CRC and size cut
    with pytest.raises(DownloadError, match="gzip"):
        load_mnist(
            download=True,
            cache_dir=cache,
            mirrors=mirrors(server, "m1"),
            checksums=checksums,
            timeout=5,
        )
    assert TEST_LABELS not in " ".join(listing(cache))


def test_download_into_an_explicit_path(server, tmp_path):
    _, contents, checksums = fake_mnist(seed=29)
    serve(server, "m1", contents)
    folder = tmp_path / "here"
    load_mnist(
        folder,
        download=True,
        mirrors=mirrors(server, "m1"),
        checksums=checksums,
        timeout=5,
    )
    assert listing(folder) == sorted(f"{name}.gz" for name in FILES)


def _closed_port():
    """A local port nothing listens on: connecting fails at once, as offline."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_offline_download_raises_a_one_line_download_error(no_data_env):
    cache = no_data_env
    _, _, checksums = fake_mnist(seed=30)
    unreachable = [f"http://127.0.0.1:{_closed_port()}/m{i}/" for i in (1, 2)]
    with pytest.raises(DownloadError) as info:
        load_mnist(
            download=True,
            cache_dir=cache,
            mirrors=unreachable,
            checksums=checksums,
            timeout=5,
        )
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"could not download {TRAIN_IMAGES}.gz from any mirror")
    assert all(
        f"{mirror}{TRAIN_IMAGES}.gz: URLError" in message for mirror in unreachable
    )
    assert isinstance(info.value, OSError)
    assert listing(cache) == []


def test_download_of_a_gzip_bomb_stops_after_the_declared_size(server, no_data_env):
    # a label file declaring 40 labels, followed by 64 MiB of zeros (64 KB gzipped)
    cache = no_data_env
    _, contents, checksums = fake_mnist(seed=31)
    serve(server, "m1", contents)
    bomb = gzip.compress(contents[TEST_LABELS] + bytes(2**26), 9)
    server.routes[f"/m1/{TEST_LABELS}.gz"] = ("ok", bomb)
    with pytest.raises(DownloadError, match="oversized IDX data") as info:
        load_mnist(
            download=True,
            cache_dir=cache,
            mirrors=mirrors(server, "m1"),
            checksums=checksums,
            timeout=5,
        )
    assert f"needs {N_TEST} bytes" in str(info.value)
    assert TEST_LABELS not in " ".join(listing(cache))


def _download_standard(server, cache, *names):
    """load_mnist(download=True) with the standard checksums from the mirrors
    ``names``; returns what it raised and the peak bytes traced meanwhile."""
    tracemalloc.start()
    try:
        load_mnist(
            download=True, cache_dir=cache, mirrors=mirrors(server, *names), timeout=5
        )
    except DownloadError as error:
        return error, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    raise AssertionError("load_mnist downloaded a file that is not MNIST's")


def test_a_standard_download_must_declare_mnists_shape(server, no_data_env):
    # 300,000 images declared and sent (235 MB, 230 KB gzipped): within the IDX
    # limit, but not MNIST's training images, so refused after the header
    cache = no_data_env
    shape = (300_000, 28, 28)
    header = (0x803).to_bytes(4, "big") + np.array(shape, ">u4").tobytes()
    body = gzip_of_zeros(header, 300_000 * 784)
    for mirror in ("m1", "m2"):
        server.routes[f"/{mirror}/{TRAIN_IMAGES}.gz"] = ("ok", body)
    error, peak = _download_standard(server, cache, "m1", "m2")
    message = str(error)
    assert f"/m1/{TRAIN_IMAGES}.gz" in message and f"/m2/{TRAIN_IMAGES}.gz" in message
    assert f"declares shape {shape}" in message
    assert f"must hold shape {MNIST_SHAPES[TRAIN_IMAGES]}" in message
    assert peak < 4 * 2**20  # the download's chunks, never the 235 MB
    assert listing(cache) == []


def test_a_standard_download_of_mnists_shape_is_read_to_its_checksum(
    server, no_data_env
):
    # the right shape passes the header's check; zeros then fail the checksum
    cache = no_data_env
    header = (0x803).to_bytes(4, "big") + np.array([60000, 28, 28], ">u4").tobytes()
    server.routes[f"/m1/{TRAIN_IMAGES}.gz"] = (
        "ok",
        gzip_of_zeros(header, 60000 * 784),
    )
    error, _ = _download_standard(server, cache, "m1")
    assert "checksum mismatch" in str(error) and "shape" not in str(error)
    assert listing(cache) == []


def test_standard_shapes_cover_the_four_files():
    assert set(MNIST_SHAPES) == set(FILES)
    for images, labels in ((TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)):
        assert MNIST_SHAPES[images] == (MNIST_SHAPES[labels][0], 28, 28)


def test_load_mnist_refuses_a_file_whose_header_declares_too_much(tmp_path):
    _, contents, checksums = fake_mnist(seed=32)
    header = (0x803).to_bytes(4, "big") + np.array([2**22, 28, 28], ">u4").tobytes()
    contents[TRAIN_IMAGES] = header + contents[TRAIN_IMAGES][16:]
    folder = write_set(tmp_path / "mnist", contents)
    with pytest.raises(ValueError, match="more than ffnn reads") as info:
        load_mnist(folder, checksums=checksums)
    assert TRAIN_IMAGES in str(info.value)


# ---------------------------------------------------------------- real MNIST
def _real_mnist_folder():
    root = os.environ.get("FFNN_DATA")
    if not root:
        return None
    folder = Path(root) / "mnist"
    present = all(
        (folder / name).is_file() or (folder / f"{name}.gz").is_file() for name in FILES
    )
    return folder if present else None


@pytest.mark.skipif(
    _real_mnist_folder() is None,
    reason="set FFNN_DATA to a folder whose mnist/ holds the four MNIST files",
)
def test_real_mnist_loads_and_trains_above_90_percent():
    X, y, X_test, y_test = load_mnist(_real_mnist_folder())
    assert X.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert np.bincount(y_test).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]
    net = ffnn.Network.mlp(
        [784, 64, 10], activation="relu", init="he_normal", seed=0, dtype="float32"
    )
    ffnn.train(
        net,
        X[:20000],
        y[:20000],
        optimizer=ffnn.Adam(1e-3),
        epochs=2,
        batch_size=128,
        seed=0,
    )
    assert net.accuracy(X_test, y_test) > 0.90
