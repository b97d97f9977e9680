"""Output that a crash cannot corrupt: files that are whole or absent, and
folders whose files all come from one run.

- :func:`atomic_path`, :func:`atomic_write_bytes`, :func:`atomic_write_text`:
  a file is written under a temporary name in its own folder, flushed and
  fsync'ed, then renamed over its final name (``os.replace``, atomic on POSIX and
  Windows), and the folder is fsync'ed so that the rename is durable too. A
  crash at any moment leaves the old file or the new one, never a 0-byte or
  truncated file under the final name; a write that fails (a full disk) removes
  its temporary file and leaves the old file as it was.
- :func:`check_writable`: create a folder, write and remove a probe file in it,
  so that a command refuses an unwritable output folder before it works.
- :func:`staged_folder`: a run's files are written into a hidden staging folder
  inside the output folder, then published together; the output folder holds
  one run's files or is marked incomplete (:data:`MARKER`), never a mix of an
  older run's files and a newer one's.

An OS error while writing (a full disk, a folder made read-only meanwhile) is
raised as :class:`WriteError`, naming the final file or folder rather than the
temporary one. One process writes into a given output folder at a time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from os import PathLike
from pathlib import Path

#: present while a folder's files are being replaced: the folder is incomplete.
#: It lists every file name the folder may hold from the older run or the newer
#: one, so that the next run removes them all.
MARKER = ".incomplete"
#: the names of the files published into a folder, one per line
MANIFEST = ".ffnn-files"
#: prefix of the staging folders, followed by the writer's process id
STAGING_PREFIX = ".ffnn-staging-"


class WriteError(OSError):
    """Writing a file or publishing a folder failed; ``filename`` is the final
    path, ``errno`` and ``strerror`` the OS error's (ENOSPC for a full disk)."""


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Raise an OS error of the block as a WriteError naming ``path``."""
    try:
        yield
    except WriteError:
        raise
    except OSError as error:
        raise WriteError(
            error.errno, error.strerror or str(error), str(path)
        ) from error


# ----------------------------------------------------------------- one file
@contextlib.contextmanager
def atomic_path(path: str | PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write the file at; when the
    block ends normally the file there is fsync'ed and renamed to ``path``.

    For writers that take a path (``Network.save``, ``Figure.savefig``): the
    temporary name keeps the suffix (``.model.npz.k2x9.tmp.npz``) so that a
    format read from it is the right one. If the block raises, the temporary
    file is removed and ``path`` is left as it was; an OS error is raised as a
    :class:`WriteError` naming ``path``.
    """
    path = Path(path)
    with _writing(path):
        handle, name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}"
        )
        os.close(handle)
        temporary = Path(name)
        try:
            yield temporary
            _publish_mode(temporary)
            _fsync_file(temporary)
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        fsync_folder(path.parent)


def atomic_write_bytes(path: str | PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    path = Path(path)
    with atomic_path(path) as temporary:
        handle = os.open(temporary, os.O_WRONLY | os.O_TRUNC)
        try:
            view = memoryview(data)
            while view:  # os.write may write less than it was given
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
    return path


def atomic_write_text(path: str | PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically, in UTF-8 (see :func:`atomic_path`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _publish_mode(path: Path) -> None:
    # mkstemp made the file private; give it the mode a plain open() would
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def _fsync_file(path: Path) -> None:
    handle = os.open(path, os.O_RDWR)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def fsync_folder(folder: str | PathLike) -> None:
    """Make the entries of ``folder`` (its renames and removals) durable; a
    no-op where folders cannot be opened (Windows)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


# ------------------------------------------------------------------ a folder
def check_writable(folder: str | PathLike, what: str = "output folder") -> Path:
    """Create ``folder`` (and its parents) and write and remove a probe file in
    it; raises a ValueError naming ``what`` and the reason when it cannot.

    Commands call it before they work, so that an output folder that names a
    file, lies under a file, is read-only or is on a full disk is refused at
    once rather than after the run.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".ffnn-probe-")
        try:
            os.write(handle, b"probe")
            os.fsync(handle)
        finally:
            os.close(handle)
            Path(probe).unlink(missing_ok=True)
    except OSError as error:
        raise ValueError(
            f"{what} {folder}: cannot write there ({_reason(folder, error)})"
        ) from error
    return folder


def _reason(folder: Path, error: OSError) -> str:
    if isinstance(error, FileExistsError | NotADirectoryError):
        for parent in (folder, *folder.parents):
            if parent.exists() and not parent.is_dir():
                return f"{parent} is a file, not a folder"
    return error.strerror or str(error)


def is_incomplete(folder: str | PathLike) -> bool:
    """True while (or after a crash while) :func:`staged_folder` replaces the
    files of ``folder``."""
    return (Path(folder) / MARKER).exists()


@contextlib.contextmanager
def staged_folder(out: str | PathLike, replaces: Iterable[str] = ()) -> Iterator[Path]:
    """Yield a fresh staging folder to write a run's files into; when the block
    ends normally they are published into ``out`` together.

    Parameters
    ----------
    out : path
        The output folder (created if missing).
    replaces : iterable of str
        Names of files an older run may have left in ``out`` without a
        :data:`MANIFEST` (written by an older ffnn); they are removed with the
        files the manifest lists.

    Notes
    -----
    The files are written (each with :func:`atomic_write_bytes` or
    :func:`atomic_path`, so fsync'ed) into ``out/.ffnn-staging-<pid>-…/``, a
    hidden folder on the same file system. If the block raises (a full disk, a
    failed figure), the staging folder is removed and ``out`` is untouched:
    the older run stays whole. Publishing then runs these steps, fsyncing
    ``out`` after each:

    1. write :data:`MARKER`, listing the names of the older run (its manifest,
       ``replaces``, a leftover marker's list) and of the newer one;
    2. remove every file it lists that exists;
    3. rename the new files, the new :data:`MANIFEST` among them, into ``out``;
    4. remove the marker.

    A SIGKILL before step 1 leaves the older run whole (and a stale staging
    folder, removed by the next run once its process is gone); between steps 1
    and 4 the folder is marked incomplete and holds part of one run only, the
    older one's (step 2) or the newer one's (step 3), never both; after step 4 it
    is the newer run, whole. The next run into the folder removes whatever the
    leftover marker lists. Files of other names in ``out`` are never touched.
    """
    out = Path(out)
    with _writing(out):
        out.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(out)
        prefix = f"{STAGING_PREFIX}{os.getpid()}-"
        staging = Path(tempfile.mkdtemp(dir=out, prefix=prefix))
    try:
        yield staging
        with _writing(out):
            _publish(staging, out, replaces)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _publish(staging: Path, out: Path, replaces: Iterable[str]) -> list[str]:
    """Move every file of ``staging`` into ``out`` (see :func:`staged_folder`);
    returns the names published."""
    names = sorted(entry.name for entry in staging.iterdir())
    for name in names:
        if not (staging / name).is_file() or (staging / name).is_symlink():
            raise ValueError(f"{staging / name}: only plain files are published")
        if (out / name).is_dir() and not (out / name).is_symlink():
            raise IsADirectoryError(f"{out / name} is a folder; cannot replace it")
    atomic_write_text(staging / MANIFEST, "".join(f"{n}\n" for n in names))
    names = sorted({*names, MANIFEST})
    leaving = {*_names(replaces), *_listed(out / MANIFEST), *_listed(out / MARKER)}
    listed = sorted((leaving | set(names)) - {MARKER})
    atomic_write_text(out / MARKER, "".join(f"{n}\n" for n in listed))  # 1
    for name in listed:  # 2
        (out / name).unlink(missing_ok=True)
    fsync_folder(out)
    for name in names:  # 3
        os.replace(staging / name, out / name)
    fsync_folder(out)
    (out / MARKER).unlink()  # 4
    fsync_folder(out)
    return names


def _names(names: Iterable[str]) -> list[str]:
    """The plain file names among ``names``: a list read from a file never
    reaches outside its folder."""
    return [n for n in names if n and n not in (".", "..") and Path(n).name == n]


def _listed(path: Path) -> list[str]:
    """The names listed one per line in ``path`` (none if it is unreadable)."""
    try:
        return _names(path.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeError):
        return []


def _remove_stale_staging(out: Path) -> None:
    """Remove staging folders left in ``out`` by writers that were killed."""
    if os.name != "posix":  # no safe way to ask whether a process lives
        return
    for entry in out.glob(f"{STAGING_PREFIX}*"):
        pid = entry.name.removeprefix(STAGING_PREFIX).partition("-")[0]
        if entry.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
