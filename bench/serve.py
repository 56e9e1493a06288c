"""Serving under load: the real servers, driven by wrk over loopback.

Starts each server on a database of real papers (the Hugging Face daily papers, imported
into a scratch directory the first time), then runs wrk (Debian's package) against:

- anonymous /papers and /papers/date/2026-08-21 (served from the shared page cache),
- signed-in /papers (a member's session: rendered for them every time),

and prints requests/s and p99 latency, each the median of --runs runs, with each server's
figure beside the development server's (the baseline).

    .venv/bin/python bench/serve.py [--servers granian,gunicorn,runserver] [--runs 3]

Targets (issue 14): anonymous day pages >= 1,000 requests/s with p99 < 50 ms at 16
connections on a 2-core machine; signed-in /papers >= 200 requests/s.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "hf-daily-papers"
PAPERWIRE = [sys.executable, "-m", "paperwire.cli"]
DAY = "/papers/date/2026-08-21"

SESSION = """
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from paperwire.accounts.models import Profile
from django.utils import timezone
user, _ = User.objects.get_or_create(username="bench", defaults={"email": "bench@example.org"})
Profile.objects.filter(user=user).update(email_verified_at=timezone.now())
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([*PAPERWIRE, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"paperwire {args[0]} failed:\n{done.stderr}")
    return done.stdout


def prepare(var_dir: Path, env: dict[str, str]) -> str:
    database = var_dir / "bench.sqlite3"
    fresh = not database.exists()
    run(["migrate", "--no-input", "-v0"], env)
    if fresh:
        files = sorted(str(f) for f in DATA.glob("*.jsonl.gz"))
        if not files:
            sys.exit(f"no Hugging Face data in {DATA}")
        print(f"importing {len(files)} files of real papers into {database} …", flush=True)
        run(["import-hf-daily", *files, "--no-progress"], env)
    return run(["shell", "-c", SESSION], env).strip().splitlines()[-1]


def command(server: str, port: int) -> list[str]:
    if server == "granian":
        return [*PAPERWIRE, "serve", "--port", str(port), "--workers", "2"]
    if server == "gunicorn":
        gunicorn = [sys.executable, "-m", "gunicorn", "paperwire.wsgi:application"]
        return [*gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    return [*PAPERWIRE, "runserver", "--noreload", f"127.0.0.1:{port}"]


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)  # noqa: S310 (our own http URL)
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{url} did not come up")


def wrk(url: str, args: argparse.Namespace, cookie: str | None) -> tuple[float, float]:
    cmd = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: sessionid={cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rate, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", default="granian,gunicorn,runserver")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--var-dir", default=str(Path(tempfile.gettempdir()) / "paperwire-bench-serve")
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    var_dir = Path(args.var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PAPERWIRE_VAR_DIR": str(var_dir),
        "PAPERWIRE_DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite3'}",
        "PAPERWIRE_RATELIMIT": "false",
        # The model is not needed by these pages; loading it would only compete for CPU.
        "PAPERWIRE_SEARCH_EMBEDDER": "off",
        "PYTHONPATH": str(ROOT),
    }
    session = prepare(var_dir, env)
    targets = [
        ("anonymous /papers", "/papers", None),
        (f"anonymous {DAY}", DAY, None),
        ("signed-in /papers", "/papers", session),
    ]
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for server in args.servers.split(","):
        port = free_port()
        process = subprocess.Popen(
            command(server, port),
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url)
            results[server] = {}
            for name, path, cookie in targets:
                wrk(url + path, argparse.Namespace(**{**vars(args), "duration": 2}), cookie)
                runs = [wrk(url + path, args, cookie) for _ in range(args.runs)]
                rate = statistics.median(r for r, _ in runs)
                p99 = statistics.median(p for _, p in runs)
                results[server][name] = (rate, p99)
                print(f"{server:10} {name:40} {rate:8.0f} req/s   p99 {p99:7.1f} ms", flush=True)
        finally:
            process.terminate()
            process.wait(timeout=30)
    baseline = results.get("runserver")
    print(f"\nmedians of {args.runs} runs of {args.duration} s, wrk -t2 -c{args.connections}:")
    for server, figures in results.items():
        for name, (rate, p99) in figures.items():
            ratio = (
                f"  {rate / baseline[name][0]:5.1f}x runserver"
                if baseline and server != "runserver"
                else ""
            )
            print(f"  {server:10} {name:40} {rate:8.0f} req/s  p99 {p99:7.1f} ms{ratio}")


if __name__ == "__main__":
    main()
