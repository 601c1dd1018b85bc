"""Every case of the hostile-input corpus (tests/hostile/corpus.py), and the kills.

For each case: the exit code; on failure exactly one line on standard error, beginning
'copro: error:' (or 'copro: rejected:'), naming the file and the place; no traceback; no
personal value in any stream or any file written; and nothing half-written: every file in
the case's folder is as it was (same bytes, same kind, same mode), no temporary file is left,
and only the files the case may create are new.

Cases run in this process through Click's runner (the same code path as the ``copro``
command, and much faster than a process per case); the kills run real processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from copro.cli import cli
from tests.hostile import corpus
from tests.test_cli import COPRO

CASES = corpus.cases()


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    try:
        corpus.build(root)
        yield root
    finally:
        corpus.release(root)


def snapshot(folder: Path) -> dict[str, tuple]:
    out = {}
    for dirpath, dirs, files in os.walk(folder):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(dirpath, d))]:
            path = Path(dirpath) / name
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                digest = None
            out[str(path.relative_to(folder))] = (stat.S_IFMT(st.st_mode), st.st_mode & 0o777,
                                                  digest)
        for d in dirs:
            path = Path(dirpath) / d
            out[str(path.relative_to(folder)) + "/"] = (stat.S_IFDIR, None, None)
    return out


def run_case(c: corpus.Case, folder: Path, monkeypatch):
    monkeypatch.chdir(folder)
    monkeypatch.setenv("COPRO_PSEUDONYM_KEY", "hostile-corpus-key")
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(cli, c.argv, catch_exceptions=True)
    finally:
        os.umask(old)
    return result


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_hostile_case(c: corpus.Case, corpus_dir: Path, monkeypatch):
    folder = corpus_dir / c.id
    if c.id in corpus.UNAVAILABLE:  # a place the test could not make (no root, no chattr)
        if os.environ.get("CI"):
            pytest.fail(f"{corpus.UNAVAILABLE[c.id]} (CI runs as root: it must be possible)")
        pytest.skip(corpus.UNAVAILABLE[c.id])
    before = snapshot(folder)
    result = run_case(c, folder, monkeypatch)
    out, err = result.stdout, result.stderr
    assert not (result.exception and not isinstance(result.exception, SystemExit)), (
        f"uncaught {type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in out + err
    assert result.exit_code == c.exit, err
    lines = err.splitlines()
    if c.exit != 0:
        assert len(lines) == c.lines, lines
        assert lines[-1].startswith(("copro: error: ", "copro: rejected: ")), lines
    else:
        assert all(line.startswith("copro: ") for line in lines), lines
        if c.lines:
            assert len(lines) == c.lines, lines
    for word in c.names:
        assert word in err, f"{word!r} not named in: {err}"
    assert all(ch.isprintable() for ch in err.replace("\n", "")), repr(err)
    assert len(err) < 3000
    # no personal value anywhere: streams and every file written
    after = snapshot(folder)
    written = "".join((folder / p).read_text(errors="replace") for p in after
                      if after[p][2] is not None and before.get(p) != after[p]
                      and not p.endswith(".sqlite"))
    for secret in corpus.SECRETS:
        assert secret not in out + err + written, secret
    # nothing half-written: only the files the case may create are new or changed
    allowed = set(c.creates) | ({"c.sqlite"} if c.changes else set())
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    assert changed <= allowed, sorted(changed - allowed)
    assert not [p for p in after if ".copro-" in p], "a temporary file was left"
    for p in c.creates:
        if p in after and not p.endswith((".sqlite", "/")):
            assert after[p][1] == 0o644, f"{p}: mode {after[p][1]:o}, umask 022"
    if c.received is not None:
        result_json = json.loads(out)
        assert result_json["national"]["received"]["all"] == c.received


def test_corpus_is_large_enough():
    kinds = {c.kind for c in CASES}
    assert len(CASES) >= 120, len(CASES)
    assert kinds >= {"DfE CSV", "SEN2 XML", "SEN2 XML over 4 MB", "case file", "FOI return",
                     "tracker", "output path", "output place"}


def test_special_files_survive():
    """Refused outputs onto special files leave them as they were (as root too)."""
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


# --- kills and concurrent processes -------------------------------------------------------

def children(pid: int) -> set[int]:
    found = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    found |= {int(child)} | children(int(child))
    except OSError:
        pass
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_kill_9_of_the_parallel_reader_leaves_no_worker(corpus_dir):
    """kill -9 of `audit --sen2` while the workers parse: they die with it."""
    big = corpus_dir / "big-valid" / "big.xml"
    for _ in range(2):
        proc = subprocess.Popen([COPRO, "audit", "--sen2", str(big), "--no-cache"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        workers: set[int] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers) < 2:
            workers |= children(proc.pid)
            time.sleep(0.01)
        assert workers, "the parallel reader started no worker"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(w) for w in workers):
            time.sleep(0.05)
        assert not [w for w in workers if alive(w)], "a worker outlived its parent"


def test_an_interrupted_parallel_read_leaves_no_pool_thread_running(corpus_dir, monkeypatch):
    """Ctrl-C while the workers parse: by the time the interruption goes up, the pool's own
    thread has finished too. Left running, it could close its wake-up pipe just as the
    interpreter's exit woke it: "Bad file descriptor" and a traceback after 'copro: error:
    interrupted' (seen once, in a suite run of the test below)."""
    import threading
    from concurrent.futures.process import _ExecutorManagerThread

    from copro.sources.sen2 import Sen2Summary, split
    from copro.sources.sen2.aggregate import Aggregator

    def interrupted(path):  # Ctrl-C once the workers are running
        raise KeyboardInterrupt

    monkeypatch.setattr(split, "file_sha256", interrupted)
    with pytest.raises(KeyboardInterrupt):
        split.read_file_parallel(corpus_dir / "big-valid" / "big.xml", Sen2Summary(),
                                 Aggregator(), 2)
    running = [t for t in threading.enumerate()
               if isinstance(t, _ExecutorManagerThread) and t.is_alive()]
    assert running == []


def test_ctrl_c_of_the_parallel_reader_is_one_line(corpus_dir):
    big = corpus_dir / "big-valid" / "big.xml"
    proc = subprocess.Popen([COPRO, "audit", "--sen2", str(big), "--no-cache"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not children(proc.pid):
        time.sleep(0.01)
    workers = children(proc.pid)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    assert proc.returncode in (130, 0), err  # interrupted, or it had just finished
    if proc.returncode == 130:
        assert err.strip() == "copro: error: interrupted"
    time.sleep(0.5)
    assert not [w for w in workers if alive(w)]


def pages(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}


def test_kill_9_during_report_leaves_old_or_new_never_mixed(tmp_path):
    """The report as a set: killed at any moment, the folder holds the old report or the new
    one, whole; a leftover temporary folder is swept by the next run."""
    out = tmp_path / "report"
    env = {**os.environ, "COPRO_CACHE_DIR": str(tmp_path / "cache")}
    first = subprocess.run([COPRO, "report", "--all-las", "--out", str(out)], env=env,
                           capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    old = pages(out)
    assert len(old) > 150
    compare = (("health", "family"), ("family", "education"))
    for i, delay in enumerate((0.3, 1.0, 1.8, 2.6, 3.5)):
        proc = subprocess.Popen([COPRO, "report", "--all-las", "--out", str(out),
                                 "--compare", *compare[i % 2]], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = pages(out)
        assert set(now) == set(old)
        same = sum(now[p] == old[p] for p in now)
        assert same in (0, len(old)), f"{same} of {len(old)} pages old, the rest new"
        old = now
    again = subprocess.run([COPRO, "report", "--all-las", "--out", str(out)], env=env,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert not [p for p in tmp_path.iterdir() if ".copro-" in p.name], "temporary folder left"
    assert stat.S_IMODE(os.stat(out / "index.html").st_mode) == 0o666 & ~current_umask()


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_kill_9_during_csv_export_leaves_old_or_whole_new(tmp_path):
    csv = tmp_path / "areas.csv"
    csv.write_text("old\n")
    os.chmod(csv, 0o644)
    env = {**os.environ, "COPRO_CACHE_DIR": str(tmp_path / "cache")}
    for delay in (0.2, 0.6, 1.0, 1.5):
        proc = subprocess.Popen([COPRO, "audit", "--csv", str(csv), "--no-cache"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        text = csv.read_text()
        assert text == "old\n" or (text.startswith("level,area_code") and text.endswith("\n")
                                   and len(text.splitlines()) > 150)
    done = subprocess.run([COPRO, "audit", "--csv", str(csv)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(csv).st_mode) == 0o666 & ~current_umask()
    assert not [p for p in tmp_path.iterdir() if ".copro-" in p.name]


def test_concurrent_notes_lose_nothing(tmp_path):
    """8 processes adding 10 notes each to one LA: all 80 kept, every process exits 0."""
    db = tmp_path / "c.sqlite"
    subprocess.run([COPRO, "foi", "track", "--db", str(db), "sent", "Leeds", "--year",
                    "2025", "--date", "2026-01-05"], check=True, capture_output=True)
    script = " && ".join(
        f"{COPRO} foi track --db {db} note Leeds p{p}-n{i} --date 2026-01-06"
        for i in range(10)
        for p in [0])
    procs = [subprocess.Popen(["sh", "-c", script.replace("p0-", f"p{p}-")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p in range(8)]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    from copro.foi.tracker import Tracker

    with Tracker(db, read_only=True) as t:
        notes = t.get("E08000035").notes.splitlines()
    assert len(notes) == 80
    assert len({n.split(": ", 1)[1] for n in notes}) == 80


# --- temporaries left by a killed run: removed by the next, and only those ----------------

# copro, stopped while it builds the report (after 20 pages): it says so on standard output,
# then waits for a line on standard input (or for its kill)
PAUSED_REPORT = """
import pathlib, sys
write_bytes, count = pathlib.Path.write_bytes, 0
def paused(self, data):
    global count
    count += 1
    if count == 20:
        print("building", flush=True)
        sys.stdin.readline()
    return write_bytes(self, data)
pathlib.Path.write_bytes = paused
from copro.cli import main
sys.argv[0] = "copro"
main()
"""


def start_paused_report(out: Path, namespace: bool) -> tuple[subprocess.Popen, int]:
    """A real `copro report --all-las` paused half-way through building; with ``namespace``
    in a new PID namespace (as in a container), where copro is process 1. Returns the
    process started and copro's own process id (as this machine sees it)."""
    import sys

    argv = [sys.executable, "-c", PAUSED_REPORT, "report", "--all-las", "--out", str(out)]
    if namespace:
        argv = ["unshare", "--pid", "--fork", *argv]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if line != "building\n":
        proc.kill()
        _, err = proc.communicate()
        raise RuntimeError(f"the paused report did not start: {err[-300:]}")
    pid = proc.pid
    if namespace:
        (pid,) = children(proc.pid)
    return proc, pid


def leftovers(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}.copro-"))


def test_kill_9_of_a_report_in_a_container_leaves_nothing_after_the_next_run(tmp_path):
    """copro is process 1 in a container (a new PID namespace): killed by SIGKILL while it
    builds the report, it leaves `.report.copro-1-…` beside --out. Process 1 is alive on
    every machine, so a process id cannot say the folder is stale; the next run removes it
    all the same (its owner's lock died with it)."""
    out = tmp_path / "report"
    try:
        proc, pid = start_paused_report(out, namespace=True)
    except (RuntimeError, ValueError, FileNotFoundError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"no PID namespace (unshare --pid, as root): {exc}")
        pytest.skip(f"no PID namespace (unshare --pid needs root): {exc}")
    os.kill(pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    left = leftovers(tmp_path, "report")
    assert [n for n in left if n.startswith(".report.copro-1-")], left  # the kill's leftover
    done = subprocess.run([COPRO, "report", "--all-las", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert leftovers(tmp_path, "report") == []
    assert (out / "index.html").exists()


def test_kill_9_of_a_report_leaves_nothing_after_the_next_run(tmp_path):
    out = tmp_path / "reportA"
    proc, pid = start_paused_report(out, namespace=False)
    os.kill(pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert leftovers(tmp_path, "reportA"), "the killed run left no temporary folder"
    done = subprocess.run([COPRO, "report", "--out", str(out)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert leftovers(tmp_path, "reportA") == []


def test_a_live_runs_temporary_folder_is_never_removed(tmp_path):
    """Two runs into one folder: the second neither waits for the first nor touches the folder
    the first is building; the first then finishes whole."""
    out = tmp_path / "report"
    proc, _ = start_paused_report(out, namespace=False)
    try:
        building = leftovers(tmp_path, "report")
        assert len(building) == 1
        second = subprocess.run([COPRO, "report", "--out", str(out)], capture_output=True,
                                text=True, timeout=600)
        assert second.returncode == 0, second.stderr
        assert leftovers(tmp_path, "report") == building
        assert len(list((tmp_path / building[0]).rglob("*.html"))) >= 19
        _, err = proc.communicate("go on\n", timeout=600)
        assert proc.returncode == 0, err
    finally:
        proc.kill()
    assert leftovers(tmp_path, "report") == []
    assert len(list((out / "la").glob("*.html"))) == 153


def test_the_sweep_touches_only_its_own_dead_temporaries(tmp_path):
    """Files that look like copro's temporaries but are not (a user's notes, a link, a name
    for another output, a malformed name) stay; so does a live process's."""
    from copro import temps

    keep = [".report.copro-notes.txt", ".report.copro-12-nothex00", ".other.copro-1-0123abcd",
            ".report.copro-1-0123abcd.bak"]
    for name in keep:
        (tmp_path / name).write_text("a user's file\n")
    os.symlink("/etc/passwd", tmp_path / ".report.copro-1-89abcdef")
    held = temps.make_folder(tmp_path, "report")  # this process is alive and holds it
    dead = tmp_path / ".report.copro-999999-0123abcd"
    (dead / "la").mkdir(parents=True)
    (dead / "la" / "x.html").write_text("left by a killed run\n")
    try:
        removed = temps.sweep(tmp_path, "report")
        assert removed == [dead]
        assert held.path.is_dir()
        for name in keep:
            assert (tmp_path / name).read_text() == "a user's file\n"
        assert os.path.islink(tmp_path / ".report.copro-1-89abcdef")
    finally:
        held.release()
    assert temps.sweep(tmp_path, "report") == [held.path]  # released: now it is stale


def test_kill_9_during_synth_leaves_whole_files_or_none(tmp_path):
    """`copro synth` killed while it writes: every file there is whole, never the first
    half of a return; the next run removes what the killed one left."""
    out = tmp_path / "synth"
    proc = subprocess.Popen([COPRO, "synth", "--persons", "40000", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.is_dir() and any(p.stat().st_size > 100_000 for p in out.iterdir()):
            break
        time.sleep(0.005)
    assert proc.poll() is None, "synth finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for path in out.glob("sen2-*.xml"):
        assert path.read_bytes().endswith(b"</Message>\n"), f"{path.name} is half-written"
    again = subprocess.run([COPRO, "synth", "--persons", "50", "--out", str(out)],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 3 and all(n.startswith("sen2-2026-") for n in names), names
