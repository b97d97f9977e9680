"""Tests of ffnn.atomic: files whole or absent, the write probe, and folders that
hold one run's files or are marked incomplete, whatever moment a crash hits."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ffnn.atomic
from ffnn.atomic import (
    MANIFEST,
    MARKER,
    STAGING_PREFIX,
    WriteError,
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    check_writable,
    is_incomplete,
    staged_folder,
)
from tests.support.full_disk import full_disk


def visible(folder: Path) -> dict[str, bytes]:
    """The files of ``folder`` a reader sees, by name, with their contents."""
    return {
        p.name: p.read_bytes()
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".")
    }


def hidden(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name.startswith(".")}


# ----------------------------------------------------------------- one file
def test_atomic_write_replaces_a_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text("old")
    assert atomic_write_text(path, "new ✓") == path
    assert path.read_text(encoding="utf-8") == "new ✓"
    assert os.listdir(tmp_path) == ["metrics.json"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()  # not mkstemp's 0600


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_a_full_disk_mid_write_leaves_the_old_file_and_no_partial_one(
    tmp_path, monkeypatch
):
    path = tmp_path / "metrics.json"
    path.write_text("the older run's metrics")
    monkeypatch.setattr(os, "write", full_disk(room=10))
    with pytest.raises(WriteError) as caught:
        atomic_write_bytes(path, b"x" * 10_000)
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(path)  # the final name, not the temporary
    monkeypatch.undo()
    assert path.read_text() == "the older run's metrics"
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_a_full_disk_on_a_new_file_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "write", full_disk(room=100))
    with pytest.raises(WriteError):
        atomic_write_text(tmp_path / "metrics.json", "{}" * 1000)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_atomic_path_keeps_the_suffix_and_cleans_up_after_a_failed_writer(tmp_path):
    path = tmp_path / "loss.png"
    with atomic_path(path) as temporary:
        assert temporary.parent == tmp_path and temporary.suffix == ".png"
        assert temporary.name.startswith(".loss.png.")
        temporary.write_bytes(b"png")
    assert path.read_bytes() == b"png"
    with pytest.raises(RuntimeError), atomic_path(path) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("the writer failed")
    assert path.read_bytes() == b"png" and os.listdir(tmp_path) == ["loss.png"]


# -------------------------------------------------------------- the probe
def test_check_writable_creates_the_folder_and_leaves_nothing(tmp_path):
    out = tmp_path / "a" / "b"
    assert check_writable(out) == out
    assert out.is_dir() and os.listdir(out) == []


@pytest.mark.parametrize("under", ["", "sub"])
def test_check_writable_refuses_a_file_or_a_folder_under_a_file(tmp_path, under):
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / under if under else tmp_path / "afile"
    with pytest.raises(ValueError, match=r"--out .*afile is a file, not a folder"):
        check_writable(out, "--out")


def test_check_writable_refuses_a_folder_it_cannot_write(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(ffnn.atomic.tempfile, "mkstemp", denied)
    with pytest.raises(ValueError, match=r"cannot write there \(Permission denied"):
        check_writable(tmp_path)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere"
)
def test_check_writable_refuses_a_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    try:
        with pytest.raises(ValueError, match="Permission denied"):
            check_writable(folder / "run")
    finally:
        folder.chmod(0o755)


# ----------------------------------------------------------- staged folders
def publish_version(out: Path, version: int, names: tuple[str, ...]) -> None:
    with staged_folder(out, replaces=("legacy.txt",)) as staging:
        for name in names:
            atomic_write_text(staging / name, f"{name} of run {version}\n" * 50)


def test_a_newer_run_replaces_every_file_of_the_older_one(tmp_path):
    out = tmp_path / "run"
    publish_version(out, 1, ("model.npz", "decision_boundary.png"))
    (out / "legacy.txt").write_text("from an ffnn without manifests")
    (out / "notes.txt").write_text("the user's own")
    publish_version(out, 2, ("model.npz", "fitted_vs_true.png"))
    files = visible(out)
    assert set(files) == {"model.npz", "fitted_vs_true.png", "notes.txt"}
    assert b"run 2" in files["model.npz"] and b"run 2" in files["fitted_vs_true.png"]
    assert hidden(out) == {MANIFEST}
    assert (out / MANIFEST).read_text().split() == ["fitted_vs_true.png", "model.npz"]
    assert not is_incomplete(out)


def test_a_failure_while_writing_leaves_the_older_run_whole(tmp_path, monkeypatch):
    out = tmp_path / "run"
    publish_version(out, 1, ("model.npz", "metrics.json"))
    before = visible(out)
    monkeypatch.setattr(os, "write", full_disk(room=500))
    with pytest.raises(WriteError):
        publish_version(out, 2, ("model.npz", "metrics.json"))
    monkeypatch.undo()
    assert visible(out) == before
    assert hidden(out) == {MANIFEST}  # no staging folder, no marker


class Killed(BaseException):
    """Stands for SIGKILL: no ``except Exception`` catches it."""


def test_a_crash_at_any_step_never_mixes_two_runs(tmp_path, monkeypatch):
    """Every rename and removal of writing and publishing a run is a possible
    crash point: the folder is then the older run whole, or marked incomplete
    and holding whole files of one run only; the next run cleans it up."""
    out = tmp_path / "run"
    publish_version(out, 1, ("a.txt", "b.txt", "old_only.png"))
    older = visible(out)
    crash_at = 0
    while True:
        operations = [0]

        def crashing(real, operations=operations, crash_at=crash_at):
            def operation(*args, **kwargs):
                if operations[0] == crash_at:
                    raise Killed
                operations[0] += 1
                return real(*args, **kwargs)

            return operation

        monkeypatch.setattr(os, "replace", crashing(os.replace))
        monkeypatch.setattr(Path, "unlink", crashing(Path.unlink))
        try:
            publish_version(out, 2, ("a.txt", "b.txt", "new_only.png"))
        except Killed:
            pass
        else:
            break  # past the last step: run 2 is published
        finally:
            monkeypatch.undo()
        files = visible(out)
        runs = {data.split()[-1] for data in files.values()}
        if is_incomplete(out):
            assert MARKER in hidden(out)
            assert len(runs) <= 1, f"crash {crash_at} mixed two runs: {set(files)}"
        else:
            assert files == older, f"crash {crash_at} changed the older run"
        for name, data in files.items():
            assert data == f"{name} of run {int(runs.pop())}\n".encode() * 50
            runs.add(data.split()[-1])
        publish_version(out, 1, ("a.txt", "b.txt", "old_only.png"))
        assert visible(out) == older and not is_incomplete(out)
        crash_at += 1
    assert crash_at > 10  # every write, removal and rename was a crash point
    assert set(visible(out)) == {"a.txt", "b.txt", "new_only.png"}


def test_a_listed_name_never_reaches_outside_the_folder(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / MANIFEST).write_text("../victim.txt\n/etc/passwd\n..\n")
    publish_version(out, 1, ("a.txt",))
    assert victim.read_text() == "keep me"


def test_staging_folders_of_dead_writers_are_removed(tmp_path):
    out = tmp_path / "run"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = out / f"{STAGING_PREFIX}{dead.stdout.strip()}-x"
    live = out / f"{STAGING_PREFIX}{os.getpid()}-y"
    for folder in (stale, live):
        folder.mkdir(parents=True)
        (folder / ".model.npz.k2.tmp.npz").write_bytes(b"half")
    publish_version(out, 1, ("a.txt",))
    assert not stale.exists() and live.exists()


# ------------------------------------------------------------ real SIGKILLs
WRITER = """
import importlib.util, sys, time
from pathlib import Path
spec = importlib.util.spec_from_file_location("atomic", sys.argv[1])
atomic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(atomic)
out = Path(sys.argv[2])
version = int(time.time() * 1e6)
while True:
    version += 1
    names = ("a.txt", "b.txt", "odd.txt" if version % 2 else "even.txt")
    with atomic.staged_folder(out) as staging:
        for name in names:
            atomic.atomic_write_text(staging / name, f"{version}\\n" * 20_000)
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_sigkill_at_random_moments_never_leaves_a_partial_file_or_a_mix(tmp_path):
    """A process publishing run after run into one folder is killed 12 times at
    random moments: each time, every file is whole, and all come from one run."""
    out = tmp_path / "run"
    rng = random.Random(0)
    for _ in range(12):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, ffnn.atomic.__file__, str(out)]
        )
        time.sleep(0.05 + rng.random() * 0.25)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        files = visible(out) if out.exists() else {}
        contents = set()
        for name, data in files.items():
            lines = data.decode().splitlines()
            assert len(lines) == 20_000 and len(set(lines)) == 1, name  # whole
            contents.add(lines[0])
        assert len(contents) <= 1, f"two runs mixed: {files.keys()}"
        if files and not is_incomplete(out):
            assert len(files) == 3 and {"a.txt", "b.txt"} <= set(files)
