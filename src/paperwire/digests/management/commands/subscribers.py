"""paperwire subscribers add|import — bring an existing mailing list.

    paperwire subscribers add ada@example.org bob@example.org [--daily] [--weekly] [--confirmed]
    paperwire subscribers import list.csv [--confirmed]

The CSV has a header with an `email` column and optionally `daily`, `weekly` (yes or
no), `timezone` and `hour`. Every row is checked first: one bad row imports nothing,
and each problem is reported with its line. Without --confirmed, each new address
gets a confirmation link and receives nothing until it is followed; --confirmed says
the list's members already agreed to receive it.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperwire.digests import services


class Command(BaseCommand):
    help = "Add subscribers by address, or import them from a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="add addresses")
        add.add_argument("emails", nargs="+", metavar="EMAIL")
        add.add_argument("--daily", action="store_true", help="the daily digest (the default)")
        add.add_argument("--weekly", action="store_true", help="the weekly digest")
        imported = actions.add_parser("import", help="import a CSV file")
        imported.add_argument("file", metavar="FILE.csv")
        for sub in (add, imported):
            sub.add_argument(
                "--confirmed",
                action="store_true",
                help="they already opted in: no confirmation email, receiving at once",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            rows = self._rows_from_arguments(options)
        else:
            rows = self._rows_from_file(options["file"])
        result = services.do_add_subscribers(rows, confirmed=options["confirmed"])
        line = f"{result.created} added, {result.updated} updated"
        if result.confirmations:
            line += f", {result.confirmations} confirmation email(s) sent"
        self.stdout.write(line)

    def _rows_from_arguments(self, options: dict[str, Any]) -> list[services.Row]:
        daily = options["daily"] or not options["weekly"]
        rows, problems = [], []
        for text in dict.fromkeys(options["emails"]):
            try:
                email = services.check_email(text)
            except services.SubscriptionError as error:
                problems.append(error.message)
            else:
                rows.append(services.Row(email, daily, options["weekly"]))
        if problems:
            raise CommandError("nothing was added: " + " ".join(problems))
        return rows

    def _rows_from_file(self, name: str) -> list[services.Row]:
        try:
            text = Path(name).read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"cannot read {name}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{name} is not UTF-8 text") from None
        try:
            return services.read_csv(text)
        except services.BadImport as error:
            problems = "\n  ".join(error.problems)
            raise CommandError(f"nothing was imported from {name}:\n  {problems}") from None
