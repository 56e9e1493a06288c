"""The README documents every setting and every command a user can run."""

import re
import tomllib
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


def _layers_in_pyproject() -> list[list[str]]:
    """The apps of the layers contract, highest layer first."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    [contract] = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return [re.split(r"\s*[|:]\s*", layer) for layer in contract["layers"]]


def _layers_in_readme() -> list[list[str]]:
    """The apps of the README's table of layers, lowest first."""
    section = README.split("### How the code is laid out")[1]
    rows = re.findall(r"^\| (\d+) \| (.+?) \|", section, flags=re.M)
    return [re.findall(r"`(\w+)`", apps) for _, apps in rows]


def test_the_readme_names_the_layers_that_make_lint_enforces() -> None:
    assert [sorted(layer) for layer in _layers_in_readme()] == [
        sorted(layer) for layer in reversed(_layers_in_pyproject())
    ]
