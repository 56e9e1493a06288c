"""BEIR-layout retrieval benchmarks: loading, importing as papers, and the standard metrics.

A BEIR directory holds corpus.jsonl[.gz] ({"_id", "title", "text"}), queries.jsonl
({"_id", "text"}) and qrels/<split>.tsv (query-id, corpus-id, score, with a header).
Metrics follow trec_eval as BEIR runs it: nDCG with graded (linear) gains and a log2
discount, the ideal ranking taken from the judgments; recall over the judged-relevant
documents (score > 0).
"""

import csv
import gzip
import hashlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import orjson

from paperwire.ingest.records import PaperRecord, clean_line

SYNTHETIC_ID_LIMIT = 12 * 99_999


class BeirError(ValueError):
    """A BEIR directory that cannot be read; the message names the file."""


@dataclass
class BeirSet:
    documents: dict[str, tuple[str, str]]  # doc id -> (title, text), in corpus order
    queries: dict[str, str]  # query id -> text, only queries judged in the split
    qrels: dict[str, dict[str, int]]  # query id -> doc id -> relevance grade
    corpus_hash: str


@dataclass(frozen=True)
class Scores:
    ndcg_at_10: float
    recall_at_100: float
    queries: int

    def line(self, method: str) -> str:
        return (
            f"{method} ndcg@10={self.ndcg_at_10:.4f} recall@100={self.recall_at_100:.4f} "
            f"queries={self.queries}"
        )


def _open(path: Path) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb")) if path.suffix == ".gz" else path.open("rb")


def _json_lines(path: Path) -> Iterator[dict]:
    with _open(path) as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError as error:
                raise BeirError(f"{path}:{number}: not JSON ({error})") from None


def _corpus_path(directory: Path) -> Path:
    for name in ("corpus.jsonl", "corpus.jsonl.gz"):
        if (directory / name).is_file():
            return directory / name
    raise BeirError(f"{directory} has no corpus.jsonl or corpus.jsonl.gz")


def load_beir(directory: Path, split: str) -> BeirSet:
    corpus = _corpus_path(directory)
    qrels_path = directory / "qrels" / f"{split}.tsv"
    if not qrels_path.is_file():
        raise BeirError(f"{directory} has no split {split!r} ({qrels_path} is missing)")
    if not (directory / "queries.jsonl").is_file():
        raise BeirError(f"{directory} has no queries.jsonl")
    documents = {
        str(doc["_id"]): (clean_line(doc.get("title")), clean_line(doc.get("text")))
        for doc in _json_lines(corpus)
    }
    qrels: dict[str, dict[str, int]] = {}
    with qrels_path.open(newline="") as rows:
        for row in csv.reader(rows, delimiter="\t"):
            if len(row) < 3 or not row[2].strip().lstrip("-").isdigit():
                continue  # the header, or a blank line
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries = {
        str(q["_id"]): str(q.get("text") or "")
        for q in _json_lines(directory / "queries.jsonl")
        if str(q["_id"]) in qrels
    }
    digest = hashlib.sha256(corpus.read_bytes()).hexdigest()[:16]
    return BeirSet(documents, queries, {q: qrels[q] for q in queries}, digest)


def synthetic_arxiv_id(index: int) -> str:
    """A valid new-style arXiv id (9901.00000 onward) for the index-th document.

    The scratch database stores documents as papers, and papers are keyed by arXiv id.
    """
    if not 0 <= index < SYNTHETIC_ID_LIMIT:
        raise BeirError(f"a corpus of more than {SYNTHETIC_ID_LIMIT} documents is not supported")
    month, number = divmod(index, 99_999)
    return f"99{month + 1:02d}.{number + 1:05d}"


def paper_records(documents: dict[str, tuple[str, str]]) -> Iterator[PaperRecord]:
    for index, (title, text) in enumerate(documents.values()):
        # A paper needs a title; a few BEIR documents have none.
        yield PaperRecord(
            arxiv_id=synthetic_arxiv_id(index), title=title or text[:80], version=1, abstract=text
        )


def ndcg_at(ranked: Sequence[str], judged: dict[str, int], k: int = 10) -> float:
    gains = sorted((grade for grade in judged.values() if grade > 0), reverse=True)[:k]
    ideal = sum(grade / math.log2(rank + 2) for rank, grade in enumerate(gains))
    if ideal == 0:
        return 0.0
    dcg = sum(
        max(judged.get(doc, 0), 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k])
    )
    return dcg / ideal


def recall_at(ranked: Sequence[str], judged: dict[str, int], k: int = 100) -> float:
    relevant = {doc for doc, grade in judged.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def score_run(
    queries: dict[str, str],
    qrels: dict[str, dict[str, int]],
    search: Callable[[str], Sequence[str]],
) -> Scores:
    """Mean nDCG@10 and recall@100 of `search` (query text -> doc ids, best first)."""
    ndcgs, recalls = [], []
    for query_id, text in queries.items():
        ranked = list(search(text))
        ndcgs.append(ndcg_at(ranked, qrels[query_id]))
        recalls.append(recall_at(ranked, qrels[query_id]))
    n = len(ndcgs)
    return Scores(sum(ndcgs) / n if n else 0.0, sum(recalls) / n if n else 0.0, n)
