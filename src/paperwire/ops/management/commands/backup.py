"""paperwire backup FILE — a consistent copy of the database, taken while Paperwire runs.

SQLite: SQLite's online backup (readers and writers go on; the copy is one moment of the
database), then checked with PRAGMA integrity_check. PostgreSQL: pg_dump's custom format,
restored with `paperwire restore` or pg_restore.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection


def pg_environment() -> dict[str, str]:
    """libpq's variables for the configured PostgreSQL database (a socket directory in
    the URL's query, as `?host=/run/postgresql`, included)."""
    params = connection.get_connection_params()
    env = dict(os.environ)
    for key, name in (
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
        ("dbname", "PGDATABASE"),
    ):
        if params.get(key):
            env[name] = str(params[key])
    return env


def postgres_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise CommandError(f"{name} is not installed: install PostgreSQL's client tools")
    return found


class Command(BaseCommand):
    help = "Write a consistent copy of the database to FILE, while Paperwire runs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write the copy (it must not exist)")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["file"])
        if target.exists():
            raise CommandError(f"{target} exists: name a new file")
        target.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "sqlite":
            self._sqlite(target)
        elif connection.vendor == "postgresql":
            done = subprocess.run(  # noqa: S603 (our own arguments, no shell)
                [postgres_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"],
                env=pg_environment(),
                capture_output=True,
                text=True,
            )
            if done.returncode:
                target.unlink(missing_ok=True)
                raise CommandError(f"pg_dump failed: {done.stderr.strip()}")
        else:
            raise CommandError(f"no backup for {connection.vendor} databases")
        size = target.stat().st_size
        self.stdout.write(
            f"{target}: {size / 2**20:.1f} MiB, a copy of the {connection.vendor} database"
        )

    def _sqlite(self, target: Path) -> None:
        connection.ensure_connection()
        source = connection.connection
        partial = target.with_name(target.name + ".partial")
        copy = sqlite3.connect(partial)
        try:
            # A few thousand pages at a time: writers are held back only between steps.
            source.backup(copy, pages=4096)
            result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
        if result != "ok":
            partial.unlink(missing_ok=True)
            raise CommandError(f"the copy failed its integrity check: {result}")
        partial.rename(target)
