"""Real processes for the serving tests: `paperwire serve` started and come up, the URL of
the test database for other processes, and a redis-server from Debian started for a test."""

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
PAPERWIRE = [sys.executable, "-m", "paperwire.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    env: dict[str, str], log: Path, *options: str
) -> tuple[str, subprocess.Popen[bytes]]:
    """`paperwire serve` (one process of 2 threads unless `options` say more) on a free
    port, once it answers; its output goes to `log`."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *PAPERWIRE,
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
                "--threads",
                "2",
                *options,
            ],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {log.read_text()}")
        try:
            httpx.get(url + "/healthz", timeout=2)
            return url, process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"{url} did not come up: {log.read_text()}")


def stop(processes: Iterable[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each (a worker finishes its job), then wait for all."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        process.wait(timeout=60)


def database_url(tmp_path: Path) -> str:
    """A URL other processes reach this test's database by: the PostgreSQL test database
    itself (rows the test commits are theirs too), or a new SQLite file under `tmp_path`
    (the SQLite test database lives in memory)."""
    if connection.vendor == "postgresql":
        params = connection.get_connection_params()
        user, password = quote(params.get("user") or ""), quote(params.get("password") or "")
        query = urlencode({k: params[k] for k in ("host", "port") if params.get(k)})
        return f"postgresql://{user}:{password}@/{params['dbname']}?{query}"
    return f"sqlite:///{tmp_path / 'paperwire.sqlite3'}"


@pytest.fixture
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed: `make redis` installs Debian's package")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)
