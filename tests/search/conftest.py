from pathlib import Path

import pytest
from pytest_django import Settings

from paperwire.search import dense


@pytest.fixture(scope="session")
def embedder() -> dense.Embedder:
    """The real all-MiniLM-L6-v2, loaded once for the whole test session."""
    loaded = dense.get_embedder()
    assert loaded is not None, "tests expect SEARCH_EMBEDDER=minilm"
    return loaded


@pytest.fixture(autouse=True)
def search_files_in_tmp(settings: Settings, tmp_path: Path) -> None:
    """Index files and reindex markers go to the test's own folder, never to var/."""
    settings.VAR_DIR = tmp_path
