"""paperwire serve — Paperwire on a production application server (granian), with the worker.

Granian was chosen by measuring it beside gunicorn on our pages (bench/serve.py): on this
2-core machine, cached anonymous day pages at 16 connections, granian answered about 2,700
requests/s (p99 22 ms) and gunicorn 1,270 (p99 82 ms).
"""

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def default_workers() -> int:
    return max(2, os.cpu_count() or 1)


class Command(BaseCommand):
    help = "Serve Paperwire with a production server (granian), several processes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="server processes (default: the number of CPUs, at least 2)",
        )
        parser.add_argument(
            "--threads", type=int, default=4, help="threads per process for requests (default 4)"
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run `paperwire worker` (the periodic jobs) until the server stops",
        )
        parser.add_argument(
            "--migrate", action="store_true", help="apply database migrations first"
        )
        parser.add_argument(
            "--access-log", action="store_true", help="log every request to standard output"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from granian import Granian
        from granian.constants import Interfaces

        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads take a number of at least 1")
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=1)
        worker = None
        if options["with_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "paperwire.cli", "worker"])
        self.stdout.write(
            f"Paperwire at http://{options['host']}:{options['port']}/ "
            f"({options['workers']} processes, {options['threads']} threads"
            f"{', with the worker' if worker else ''}; database: "
            f"{str(settings.DATABASES['default']['ENGINE']).rsplit('.', 1)[-1]})"
        )
        self.stdout.flush()
        try:
            Granian(
                "paperwire.wsgi:application",
                address=options["host"],
                port=options["port"],
                interface=Interfaces.WSGI,
                workers=options["workers"],
                blocking_threads=options["threads"],
                backlog=1024,
                log_access=options["access_log"],
                respawn_failed_workers=True,
            ).serve()
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)  # it finishes the job in progress
                try:
                    worker.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    worker.kill()
