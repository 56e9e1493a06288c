"""The `paperwire` command: Django's management commands under the product's name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    from paperwire.env import SettingError

    try:
        from django.core.management import execute_from_command_line

        argv = [os.path.basename(sys.argv[0]), *sys.argv[1:]]
        execute_from_command_line(argv)
    except SettingError as e:
        sys.stderr.write(f"paperwire: configuration error: {e}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
