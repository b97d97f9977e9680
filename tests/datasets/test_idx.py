"""Tests of ffnn.datasets.idx: reading IDX files, gzipped or not, and refusing
broken ones after reading no more than their header declares."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from ffnn.datasets import read_idx
from ffnn.datasets.idx import CHUNK_BYTES, MAX_IDX_BYTES, OVERSIZE_MARGIN


def idx_bytes(array, magic=None):
    """IDX encoding of a uint8 array: magic, big-endian dimension counts, data."""
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x800 + array.ndim
    header = magic.to_bytes(4, "big") + np.array(array.shape, ">u4").tobytes()
    return header + array.tobytes()


def idx_header(*shape):
    """The IDX header of uint8 data of ``shape`` (1-D or 3-D)."""
    return (0x800 + len(shape)).to_bytes(4, "big") + np.array(shape, ">u4").tobytes()


def write(path, content, gz):
    """Write IDX bytes to ``path`` (plus '.gz', gzipped, when ``gz``)."""
    path = Path(f"{path}.gz") if gz else Path(path)
    path.write_bytes(gzip.compress(content) if gz else content)
    return path


# --------------------------------------------------------------- valid files
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trips_images_and_labels(tmp_path, gz):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 3, 4), dtype=np.uint8)
    labels = rng.integers(0, 10, 5, dtype=np.uint8)
    got_images = read_idx(write(tmp_path / "images", idx_bytes(images), gz))
    got_labels = read_idx(write(tmp_path / "labels", idx_bytes(labels), gz))
    assert got_images.dtype == np.uint8 and got_images.shape == (5, 3, 4)
    assert np.array_equal(got_images, images)
    assert got_labels.dtype == np.uint8 and np.array_equal(got_labels, labels)
    got_images[0, 0, 0] = 7  # a writable array of its own


def test_read_idx_header_counts_are_big_endian(tmp_path):
    images = np.zeros((2, 300, 1), np.uint8)  # 300 needs two bytes: order matters
    assert read_idx(write(tmp_path / "x", idx_bytes(images), False)).shape == (
        2,
        300,
        1,
    )


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_reads_data_longer_than_a_chunk(tmp_path, gz):
    labels = np.random.default_rng(1).integers(0, 10, CHUNK_BYTES + 5, np.uint8)
    got = read_idx(write(tmp_path / "labels", idx_bytes(labels), gz))
    assert np.array_equal(got, labels)


def test_read_idx_reads_a_gzip_file_of_several_members(tmp_path):
    # gzip allows concatenated members; `cat a.gz b.gz` makes one
    content = idx_bytes(np.arange(40, dtype=np.uint8).reshape(2, 4, 5))
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(content[:30]) + gzip.compress(content[30:]))
    assert np.array_equal(read_idx(path), np.arange(40).reshape(2, 4, 5))


# ----------------------------------------------------------------- bad files
@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    ("extra", "word"), [(-1, "truncated"), (-40, "truncated"), (3, "oversized")]
)
def test_read_idx_rejects_a_payload_of_the_wrong_size(tmp_path, gz, extra, word):
    content = idx_bytes(np.ones((4, 5, 5), np.uint8))
    content = content[:extra] if extra < 0 else content + b"\x00" * extra
    path = write(tmp_path / "images", content, gz)
    sizes = f"needs 100 bytes after the header, the file holds {100 + extra}"
    with pytest.raises(ValueError, match=word) as info:
        read_idx(path)
    assert str(path) in str(info.value) and sizes in str(info.value)


def test_read_idx_rejects_labels_whose_count_exceeds_the_data(tmp_path):
    content = (0x801).to_bytes(4, "big") + (10).to_bytes(4, "big") + bytes(9)
    path = write(tmp_path / "labels", content, False)
    with pytest.raises(ValueError, match=r"needs 10 bytes .* holds 9"):
        read_idx(path)


@pytest.mark.parametrize("magic", [0x00000802, 0x00000D03, 0x08030000, 0x00000000])
def test_read_idx_rejects_other_magic_numbers(tmp_path, magic):
    path = write(tmp_path / "odd", idx_bytes(np.zeros((2, 2), np.uint8), magic), True)
    with pytest.raises(ValueError, match=f"0x{magic:08x}") as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("content", [b"", b"\x00\x00", (0x803).to_bytes(4, "big")])
def test_read_idx_rejects_a_short_header(tmp_path, content):
    path = write(tmp_path / "short", content, False)
    with pytest.raises(ValueError, match="header") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_rejects_a_truncated_gzip_stream(tmp_path):
    path = tmp_path / "images.gz"
    blob = gzip.compress(idx_bytes(np.arange(600, dtype=np.uint8).reshape(6, 10, 10)))
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_says_more_than_when_the_excess_passes_the_margin(tmp_path, gz):
    content = idx_bytes(np.ones(10, np.uint8)) + bytes(OVERSIZE_MARGIN + 2)
    path = write(tmp_path / "labels", content, gz)
    with pytest.raises(ValueError, match="oversized") as info:
        read_idx(path)
    assert f"holds more than {10 + OVERSIZE_MARGIN}" in str(info.value)


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_refuses_a_header_beyond_the_limit(tmp_path, gz):
    # 2**28 + 2**12 bytes declared, 100 present: refused after the header
    header = idx_header(2**12, 2**16 + 1, 1)
    path = write(tmp_path / "images", header + bytes(100), gz)
    assert MAX_IDX_BYTES == 2**28 < 2**12 * (2**16 + 1)
    with pytest.raises(
        ValueError, match=f"more than ffnn reads .{MAX_IDX_BYTES}"
    ) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_accepts_a_header_at_the_limit_and_reads_only_what_exists(tmp_path):
    # exactly 2**28 bytes declared: within the limit, so the data is read, and
    # found short
    path = write(tmp_path / "images", idx_header(2**12, 2**16, 1) + bytes(100), True)
    with pytest.raises(ValueError, match="truncated IDX data") as info:
        read_idx(path)
    assert f"needs {MAX_IDX_BYTES} bytes" in str(info.value)


def test_read_idx_refuses_trailing_garbage_after_a_gzip_stream(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.ones(3, np.uint8))) + b"garbage!")
    with pytest.raises(ValueError, match="not a valid gzip stream") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_of_a_missing_file_or_a_folder(tmp_path):
    for path in (tmp_path / "absent.gz", tmp_path):
        with pytest.raises(FileNotFoundError, match="no IDX file at"):
            read_idx(path)
