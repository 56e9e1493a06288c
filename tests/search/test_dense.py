import json
from datetime import timedelta
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone
from pytest_django import Settings

from paperwire.papers.models import Paper
from paperwire.search import dense, vector_index
from paperwire.search.models import PaperEmbedding
from tests.builders import make_paper

pytestmark = pytest.mark.django_db

TOPICS = {
    "2608.00001": (
        "Protein structure prediction with deep learning",
        "We predict the three-dimensional folding of proteins from amino acid sequences.",
    ),
    "2608.00002": (
        "Folding proteins with attention",
        "A transformer model infers protein tertiary structure from residue sequences.",
    ),
    "2608.00003": (
        "Spiral galaxies in the early universe",
        "Telescope observations reveal the rotation curves of distant galaxies.",
    ),
    "2608.00004": (
        "Dark matter halos around dwarf galaxies",
        "Simulations of cosmic structure constrain the halo mass of satellite galaxies.",
    ),
    "2608.00005": (
        "Sorting networks on GPUs",
        "Parallel comparison networks sort integer keys at memory bandwidth.",
    ),
}


def papers(*ids: str) -> list[Paper]:
    return [
        make_paper(arxiv_id, TOPICS[arxiv_id][0], abstract=TOPICS[arxiv_id][1])
        for arxiv_id in (ids or TOPICS)
    ]


@pytest.fixture(autouse=True)
def loaded(embedder: dense.Embedder) -> dense.Embedder:
    return embedder


def test_the_embedder_gives_unit_vectors_of_384_dimensions(embedder: dense.Embedder) -> None:
    vectors = embedder.encode(["protein folding", "galaxies"])

    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert dense.get_embedder() is embedder  # loaded once per process


def test_paper_text_is_title_then_abstract() -> None:
    assert dense.paper_text(" A title ", "An abstract.\n") == "A title. An abstract."


def test_new_papers_are_pending_until_embedded() -> None:
    created = papers("2608.00001", "2608.00003")

    assert dense.pending_count() == 2
    assert dense.embed_pending() == 2

    assert dense.pending_count() == 0
    assert dense.pending_ids(p.pk for p in created) == set()
    row = PaperEmbedding.objects.get(paper=created[0])
    assert row.model == dense.MODEL_NAME
    vector = np.frombuffer(bytes(row.vector), dtype=np.float32)
    assert vector.shape == (384,) and abs(np.linalg.norm(vector) - 1) < 1e-5
    assert row.text_hash == dense.text_hash(dense.paper_text(*TOPICS["2608.00001"]))


def test_an_unchanged_paper_is_not_embedded_again_even_when_modified() -> None:
    [paper] = papers("2608.00001")
    dense.embed_pending()
    Paper.objects.filter(pk=paper.pk).update(
        upvotes=5, modified_at=timezone.now() + timedelta(minutes=1)
    )

    assert dense.pending_ids([paper.pk]) == set()
    assert dense.embed_pending() == 0


def test_a_paper_whose_text_changed_is_embedded_again() -> None:
    [paper] = papers("2608.00001")
    dense.embed_pending()
    before = bytes(PaperEmbedding.objects.get(paper=paper).vector)

    make_paper("2608.00001", "Galaxy rotation curves", version=2, abstract="Stars orbit.")

    assert dense.pending_ids([paper.pk]) == {paper.pk}
    assert dense.embed_pending() == 1
    row = PaperEmbedding.objects.get(paper=paper)
    assert bytes(row.vector) != before
    assert row.text_hash == dense.text_hash("Galaxy rotation curves. Stars orbit.")


def test_an_embedding_from_another_model_is_pending() -> None:
    [paper] = papers("2608.00001")
    dense.embed_pending()
    PaperEmbedding.objects.filter(paper=paper).update(model="an-older-model")

    assert dense.pending_ids([paper.pk]) == {paper.pk}
    assert dense.embed_pending() == 1


def test_a_run_killed_mid_way_resumes_without_redoing_or_duplicating(
    embedder: dense.Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers()
    real_encode = embedder.encode
    calls = []

    def crash_on_the_third_batch(
        texts: list[str], max_tokens: int = dense.MAX_SEQ_LENGTH
    ) -> np.ndarray:
        calls.append(len(texts))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_encode(texts, max_tokens)

    monkeypatch.setattr(embedder, "encode", crash_on_the_third_batch)
    with pytest.raises(KeyboardInterrupt):
        dense.embed_pending(batch_size=2)
    assert PaperEmbedding.objects.count() == 4  # two whole batches were committed

    monkeypatch.setattr(embedder, "encode", real_encode)
    assert dense.embed_pending(batch_size=2) == 1
    assert PaperEmbedding.objects.count() == 5 and dense.pending_count() == 0


def test_limit_caps_the_papers_of_one_run() -> None:
    papers()

    assert dense.embed_pending(batch_size=2, limit=3) == 3
    assert dense.pending_count() == 2


def test_the_index_job_runs_again_at_once_while_papers_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    papers()
    monkeypatch.setattr(dense, "INDEX_JOB_LIMIT", 2)
    monkeypatch.setattr(dense, "DRAFTS_FROM", 10)  # too few papers wait for drafts
    monkeypatch.setattr(dense, "embed_pending", partial(dense.embed_pending, batch_size=2))

    assert dense.index_job().endswith("2 papers embedded")
    assert dense.backlog()  # a full round: likely more waiting
    # The papers just embedded are still read again (their text checked), but the round
    # goes on past them to the papers that wait.
    assert dense.index_job().endswith("2 papers embedded")
    assert dense.backlog()
    assert dense.index_job().endswith("1 paper embedded")
    assert not dense.backlog()
    assert dense.pending_count() == 0


LONG = " ".join(
    f"Sentence {n} of a long abstract about protein folding and the structures of enzymes."
    for n in range(40)
)  # about 600 tokens: a draft reads only its first 128


def long_papers(count: int) -> list[Paper]:
    return [
        make_paper(f"2608.0010{n}", f"Folding study {n}", abstract=f"Case {n}. {LONG}")
        for n in range(count)
    ]


def test_a_draft_is_the_same_model_over_the_first_tokens_only(embedder: dense.Embedder) -> None:
    short, long = "Protein folding. Amino acids fold.", f"Protein folding. {LONG}"

    # One at a time: int8 activations are scaled over a batch, so a batch's texts shift
    # each other's vectors a little.
    drafts = [embedder.encode([text], dense.DRAFT_TOKENS)[0] for text in (short, long)]
    full = [embedder.encode([text])[0] for text in (short, long)]

    assert np.allclose(drafts[0], full[0], atol=1e-6)  # a short text is read whole either way
    assert not np.allclose(drafts[1], full[1], atol=1e-3)
    assert float(drafts[1] @ full[1]) > 0.8  # the same text's beginning: close, not equal
    truncated = embedder._onnx._tokenizer(dense.DRAFT_TOKENS).encode(long)
    assert len(truncated.ids) == dense.DRAFT_TOKENS


def test_papers_with_drafts_are_found_by_meaning_until_full_vectors_replace_them(
    embedder: dense.Embedder,
) -> None:
    created = long_papers(3)
    [galaxies] = papers("2608.00003")
    ids = [p.pk for p in [*created, galaxies]]

    assert dense.embed_pending(draft=True) == 4

    rows = PaperEmbedding.objects.filter(paper_id__in=ids)
    assert {row.model for row in rows} == {dense.DRAFT_MODEL}
    draft = np.frombuffer(bytes(rows.get(paper=created[0]).vector), dtype=np.float32)
    # Found by meaning: pages say nothing waits, and searches and similar papers use them.
    assert dense.pending_ids(ids) == set() and dense.pending_count_for_pages() == 0
    assert dense.draft_count() == 4
    found = dense.dense_search(embedder.encode(["how do proteins fold"])[0], limit=4)
    assert [pk for pk, _ in found][-1] == galaxies.pk
    assert galaxies.pk not in dense.similar_papers(created[0].pk, k=2)
    # Not yet what the worker aims at: every draft is pending a full vector.
    assert dense.pending_count() == 4
    assert dense.embed_pending(draft=True) == 0  # drafts are made once

    assert dense.embed_pending() == 4

    assert dense.pending_count() == 0 and dense.draft_count() == 0
    query = embedder.encode(["protein folding"])[0]
    full = {
        row.paper_id: np.frombuffer(bytes(row.vector), dtype=np.float32)
        for row in PaperEmbedding.objects.filter(paper_id__in=ids)
    }
    # The index took in the replacements: similarities are the full vectors'.
    for pk, similarity in dense.dense_search(query, limit=4):
        assert similarity == pytest.approx(float(full[pk] @ query), abs=1e-4)
    whole = embedder.encode([dense.paper_text("Folding study 0", f"Case 0. {LONG}")])[0]
    assert float(full[created[0].pk] @ whole) > 0.99 > float(draft @ whole)


def test_a_paper_edited_after_its_draft_waits_for_a_vector_of_its_new_text() -> None:
    [paper] = papers("2608.00001")
    dense.embed_pending(draft=True)

    make_paper("2608.00001", "Galaxy rotation curves", version=2, abstract="Stars orbit.")

    assert dense.pending_ids([paper.pk]) == {paper.pk}
    assert dense.embed_pending(draft=True) == 0  # it has a vector: the full pass redoes it
    assert dense.embed_pending() == 1
    row = PaperEmbedding.objects.get(paper=paper)
    assert row.model == dense.MODEL_NAME
    assert row.text_hash == dense.text_hash("Galaxy rotation curves. Stars orbit.")


def test_after_a_large_import_the_index_job_drafts_first_then_replaces_the_drafts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    papers()
    monkeypatch.setattr(dense, "INDEX_JOB_LIMIT", 2)
    monkeypatch.setattr(dense, "DRAFTS_FROM", 2)
    monkeypatch.setattr(dense, "DRAFT_JOB_LIMIT", 4)
    monkeypatch.setattr(dense, "embed_pending", partial(dense.embed_pending, batch_size=2))

    assert dense.index_job().endswith("4 drafts made")  # 5 wait: more than a full round
    assert dense.backlog()
    # 1 paper without a vector: no longer more than a round, so it gets its full vector
    # first (a batch of 1), then drafts are replaced (a batch of 2).
    assert dense.index_job().endswith("3 papers embedded")
    assert dense.draft_count() == 2 and dense.pending_count_for_pages() == 0
    assert dense.index_job().endswith("2 papers embedded")
    assert dense.pending_count() == 0 and dense.draft_count() == 0
    assert dense.backlog()  # a full round: it cannot know that none are left
    assert dense.index_job().endswith("0 papers embedded")
    assert not dense.backlog()


def test_a_few_new_papers_get_their_full_vectors_at_once() -> None:
    papers("2608.00001", "2608.00002")

    assert dense.index_job().endswith("2 papers embedded")
    assert dense.draft_count() == 0 and dense.pending_count() == 0


def test_the_default_backend_agrees_with_the_torch_model(embedder: dense.Embedder) -> None:
    texts = [dense.paper_text(*TOPICS[arxiv_id]) for arxiv_id in TOPICS] + ["protein folding"]
    torch = dense.Embedder("torch").encode(texts)

    assert embedder.backend == "onnx"
    onnx = embedder.encode(texts)
    # int8 weights and activations: close enough that stored vectors of either are compared.
    assert np.min(np.sum(onnx * torch, axis=1)) > 0.98


def test_similar_papers_finds_the_topical_neighbour_and_not_itself() -> None:
    folding, attention, galaxies, halos, sorting = papers()
    dense.embed_pending()

    assert dense.similar_papers(folding.pk, k=1) == [attention.pk]
    assert dense.similar_papers(galaxies.pk, k=1) == [halos.pk]
    everything = dense.similar_papers(sorting.pk, k=10)
    assert sorted(everything) == sorted([folding.pk, attention.pk, galaxies.pk, halos.pk])


def test_a_paper_without_an_embedding_has_no_similar_papers() -> None:
    folding, _ = papers("2608.00001", "2608.00002")

    assert dense.similar_papers(folding.pk) == []


def test_dense_search_ranks_by_meaning(embedder: dense.Embedder) -> None:
    folding, attention, *_ = papers()
    dense.embed_pending()

    found = dense.dense_search(embedder.encode(["how do proteins fold"])[0], limit=2)

    assert {pk for pk, _ in found} == {folding.pk, attention.pk}
    assert found[0][1] >= found[1][1] > 0.3


@pytest.mark.parametrize("choice", ["auto", "exact"])
def test_each_index_agrees_with_brute_force(
    settings: Settings, embedder: dense.Embedder, choice: str
) -> None:
    settings.VECTOR_INDEX = choice
    papers()
    dense.embed_pending()
    rows = PaperEmbedding.objects.values_list("paper_id", "vector")
    ids = np.array([pk for pk, _ in rows])
    matrix = np.stack([np.frombuffer(bytes(v), dtype=np.float32) for _, v in rows])

    for question in ("protein structure", "cosmology", "fast sorting", "日本語の論文 🚀"):
        vector = embedder.encode([question])[0]
        expected = ids[np.argsort(-(matrix @ vector), kind="stable")].tolist()

        found = dense.dense_search(vector, limit=10)

        assert [pk for pk, _ in found] == expected
        assert np.allclose([s for _, s in found], np.sort(matrix @ vector)[::-1], atol=1e-4)


@pytest.mark.parametrize("index_class", [vector_index.HnswIndex, vector_index.ExactIndex])
def test_a_local_index_sees_what_another_process_embedded_and_forgot(
    index_class: type[vector_index.LocalIndex], embedder: dense.Embedder
) -> None:
    folding, attention, galaxies, *_ = papers("2608.00001", "2608.00002", "2608.00003")
    dense.embed_pending()
    web = index_class(None)  # as a web process holds it, apart from the worker's
    vector = embedder.encode(["protein folding"])[0]
    assert len(web.search(vector, 10)) == 3

    [sorting] = papers("2608.00005")
    dense.embed_pending()
    assert sorting.pk in {pk for pk, _ in web.search(vector, 10)}

    folding.delete()
    web.refresh()
    assert {pk for pk, _ in web.search(vector, 10)} == {attention.pk, galaxies.pk, sorting.pk}


@pytest.mark.parametrize("index_class", [vector_index.HnswIndex, vector_index.ExactIndex])
def test_a_local_index_is_kept_in_a_file_and_loaded_from_it(
    index_class: type[vector_index.LocalIndex], embedder: dense.Embedder, tmp_path: Path
) -> None:
    papers()
    dense.embed_pending()
    path = tmp_path / "search" / "index.bin"
    index_class(path).refresh(persist=True)

    loaded = index_class(path)

    assert loaded._size() == 5 and loaded.high is not None
    vector = embedder.encode(["galaxies"])[0]
    assert loaded.search(vector, 5) == index_class(None).search(vector, 5)


def test_an_unreadable_index_file_means_a_rebuild(tmp_path: Path) -> None:
    papers("2608.00001", "2608.00002")
    dense.embed_pending()
    path = tmp_path / "index.hnsw"
    path.write_bytes(b"not an index")
    meta = {"model": dense.MODEL_NAME, "high": "2026-01-01T00:00:00+00:00"}
    path.with_suffix(".json").write_text(json.dumps(meta))

    index = vector_index.HnswIndex(path)

    assert len(index.search(np.ones(384, dtype=np.float32) / np.sqrt(384), 5)) == 2


def test_with_the_embedder_off_everything_dense_is_empty(settings: Settings) -> None:
    folding, _ = papers("2608.00001", "2608.00002")
    dense.embed_pending()
    settings.SEARCH_EMBEDDER = "off"

    assert dense.get_embedder() is None
    assert dense.query_vector("protein") is None
    assert dense.dense_search(np.ones(384, dtype=np.float32)) == []
    assert dense.similar_papers(folding.pk) == []
    assert dense.embed_pending() == 0
    assert dense.pending_ids([folding.pk]) == {folding.pk}


def test_auto_is_pgvector_on_postgresql_and_hnswlib_on_sqlite() -> None:
    index = vector_index.get_vector_index()

    if connection.vendor == "postgresql":
        assert isinstance(index, vector_index.PgvectorIndex)
    else:
        assert isinstance(index, vector_index.HnswIndex)
