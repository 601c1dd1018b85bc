"""The real `copro serve` (gunicorn) on a free loopback port, and wrk's results: one way to start
the server and read a load run, shared by the website's tests and its benchmarks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.web.pg import free_port

COPRO = str(Path(sys.executable).parent / "copro")

#: wrk's ``done`` callback (Lua): one line with the counts and the percentiles we report
WRK_DONE = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d seconds=%.3f p50=%.3f p95=%.3f p99=%.3f\\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""
_RESULT = re.compile(r"RESULT requests=(\d+) errors=(\d+) seconds=([\d.]+) p50=([\d.]+) "
                     r"p95=([\d.]+) p99=([\d.]+)")


def server_env(data_dir: Path, database_url: str | None) -> dict:
    """The environment of a server with its own data folder, on SQLite or ``database_url``."""
    env = {**os.environ, "COPRO_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the tests' own (tests/conftest.py)
    env.pop("COPRO_DATABASE_URL", None)
    if database_url:
        env["COPRO_DATABASE_URL"] = database_url
    return env


def create_user(env: dict, username: str, *options: str, password: str) -> None:
    """`copro users create USERNAME OPTIONS...` in the environment ``env`` (a server's data
    folder), the password given as an operator would, through COPRO_NEW_PASSWORD."""
    r = subprocess.run([COPRO, "users", "create", username, *options],
                       env={**env, "COPRO_NEW_PASSWORD": password},
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr


def start_serve(env: dict, log: Path, workers: int | None = 2, timeout: float = 180,
                own_group: bool = False) -> tuple[subprocess.Popen, str]:
    """Start `copro serve` and return (process, base URL) once ``/healthz`` answers 200.
    ``own_group``: the server in a process group of its own, so that a test can kill the
    master and its workers at once. A server that exits or never answers raises with the end
    of its log. A port taken between :func:`free_port` and gunicorn's bind (by another test's
    server or client: the suite runs in parallel) is given up for a new one. Unless ``env``
    names one, ``COPRO_SITE_URL`` is the server's own address (links in email use it alone)."""
    for _ in range(2):
        try:
            return _start_serve(env, log, workers, timeout, own_group)
        except PortTaken:
            pass
    return _start_serve(env, log, workers, timeout, own_group)


class PortTaken(RuntimeError):
    """gunicorn could not bind the free port it was given: someone took it meanwhile."""


def _start_serve(env: dict, log: Path, workers: int | None, timeout: float,
                 own_group: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    if "COPRO_SITE_URL" not in env:  # its own address, for links in email
        env = {**env, "COPRO_SITE_URL": f"http://127.0.0.1:{port}"}
    args = [COPRO, "serve", "--port", str(port), *(["--workers", str(workers)] if workers
                                                     else [])]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
                            start_new_session=own_group)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_text()
            if f"Connection in use: ('127.0.0.1', {port})" in text:
                raise PortTaken(f"port {port} was taken before copro serve bound it: "
                                f"{text[-1000:]}")
            raise RuntimeError(f"copro serve exited: {text[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            pass
        time.sleep(0.25)
    if own_group:
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.kill()
    raise RuntimeError(f"copro serve did not answer within {timeout:.0f} s: "
                       f"{log.read_text()[-2000:]}")


def run_wrk(url: str, script: Path, clients: int, seconds: int, rate: float | None = None,
            env: dict | None = None) -> dict:
    """wrk on ``url`` with the Lua ``script`` (ending with :data:`WRK_DONE`), ``clients``
    connections for ``seconds``: flat out (``rate`` None), or each client pausing
    (``BENCH_DELAY_MS``, read by the script) so that together they send ``rate`` a second.
    ``env``: more variables for the script. Returns :func:`wrk_result`."""
    pause = round(1000 * clients / rate) if rate else 0
    proc = subprocess.run(["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s",
                           "--timeout", "5s", "-s", str(script), url],
                          capture_output=True, text=True, timeout=seconds + 60,
                          env={**os.environ, **(env or {}), "BENCH_DELAY_MS": str(pause)})
    return wrk_result(proc)


def wrk_result(proc: subprocess.CompletedProcess) -> dict:
    """What a wrk run whose script ends with :data:`WRK_DONE` measured: ``rate`` (answered
    requests a second), ``requests``, ``errors``, and ``p50``, ``p95``, ``p99`` in ms."""
    m = _RESULT.search(proc.stdout)
    if m is None:
        raise RuntimeError(f"wrk: {proc.stdout}\n{proc.stderr}")
    requests = int(m.group(1))
    return {"rate": requests / float(m.group(3)), "requests": requests,
            "errors": int(m.group(2)), "p50": float(m.group(4)), "p95": float(m.group(5)),
            "p99": float(m.group(6))}
