"""MNIST: find its IDX files on disk, verify them, download them if asked.

The four standard files (gzipped or not) are looked up in ``$FFNN_DATA/mnist``
and then in the user cache folder (``$XDG_CACHE_HOME/ffnn/mnist``, by default
``~/.cache/ffnn/mnist``). Each file is checked against the SHA-256 of its IDX
content, so one table verifies a ``.gz`` file from any mirror (mirrors and
re-compressed copies wrap the same bytes in different gzip streams) and an
un-gzipped file alike. Nothing is fetched unless ``download=True``. The IDX
format itself is read by :mod:`ffnn.datasets.idx`.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from ffnn._validation import check_dtype, check_positive
from ffnn.datasets.idx import MAX_IDX_BYTES, _read_file

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

# SHA-256 of each file's IDX content (the bytes after gunzip). These are the
# published values; the .gz files themselves hash differently per mirror.
_SHA256 = {
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MNIST_SHA256: Mapping[str, str] = MappingProxyType(_SHA256)  # read-only default
#: the shape each standard file's IDX header declares: a download verified
#: against :data:`MNIST_SHA256` must declare it before its data is read
MNIST_SHAPES: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {
        TRAIN_IMAGES: (60000, 28, 28),
        TRAIN_LABELS: (60000,),
        TEST_IMAGES: (10000, 28, 28),
        TEST_LABELS: (10000,),
    }
)

DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

IMAGE_SHAPE = (28, 28)
N_CLASSES = 10
CHUNK_BYTES = 1 << 16
#: bytes a download may take: the largest IDX file ffnn reads, and room for a
#: gzip stream that does not shrink it
MAX_DOWNLOAD_BYTES = MAX_IDX_BYTES + (1 << 20)

Progress = Callable[[str, int, int | None], None]


class DownloadError(OSError):
    """Every mirror failed to deliver a file; the message, one line, names each
    mirror's failure."""


def _check_sha256(header: bytes, data: np.ndarray, expected: str, source: str) -> None:
    """Compare the SHA-256 of the IDX content (``header`` then ``data``) with
    ``expected``."""
    digest = hashlib.sha256(header)
    digest.update(data.reshape(-1))  # the array's bytes, not a copy of them
    actual = digest.hexdigest()
    if actual != expected.lower():
        raise ValueError(
            f"{source}: checksum mismatch: the SHA-256 of its IDX content is "
            f"{actual}, expected {expected}; the file is corrupt or not the "
            "standard one (delete it and load again with download=True)"
        )


# -------------------------------------------------------------------- folders
def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/ffnn/mnist``, or ``~/.cache/ffnn/mnist`` when unset."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # the XDG spec says a relative value is invalid and must be ignored
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "ffnn" / "mnist"


def _find(folder: Path, name: str) -> Path | None:
    """The file ``name`` in ``folder``, un-gzipped or gzipped, if present."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _search_folders(
    path: str | os.PathLike[str] | None, cache_dir: str | os.PathLike[str] | None
) -> list[tuple[Path, str]]:
    """The folders to look in, in order, each with a note of where it came from."""
    if path is not None:
        return [(Path(path), "path")]
    folders = []
    data_root = os.environ.get("FFNN_DATA")
    if data_root:
        folders.append((Path(data_root) / "mnist", "$FFNN_DATA/mnist"))
    if cache_dir is not None:
        folders.append((Path(cache_dir), "cache_dir"))
    else:
        folders.append((default_cache_dir(), "user cache"))
    return folders


def _missing_files_error(
    searched: list[tuple[Path, str]], found: list[dict[str, Path]]
) -> FileNotFoundError:
    lines = ["MNIST files not found. Searched:"]
    for (folder, origin), files in zip(searched, found, strict=True):
        missing = [f"{name}[.gz]" for name in FILES if name not in files]
        state = "missing " + ", ".join(missing) if folder.is_dir() else "no such folder"
        lines.append(f"  {folder} ({origin}): {state}")
    if searched[0][1] != "path" and not os.environ.get("FFNN_DATA"):
        lines.append("  ($FFNN_DATA is not set)")
    lines.append(
        "To fix: put the four files "
        + ", ".join(f"{name}.gz" for name in FILES)
        + " (gzipped or not) in $FFNN_DATA/mnist or in "
        + f"{searched[-1][0]}, or call load_mnist(download=True) "
        + "(on the command line: --download)."
    )
    return FileNotFoundError("\n".join(lines))


# ------------------------------------------------------------------- download
def _fetch(
    url: str,
    target: Path,
    sha256: str,
    shape: tuple[int, ...] | None,
    timeout: float,
    progress: Progress | None,
) -> None:
    """Download ``url`` into ``target``, atomically, after verifying it.

    The bytes go to a hidden temporary file in the same folder, which is
    checked (length, gzip stream, IDX header, checksum) and only then renamed
    into place, so an interrupted or bad download never leaves a file that
    looks valid. At most :data:`MAX_DOWNLOAD_BYTES` are taken from a server,
    and a header that does not declare ``shape`` (when given) is refused
    before any data is decompressed, so a hostile mirror cannot make ffnn
    allocate more than the file it should send.
    """
    import urllib.request  # only downloads need it (and http.client behind it)

    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    request = urllib.request.Request(url, headers={"User-Agent": "ffnn"})
    try:
        with (
            urllib.request.urlopen(request, timeout=timeout) as response,
            temporary.open("xb") as out,
        ):
            length = response.headers.get("Content-Length")
            total = int(length) if length is not None else None
            received = 0
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                received += len(chunk)
                if received > MAX_DOWNLOAD_BYTES:
                    raise ValueError(
                        f"the server sent more than {MAX_DOWNLOAD_BYTES} bytes"
                    )
                if progress is not None:
                    progress(target.name, received, total)
        # http.client returns a short body without complaint when the server
        # closes early, so the length is checked here
        if total is not None and received != total:
            raise ValueError(
                f"transfer interrupted: received {received} of {total} bytes"
            )
        header, data = _read_file(temporary, source=url, shape=shape)
        _check_sha256(header, data, sha256, url)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _download(
    name: str,
    folder: Path,
    mirrors: Sequence[str],
    sha256: str,
    timeout: float,
    progress: Progress | None,
) -> Path:
    """Fetch ``name.gz`` into ``folder`` from the first mirror that works; a
    standard file (``sha256`` is MNIST's) must declare MNIST's shape."""
    import http.client

    standard = sha256.lower() == MNIST_SHA256.get(name)
    shape = MNIST_SHAPES[name] if standard else None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.gz"
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + f"/{name}.gz"
        try:
            _fetch(url, target, sha256, shape, timeout, progress)
            return target
        except (OSError, ValueError, http.client.HTTPException) as error:
            # OSError covers URLError, HTTPError and timeouts
            reason = " ".join(str(error).split())  # one line
            failures.append(f"{url}: {type(error).__name__}: {reason}")
    raise DownloadError(
        f"could not download {name}.gz from any mirror: " + "; ".join(failures)
    )


def _check_mirrors(mirrors: Any) -> tuple[str, ...]:
    if isinstance(mirrors, str) or not isinstance(mirrors, Sequence):
        raise TypeError(f"mirrors must be a list of URL strings, got {mirrors!r}")
    if not mirrors or not all(isinstance(m, str) and m for m in mirrors):
        raise ValueError(
            f"mirrors must be a non-empty list of URL strings, got {mirrors!r}"
        )
    return tuple(mirrors)


def _check_checksums(checksums: Any) -> Mapping[str, str]:
    if not isinstance(checksums, Mapping):
        raise TypeError(
            f"checksums must map file names to SHA-256 hex digests, got {checksums!r}"
        )
    missing = [name for name in FILES if name not in checksums]
    if missing:
        raise ValueError(f"checksums has no entry for {', '.join(missing)}")
    return checksums


# ----------------------------------------------------------------------- load
def _load_file(path: Path, sha256: str, ndim: int) -> np.ndarray:
    header, array = _read_file(path)
    if array.ndim != ndim:
        kind = "image (3-D)" if ndim == 3 else "label (1-D)"
        raise ValueError(
            f"{path}: expected an {kind} IDX file, got shape {array.shape}"
        )
    _check_sha256(header, array, sha256, str(path))
    return array


def _check_pair(
    images: np.ndarray, labels: np.ndarray, image_path: Path, label_path: Path
) -> None:
    if images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(
            f"{image_path}: MNIST images are 28×28, got {images.shape[1:]}"
        )
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{image_path} holds {images.shape[0]} images but {label_path} "
            f"holds {labels.shape[0]} labels"
        )
    if labels.size and labels.max() >= N_CLASSES:
        raise ValueError(
            f"{label_path}: labels must be digits 0..9, found {int(labels.max())}"
        )


def load_mnist(
    path: str | os.PathLike[str] | None = None,
    *,
    dtype: Any = "float32",
    download: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    mirrors: Sequence[str] | None = None,
    flatten: bool = True,
    checksums: Mapping[str, str] = MNIST_SHA256,
    timeout: float = 30.0,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load MNIST from disk (downloading it first only if asked).

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding the four files. When None, the first folder holding all
        four of ``$FFNN_DATA/mnist`` and the cache folder is used.
    dtype : str
        'float32' (default) or 'float64', the dtype of the images.
    download : bool
        Fetch the files missing from the cache folder (or from ``path`` when
        given) from ``mirrors``. Files are never fetched otherwise.
    cache_dir : str or path-like, optional
        The cache folder itself (default ``$XDG_CACHE_HOME/ffnn/mnist`` or
        ``~/.cache/ffnn/mnist``). Ignored when ``path`` is given.
    mirrors : sequence of str, optional
        Base URLs tried in order for each file (default :data:`DEFAULT_MIRRORS`).
    flatten : bool
        Return images as rows of 784 pixels (default) or as 28 × 28 arrays.
    checksums : mapping of str to str
        SHA-256 of each file's IDX content (after gunzip), keyed by the file
        name without ``.gz``; default :data:`MNIST_SHA256`, the standard files.
        Pass your own to load other data in MNIST's layout.
    timeout : float
        Seconds a download waits for the server before it gives up on a mirror.
    progress : callable, optional
        Called as ``progress(file_name, bytes_received, bytes_total_or_None)``
        after each downloaded chunk.

    Returns
    -------
    X_train : ndarray of shape (60000, 784), or (60000, 28, 28) if not flatten
        Pixels scaled to [0, 1] (``pixel / 255``).
    y_train : ndarray of shape (60000,), int64
        Digit labels 0..9.
    X_test : ndarray of shape (10000, 784), or (10000, 28, 28) if not flatten
    y_test : ndarray of shape (10000,), int64

    Raises
    ------
    FileNotFoundError
        When no folder holds the four files and ``download`` is False; the
        message lists the missing files, the folders searched and the fixes.
    ValueError
        Naming the file, when a file is not valid IDX (see
        :func:`~ffnn.datasets.read_idx`: its header is checked before its data
        is read, and a gzip stream is decompressed no further than the size the
        header declares, at most :data:`~ffnn.datasets.idx.MAX_IDX_BYTES`),
        fails its checksum, or disagrees with its partner (image and label
        counts, 28 × 28 images).
    DownloadError
        Only with ``download=True``, when every mirror failed for a file
        (offline, say); its one-line message names each mirror's failure.
        It is an OSError. A standard file (its checksum MNIST's) whose IDX
        header does not declare MNIST's shape (:data:`MNIST_SHAPES`) is such
        a failure, found before its data is decompressed.

    Notes
    -----
    The standard counts (60000 training and 10000 test images) follow from the
    checksums; with your own ``checksums`` any counts are accepted as long as
    each images file and its labels file agree.
    """
    dtype = check_dtype(dtype)
    if not isinstance(flatten, bool):
        raise TypeError(f"flatten must be True or False, got {flatten!r}")
    if not isinstance(download, bool):
        raise TypeError(f"download must be True or False, got {download!r}")
    checksums = _check_checksums(checksums)
    mirrors = _check_mirrors(DEFAULT_MIRRORS if mirrors is None else mirrors)
    timeout = check_positive(timeout, "timeout")

    searched = _search_folders(path, cache_dir)
    found = [
        {name: p for name in FILES if (p := _find(folder, name)) is not None}
        for folder, _ in searched
    ]
    files = next((f for f in found if len(f) == len(FILES)), None)
    if files is None:
        if not download:
            raise _missing_files_error(searched, found)
        folder, files = searched[-1][0], found[-1]
        for name in FILES:
            if name not in files:
                files[name] = _download(
                    name, folder, mirrors, checksums[name], timeout, progress
                )

    arrays = {
        name: _load_file(files[name], checksums[name], 3 if "images" in name else 1)
        for name in FILES
    }
    for images, labels in ((TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)):
        _check_pair(arrays[images], arrays[labels], files[images], files[labels])

    def scale(images: np.ndarray) -> np.ndarray:
        X = images.astype(dtype)
        X /= 255.0
        return X.reshape(len(X), -1) if flatten else X

    return (
        scale(arrays[TRAIN_IMAGES]),
        arrays[TRAIN_LABELS].astype(np.int64),
        scale(arrays[TEST_IMAGES]),
        arrays[TEST_LABELS].astype(np.int64),
    )
