import gzip
import json
import math
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from paperwire.papers.arxiv_ids import parse_arxiv_id
from paperwire.papers.models import Paper
from paperwire.search.beir import (
    BeirError,
    load_beir,
    ndcg_at,
    recall_at,
    score_run,
    synthetic_arxiv_id,
)

LINE = re.compile(
    r"^(lexical|dense|hybrid) ndcg@10=(\d\.\d{4}) recall@100=(\d\.\d{4}) queries=(\d+)$"
)

DOCUMENTS = [
    (
        "d1",
        "Aspirin and heart attacks",
        "Daily low-dose aspirin lowers the risk of myocardial infarction.",
    ),
    (
        "d2",
        "Vitamin D and bones",
        "Vitamin D supplements increase bone mineral density in the elderly.",
    ),
    ("d3", "Sleep and memory", "Sleep deprivation impairs the consolidation of memories."),
    ("d4", "Exercise and mood", "Aerobic exercise reduces symptoms of depression."),
    ("d5", "Coffee and the liver", "Coffee drinkers have lower rates of liver cirrhosis."),
]
QUERIES = [
    ("q1", "aspirin prevents myocardial infarction", {"d1": 1}),
    ("q2", "not sleeping harms memory", {"d3": 1}),
    ("q3", "running helps against depression", {"d4": 2, "d3": 1}),
]


def write_beir(directory: Path, gzipped: bool = False) -> Path:
    (directory / "qrels").mkdir(parents=True)
    lines = "".join(
        json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n"
        for doc_id, title, text in DOCUMENTS
    )
    if gzipped:
        (directory / "corpus.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    else:
        (directory / "corpus.jsonl").write_text(lines)
    (directory / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": q, "text": text}) + "\n" for q, text, _ in QUERIES)
        + json.dumps({"_id": "unjudged", "text": "not in the split"})
        + "\n"
    )
    rows = ["query-id\tcorpus-id\tscore"]
    rows += [f"{q}\t{doc}\t{grade}" for q, _, judged in QUERIES for doc, grade in judged.items()]
    (directory / "qrels" / "test.tsv").write_text("\n".join(rows) + "\n")
    return directory


def test_ndcg_uses_graded_gains_a_log2_discount_and_the_ideal_from_the_judgments() -> None:
    judged = {"a": 1, "c": 2, "z": 0}

    # DCG = 1/log2(2) + 2/log2(4) = 2; ideal = 2/log2(2) + 1/log2(3).
    assert ndcg_at(["a", "b", "c"], judged) == pytest.approx(2 / (2 + 1 / math.log2(3)))
    assert ndcg_at(["c", "a"], judged) == pytest.approx(1.0)
    assert ndcg_at(["b", "z"], judged) == 0.0


def test_ndcg_only_counts_the_first_k_results() -> None:
    assert ndcg_at(["x"] * 10 + ["a"], {"a": 1}) == 0.0
    assert ndcg_at(["b", "a"], {"a": 1}, k=1) == 0.0


def test_recall_is_the_share_of_relevant_documents_retrieved() -> None:
    judged = {"a": 1, "b": 1, "c": 0, "d": 2}

    assert recall_at(["a", "c", "x"], judged) == pytest.approx(1 / 3)
    assert recall_at(["d", "b", "a"], judged, k=2) == pytest.approx(2 / 3)
    assert recall_at(["a"], {"c": 0}) == 0.0


def test_a_run_scores_the_mean_over_the_judged_queries() -> None:
    scores = score_run(
        {"q1": "one", "q2": "two"},
        {"q1": {"a": 1}, "q2": {"b": 1}},
        lambda text: ["a"] if text == "one" else ["x"],
    )

    assert (scores.ndcg_at_10, scores.recall_at_100, scores.queries) == (0.5, 0.5, 2)
    assert scores.line("hybrid") == "hybrid ndcg@10=0.5000 recall@100=0.5000 queries=2"


def test_synthetic_ids_are_valid_distinct_arxiv_ids() -> None:
    ids = [synthetic_arxiv_id(i) for i in (0, 1, 99_998, 99_999, 12 * 99_999 - 1)]

    assert [parse_arxiv_id(i).id for i in ids] == ids
    assert len(set(ids)) == len(ids)
    with pytest.raises(BeirError):
        synthetic_arxiv_id(12 * 99_999)


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_beir_directory_loads_with_only_the_judged_queries(tmp_path: Path, gzipped: bool) -> None:
    benchmark = load_beir(write_beir(tmp_path, gzipped), "test")

    assert list(benchmark.documents) == ["d1", "d2", "d3", "d4", "d5"]
    assert benchmark.documents["d2"][0] == "Vitamin D and bones"
    assert set(benchmark.queries) == {"q1", "q2", "q3"}
    assert benchmark.qrels["q3"] == {"d4": 2, "d3": 1}


def test_a_missing_split_or_corpus_is_named(tmp_path: Path) -> None:
    write_beir(tmp_path)

    with pytest.raises(BeirError, match="split 'dev'"):
        load_beir(tmp_path, "dev")
    with pytest.raises(BeirError, match="corpus"):
        load_beir(tmp_path / "qrels", "test")


def run_eval(*args: str) -> list[re.Match[str]]:
    out = StringIO()
    call_command("eval-search", *args, "--no-progress", stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    return [m for m in matches if m]


@pytest.mark.django_db
def test_eval_search_prints_one_line_per_method_from_a_scratch_database(tmp_path: Path) -> None:
    directory = write_beir(tmp_path / "beir")
    before = Paper.objects.count()

    lines = run_eval(
        "--beir", str(directory), "--split", "test", "--cache-dir", str(tmp_path / "cache")
    )

    assert [m[1] for m in lines] == ["lexical", "dense", "hybrid"]
    assert all(m[4] == "3" for m in lines)
    scores = {m[1]: float(m[2]) for m in lines}
    # Dense finds "running helps against depression" (no shared word but depression) too.
    assert scores["dense"] > 0.5 and scores["hybrid"] > 0.5
    assert Paper.objects.count() == before  # the configured database is left alone
    assert list((tmp_path / "cache").glob("*.npz"))  # vectors kept for the next run


@pytest.mark.django_db
def test_eval_search_compares_embedders_side_by_side_with_their_own_vectors(
    tmp_path: Path,
) -> None:
    directory = write_beir(tmp_path / "beir")
    out = StringIO()
    cache = tmp_path / "cache"

    call_command(
        "eval-search", "--beir", str(directory), "--split", "test", "--methods", "dense,hybrid",
        "--embedders", "minilm,minilm-torch", "--cache-dir", str(cache), "--no-progress",
        stdout=out, stderr=StringIO(),
    )  # fmt: skip

    lines = out.getvalue().splitlines()
    assert [line.split(" ")[:2] for line in lines] == [
        ["[minilm]", "dense"],
        ["[minilm-torch]", "dense"],
        ["[minilm]", "hybrid"],
        ["[minilm-torch]", "hybrid"],
    ]
    assert all(LINE.match(line.split(" ", 1)[1]) for line in lines)
    # Each backend's vectors are cached apart: neither run reads the other's.
    assert sorted(p.name.rsplit("-", 1)[1] for p in cache.glob("*.npz")) == [
        "onnx.npz",
        "torch.npz",
    ]


@pytest.mark.django_db
def test_eval_search_scores_drafts_with_their_own_vectors(tmp_path: Path) -> None:
    directory = write_beir(tmp_path / "beir")
    cache = tmp_path / "cache"

    lines = run_eval(
        "--beir", str(directory), "--split", "test", "--methods", "dense",
        "--cache-dir", str(cache), "--draft",
    )  # fmt: skip

    assert [m[1] for m in lines] == ["dense"] and float(lines[0][2]) > 0.5
    [vectors] = cache.glob("*.npz")
    assert "first-128-tokens" in vectors.name  # never mistaken for full vectors


def test_eval_search_refuses_unknown_methods_and_missing_splits(tmp_path: Path) -> None:
    directory = write_beir(tmp_path)

    with pytest.raises(CommandError, match="bm42"):
        call_command(
            "eval-search", "--beir", str(directory), "--split", "test", "--methods", "bm42"
        )
    with pytest.raises(CommandError, match="dev"):
        call_command("eval-search", "--beir", str(directory), "--split", "dev")


@pytest.mark.django_db
def test_eval_search_on_scifact_train_beats_chance(shared_data: Path) -> None:
    lines = run_eval(
        "--beir",
        str(shared_data / "scifact"),
        "--split",
        "train",
        "--methods",
        "lexical",
        "--limit-queries",
        "50",
    )

    assert lines[0][1] == "lexical" and lines[0][4] == "50"
    assert float(lines[0][2]) > 0.5
