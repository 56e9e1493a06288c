import logging
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from pytest_django import Settings

from paperwire.search import dense
from paperwire.search.models import PaperEmbedding
from paperwire.site.management.commands import worker
from tests.builders import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def three_papers(embedder: dense.Embedder) -> None:
    make_paper("2608.00001", "Protein folding", abstract="Amino acids fold into structures.")
    make_paper("2608.00002", "Galaxy rotation", abstract="Stars orbit galactic centres.")
    make_paper("2608.00003", "Sorting networks", abstract="Comparators sort keys in parallel.")


def reindex(*args: str) -> str:
    """What the command says of embeddings (its lexical line is tested on its own)."""
    return "".join(line for line in run_reindex(*args) if not line.endswith("papers updated\n"))


def run_reindex(*args: str) -> list[str]:
    out = StringIO()
    call_command("reindex", "--no-progress", *args, stdout=out)
    return out.getvalue().splitlines(keepends=True)


def test_it_first_brings_the_index_of_words_up_to_date() -> None:
    changed = 3 if connection.vendor == "sqlite" else 0  # PostgreSQL's is never behind
    assert run_reindex()[0] == f"lexical index: {changed} papers updated\n"
    assert run_reindex()[0] == "lexical index: 0 papers updated\n"


def crash_on_call(embedder: dense.Embedder, monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    real_encode = embedder.encode
    calls = []

    def encode(texts: list[str], max_tokens: int = dense.MAX_SEQ_LENGTH) -> np.ndarray:
        calls.append(texts)
        if len(calls) == number:
            raise KeyboardInterrupt  # as Ctrl-C would, mid-way
        return real_encode(texts, max_tokens)

    monkeypatch.setattr(embedder, "encode", encode)


def test_it_embeds_the_pending_papers_and_says_how_many() -> None:
    assert reindex() == "embeddings: 3 papers embedded, 0 pending\n"
    assert PaperEmbedding.objects.count() == 3

    assert reindex() == "embeddings: 0 papers embedded, 0 pending\n"


def test_drafts_make_papers_findable_by_meaning_and_a_later_run_completes_them() -> None:
    assert reindex("--drafts") == ("embeddings: 3 drafts made, 3 papers without a full vector\n")
    assert set(PaperEmbedding.objects.values_list("model", flat=True)) == {dense.DRAFT_MODEL}
    assert reindex("--drafts") == "embeddings: 0 drafts made, 3 papers without a full vector\n"

    assert reindex("--limit", "1") == "embeddings: 1 paper embedded, 2 pending (2 with a draft)\n"
    assert reindex() == "embeddings: 2 papers embedded, 0 pending\n"
    assert set(PaperEmbedding.objects.values_list("model", flat=True)) == {dense.MODEL_NAME}


def test_drafts_and_all_do_not_go_together() -> None:
    with pytest.raises(CommandError, match="--drafts and --all"):
        reindex("--drafts", "--all")
    assert not PaperEmbedding.objects.exists()


def test_limit_leaves_the_rest_for_the_next_run() -> None:
    assert reindex("--limit", "2", "--batch-size", "1") == (
        "embeddings: 2 papers embedded, 1 pending\n"
    )
    assert reindex() == "embeddings: 1 paper embedded, 0 pending\n"


def test_an_interrupted_run_resumes_where_it_stopped(
    embedder: dense.Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_on_call(embedder, monkeypatch, 2)
    with pytest.raises(CommandError, match="interrupted: run the same command again"):
        reindex("--batch-size", "1")
    monkeypatch.undo()

    assert reindex() == "embeddings: 2 papers embedded, 0 pending\n"
    assert PaperEmbedding.objects.count() == 3


def test_all_rebuilds_the_lexical_index_and_every_embedding() -> None:
    reindex()
    before = dict(PaperEmbedding.objects.values_list("paper_id", "embedded_at"))

    output = reindex("--all")

    assert output == "lexical index: 3 papers\nembeddings: 3 papers embedded, 0 pending\n"
    after = dict(PaperEmbedding.objects.values_list("paper_id", "embedded_at"))
    assert all(after[pk] > before[pk] for pk in before)


def test_an_interrupted_all_resumes_without_redoing_what_it_did(
    embedder: dense.Embedder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    reindex()
    crash_on_call(embedder, monkeypatch, 2)
    with pytest.raises(CommandError, match="interrupted"):
        reindex("--all", "--batch-size", "1")
    monkeypatch.undo()
    assert list((tmp_path / "search").glob("reindex-all-*.json"))

    output = reindex("--all", "--batch-size", "1")

    assert output.startswith("lexical index: 3 papers\nresuming the --all run started ")
    assert output.endswith("embeddings: 2 papers embedded, 0 pending\n")
    assert not list((tmp_path / "search").glob("reindex-all-*.json"))
    assert reindex("--all").endswith("embeddings: 3 papers embedded, 0 pending\n")


def test_with_the_embedder_off_it_says_embeddings_are_skipped(settings: Settings) -> None:
    settings.SEARCH_EMBEDDER = "off"

    assert reindex() == "embeddings: skipped, the embedder is off (SEARCH_EMBEDDER=off)\n"
    assert PaperEmbedding.objects.count() == 0


def test_a_bad_batch_size_is_refused() -> None:
    with pytest.raises(CommandError, match="--batch-size"):
        reindex("--batch-size", "0")


def test_the_worker_embeds_new_papers_every_30_seconds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    [job] = [job for job in worker.PERIODIC_JOBS if job.name == "index"]
    assert job.every == 30

    with caplog.at_level(logging.INFO, logger="paperwire.worker"):
        call_command("worker", "--once")

    assert PaperEmbedding.objects.count() == 3
    words = 3 if connection.vendor == "sqlite" else 0
    assert any(
        m.startswith(f"index: {words} papers indexed by words, 3 papers embedded in ")
        for m in caplog.messages
    )


def test_it_shows_a_progress_bar_unless_asked_not_to(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("reindex", stdout=StringIO())

    assert "3/3" in capsys.readouterr().err
