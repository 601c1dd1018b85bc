"""A throwaway PostgreSQL cluster (Debian's ``postgresql`` package): initdb and pg_ctl on a
temporary folder and a loopback port, run as the ``postgres`` user when we are root (PostgreSQL
refuses to run as root). Used by the tests' ``postgres_url`` fixture and by ``make bench``."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def pg_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class Cluster:
    """``with Cluster() as url:`` a running cluster with an empty database ``copro``."""

    def __init__(self):
        self.bin = pg_bin_dir()
        if self.bin is None:
            raise FileNotFoundError("PostgreSQL is not installed (Debian package 'postgresql')")
        self.root = Path(tempfile.mkdtemp(prefix="copro-pg-"))
        self.data = self.root / "data"
        self.port = free_port()

    def start(self) -> str:
        sockets = self.root / "sockets"
        sockets.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(sockets, "postgres")
        try:
            subprocess.run(_as_postgres([
                str(self.bin / "initdb"), "-D", str(self.data), "-U", "copro", "--auth=trust",
                "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True, timeout=120)
            subprocess.run(_as_postgres([
                str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
                "-w", "-t", "60", "-o",
                f"-h 127.0.0.1 -p {self.port} -k {sockets} -c fsync=off -c max_connections=200",
                "start"]), check=True, capture_output=True, timeout=120)
            subprocess.run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                            "-U", "copro", "copro"], check=True, capture_output=True, timeout=60)
        except subprocess.CalledProcessError as exc:
            self.stop()
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr.decode()[-500:]}") from None
        return f"postgresql://copro@127.0.0.1:{self.port}/copro"

    def stop(self) -> None:
        stop_cluster(self.root)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_cluster(root: Path) -> None:
    """Stop the cluster a :class:`Cluster` made in ``root`` (if it runs) and delete it; also
    from another process than the one that started it (the test run's shared cluster)."""
    data = Path(root) / "data"
    bin_dir = pg_bin_dir()
    if bin_dir is not None and (data / "postmaster.pid").exists():
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                                     "-w", "stop"]), capture_output=True, timeout=60)
    shutil.rmtree(root, ignore_errors=True)
