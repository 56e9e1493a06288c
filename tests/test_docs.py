"""The README documents every setting and every command a user can run."""

import re
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SETTINGS = (ROOT / "src" / "paperwire" / "settings.py").read_text()


def test_the_readme_starts_with_the_run_and_test_commands() -> None:
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


@pytest.mark.parametrize("name", sorted(set(re.findall(r'"(PAPERWIRE_[A-Z_]+)"', SETTINGS))))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in README


PAPERWIRE_COMMANDS = sorted(
    name for name, app in get_commands().items() if app.startswith("paperwire.")
)


@pytest.mark.parametrize("name", PAPERWIRE_COMMANDS)
def test_every_command_is_documented(name: str) -> None:
    assert f"paperwire {name}" in README


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
