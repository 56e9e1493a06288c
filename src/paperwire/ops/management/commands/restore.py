"""paperwire restore FILE — put a copy made by `paperwire backup` back as the database.

Stop the server and the worker first. SQLite: the file is checked, then replaces the
database file (its -wal and -shm files are removed). PostgreSQL: pg_restore into the
configured database, replacing what is there.
"""

import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from paperwire.ops.management.commands.backup import pg_environment, postgres_tool
from paperwire.pagecache import invalidate


class Command(BaseCommand):
    help = "Replace the database with a copy made by `paperwire backup` (stop Paperwire first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"{source} is not a file")
        if connection.vendor == "sqlite":
            self._sqlite(source)
        elif connection.vendor == "postgresql":
            done = subprocess.run(  # noqa: S603 (our own arguments, no shell)
                [
                    postgres_tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    f"--dbname={connection.get_connection_params()['dbname']}",
                    str(source),
                ],
                env=pg_environment(),
                capture_output=True,
                text=True,
            )
            if done.returncode:
                raise CommandError(f"pg_restore failed: {done.stderr.strip()}")
        else:
            raise CommandError(f"no restore for {connection.vendor} databases")
        # The search indexes in files describe the database that was: the worker (or
        # `paperwire reindex`) rebuilds them from the restored one. Stored pages go too.
        shutil.rmtree(Path(settings.VAR_DIR) / "search", ignore_errors=True)
        invalidate()
        self.stdout.write(
            f"restored {source}; run `paperwire migrate` if it is from an older version"
        )

    def _sqlite(self, source: Path) -> None:
        try:
            with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as copy:
                result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise CommandError(f"{source} is not an SQLite database: {error}") from None
        if result != "ok":
            raise CommandError(f"{source} failed its integrity check: {result}")
        database = Path(str(connection.settings_dict["NAME"]))
        connection.close()
        for extra in ("-wal", "-shm"):
            Path(f"{database}{extra}").unlink(missing_ok=True)
        partial = database.with_name(database.name + ".restoring")
        shutil.copyfile(source, partial)
        partial.replace(database)
