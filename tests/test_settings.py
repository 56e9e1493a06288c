import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from paperwire.env import SettingError, envbool, envfloat, envint, envsecret


def run_cli(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    command = env.pop("PAPERWIRE_CLI_COMMAND", "check")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PAPERWIRE_")}
    clean |= {"PAPERWIRE_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, "-m", "paperwire.cli", command],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_starts_with_no_configuration_at_all(tmp_path: Path) -> None:
    result = run_cli(tmp_path)
    assert result.returncode == 0, result.stderr
    # A generated secret key is kept for the next start, readable only by its owner.
    key = tmp_path / "var" / "secret_key"
    assert len(key.read_text()) >= 50
    assert key.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PAPERWIRE_DEBUG", "maybe", "PAPERWIRE_DEBUG='maybe' is not a boolean"),
        ("PAPERWIRE_DATABASE_URL", "mysql://db/x", "PAPERWIRE_DATABASE_URL: unsupported scheme"),
        ("PAPERWIRE_TIMEZONE", "Mars/Olympus", "PAPERWIRE_TIMEZONE='Mars/Olympus' is not a known"),
        ("PAPERWIRE_ARXIV_DELAY", "-1", "PAPERWIRE_ARXIV_DELAY='-1' must be a number"),
        ("PAPERWIRE_ARXIV_DELAY", "soon", "PAPERWIRE_ARXIV_DELAY='soon' is not a number"),
        ("PAPERWIRE_ARXIV_MAX_RETRIES", "2.5", "PAPERWIRE_ARXIV_MAX_RETRIES='2.5' is not an int"),
        ("PAPERWIRE_ARXIV_API_URL", "ftp://x", "PAPERWIRE_ARXIV_API_URL='ftp://x' is not an http"),
        ("PAPERWIRE_SECRET_KEY_FILE", "/nonexistent/key", "PAPERWIRE_SECRET_KEY_FILE: cannot read"),
        ("PAPERWIRE_SMTP_URL", "http://mail", "PAPERWIRE_SMTP_URL: use smtp://"),
        ("PAPERWIRE_SUBMISSIONS_PER_DAY", "-1", "is below the minimum 0"),
        ("PAPERWIRE_SEARCH_EMBEDDER", "bert", "PAPERWIRE_SEARCH_EMBEDDER='bert' is not one of"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    result = run_cli(tmp_path, **{name: value})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("paperwire: configuration error:")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_booleans_accept_only_clear_words(monkeypatch: pytest.MonkeyPatch) -> None:
    for word, expected in [("true", True), ("Yes", True), ("1", True), ("off", False)]:
        monkeypatch.setenv("X_FLAG", word)
        assert envbool("X_FLAG", not expected) is expected
    monkeypatch.setenv("X_FLAG", "")
    assert envbool("X_FLAG", True) is True


def test_numbers_respect_their_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_N", "3")
    assert envint("X_N", 0, minimum=1) == 3
    assert envfloat("X_N", 0.0) == 3.0
    monkeypatch.setenv("X_N", "0")
    with pytest.raises(SettingError, match="below the minimum 1"):
        envint("X_N", 5, minimum=1)
    monkeypatch.setenv("X_N", "nan")
    with pytest.raises(SettingError):
        envfloat("X_N", 0.0, minimum=0.0)


def test_secrets_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("X_SECRET", raising=False)
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert envsecret("X_SECRET") == "s3cret"
    monkeypatch.setenv("X_SECRET", "direct")
    assert envsecret("X_SECRET") == "direct"


def test_the_default_database_is_sqlite_in_wal_mode_under_var(tmp_path: Path) -> None:
    result = run_cli(tmp_path, PAPERWIRE_CLI_COMMAND="migrate")
    assert result.returncode == 0, result.stderr
    database = tmp_path / "var" / "paperwire.sqlite3"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"papers_paper", "feed_dailyentry"} <= tables
