import gzip
import logging
import os
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from paperwire.ingest.kaggle import (
    ImportStopped,
    import_snapshot,
    iter_snapshot,
    parse_created,
    split_authors,
)
from paperwire.ingest.records import AuthorName, RecordError
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db

HEAD = "arxiv/kaggle-snapshot-head200.jsonl"
KAGGLE_LIKE = "arxiv/arxiv-abs-kaggle-like.jsonl.gz"


def line(arxiv_id: str = "0704.0001", **fields: object) -> dict[str, object]:
    """One snapshot line as Kaggle writes it."""
    base: dict[str, object] = {
        "id": arxiv_id,
        "submitter": "Ada Lovelace",
        "authors": "Ada Lovelace and Alan Turing",
        "title": "On computable numbers",
        "comments": None,
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": "cs.LG stat.ML",
        "license": None,
        "abstract": "  An abstract\nwrapped over two lines.\n",
        "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
        "update_date": "2007-04-03",
        "authors_parsed": [["Lovelace", "Ada", ""], ["Turing", "Alan", ""]],
    }
    base.update(fields)
    return base


def write(path: Path, *lines: dict[str, object] | str) -> Path:
    with path.open("wb") as out:
        for item in lines:
            out.write(item.encode() if isinstance(item, str) else orjson.dumps(item))
            out.write(b"\n")
    return path


def authors_of(paper: Paper) -> list[str]:
    return [s.author.name for s in paper.authorships.select_related("author")]


def categories_of(paper: Paper) -> list[str]:
    return [c.category_id for c in paper.paper_categories.all()]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Reading the file


def test_it_parses_the_dates_of_versions() -> None:
    assert parse_created("Mon, 2 Apr 2007 19:18:42 GMT") == utc(2007, 4, 2, 19, 18, 42)
    assert parse_created("Tue, 24 Jul 2007 20:10:27 GMT") == utc(2007, 7, 24, 20, 10, 27)


def test_it_splits_an_authors_string_keeping_affiliations_out_of_names() -> None:
    assert split_authors("Ileana Streinu and Louis Theran") == [
        AuthorName("Ileana Streinu"),
        AuthorName("Louis Theran"),
    ]
    assert split_authors("A. Serga, M. Kostylev, and B. Hillebrands") == [
        AuthorName("A. Serga"),
        AuthorName("M. Kostylev"),
        AuthorName("B. Hillebrands"),
    ]
    # An affiliation belongs to every author before it that has none, as on arXiv.
    assert split_authors(
        "Floris van der Tak (SRON Groningen), John Black (Onsala), David Jansen and\n"
        "  Ewine van Dishoeck (Leiden)"
    ) == [
        AuthorName("Floris van der Tak", "SRON Groningen"),
        AuthorName("John Black", "Onsala"),
        AuthorName("David Jansen", "Leiden"),
        AuthorName("Ewine van Dishoeck", "Leiden"),
    ]


def test_it_resolves_numbered_affiliations_and_tex_in_an_authors_string() -> None:
    text = (
        'Michael Kuhlen (1), J\\"urg Diemand (2) and Piero Madau (2, 3) ((1)\n'
        "  Institute for Advanced Study, Princeton, (2) UC Santa Cruz, (3)\n"
        '  Max-Planck-Institut f\\"ur Astrophysik, Garching, Germany)'
    )
    assert split_authors(text) == [
        AuthorName("Michael Kuhlen", "Institute for Advanced Study, Princeton"),
        AuthorName("Jürg Diemand", "UC Santa Cruz"),
        AuthorName(
            "Piero Madau", "UC Santa Cruz; Max-Planck-Institut für Astrophysik, Garching, Germany"
        ),
    ]


def test_it_keeps_suffixes_and_drops_what_is_not_a_name() -> None:
    assert split_authors("M. Finger, M. Finger,\\, Jr., F. Fleuret, et al.") == [
        AuthorName("M. Finger"),
        AuthorName("M. Finger Jr."),
        AuthorName("F. Fleuret"),
    ]


def test_it_turns_tex_accents_in_parsed_names_into_letters(tmp_path: Path) -> None:
    path = write(
        tmp_path / "tex.jsonl",
        line(authors_parsed=[["Bal\\'azs", "C.", ""], ["{\\O}bro", "Mikkel", ""]]),
    )
    (record,) = iter_snapshot(path)
    assert [a.name for a in record.authors] == ["C. Balázs", "Mikkel Øbro"]


def test_it_reads_gzip_by_its_magic_bytes_not_its_name(shared_data: Path, tmp_path: Path) -> None:
    plain = shared_data / HEAD
    disguised = tmp_path / "snapshot.json"  # gzip inside, no .gz suffix
    disguised.write_bytes(gzip.compress(plain.read_bytes()))
    misnamed = tmp_path / "snapshot.json.gz"  # plain text with a .gz suffix
    misnamed.write_bytes(plain.read_bytes())
    kaggle = tmp_path / "archive.zip"  # what Kaggle serves
    with zipfile.ZipFile(kaggle, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(plain, "arxiv-metadata-oai-snapshot.json")
    expected = list(iter_snapshot(plain))
    assert len(expected) == 200
    assert list(iter_snapshot(disguised)) == expected
    assert list(iter_snapshot(misnamed)) == expected
    assert list(iter_snapshot(kaggle)) == expected


def test_it_refuses_a_zip_archive_of_several_files(tmp_path: Path) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.json", "{}")
        archive.writestr("b.json", "{}")
    with pytest.raises(RecordError, match="must hold exactly one file; this one holds 2"):
        list(iter_snapshot(path))


def test_it_names_the_file_when_a_gzip_file_is_cut_short(tmp_path: Path) -> None:
    whole = gzip.compress(
        b"".join(orjson.dumps(line(f"0704.{n:04d}")) + b"\n" for n in range(1, 500))
    )
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(RecordError, match=rf"^{re.escape(str(path))}:\d+: cannot read the file"):
        list(iter_snapshot(path))


# Importing


def test_it_imports_the_first_200_lines_of_the_real_snapshot(shared_data: Path) -> None:
    stats = import_snapshot(shared_data / HEAD, batch_size=64, progress=False)
    assert (stats.records, stats.created, stats.updated, stats.unchanged) == (200, 200, 0, 0)
    assert Paper.objects.count() == 200

    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert paper.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert authors_of(paper) == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert paper.version == 2
    assert paper.published_at == utc(2007, 4, 2, 19, 18, 42)  # v1
    assert paper.updated_at == utc(2007, 7, 24, 20, 10, 27)  # v2
    assert categories_of(paper) == ["hep-ph"] and paper.primary_category_id == "hep-ph"
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.report_no == "ANL-HEP-PR-07-12"
    assert paper.comments == "37 pages, 15 figures; published version"
    assert paper.license == ""
    assert paper.abstract.startswith("A fully differential calculation in perturbative quantum")
    assert "\n" not in paper.abstract

    paper = Paper.objects.get(arxiv_id="0704.0002")
    assert authors_of(paper) == ["Ileana Streinu", "Louis Theran"]
    assert categories_of(paper) == ["math.CO", "cs.CG"] and paper.primary_category_id == "math.CO"
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert paper.journal_ref == "" and paper.doi == ""

    paper = Paper.objects.get(arxiv_id="0704.0062")
    assert authors_of(paper) == ["Rastislav Šrámek", "Broňa Brejová", "Tomáš Vinař"]

    paper = Paper.objects.get(arxiv_id="0704.0163")
    assert [(s.author.name, s.affiliation) for s in paper.authorships.all()] == [
        ("Peter Brommer", "Institut für Theoretische und Angewandte Physik, Universität Stuttgart"),
        ("Franz Gähler", "Institut für Theoretische und Angewandte Physik, Universität Stuttgart"),
    ]
    # Two DOIs in the field: the column keeps the first.
    assert Paper.objects.get(arxiv_id="0704.0033").doi == "10.1364/JOSAA.23.002578"
    # An indented line starts a new paragraph.
    assert Paper.objects.get(arxiv_id="0704.0010").abstract.count("\n\n") >= 1


def test_it_imports_records_without_authors_parsed_and_old_style_ids(shared_data: Path) -> None:
    stats = import_snapshot(shared_data / KAGGLE_LIKE, progress=False)
    # cs/0006008 appears twice in the file: one paper.
    assert (stats.records, stats.created) == (1129, 1128)
    assert Paper.objects.filter(arxiv_id__contains="/").count() == 73

    paper = Paper.objects.get(arxiv_id="hep-th/9901001")
    assert paper.title == "String Junctions and Their Duals in Heterotic String Theory"
    assert authors_of(paper) == ["Yosuke Imamura"]
    assert paper.version == 3
    assert paper.published_at == utc(1999, 1, 1, 1, 1, 10)
    assert paper.updated_at == utc(1999, 5, 10, 4, 45, 54)
    assert (paper.doi, paper.report_no) == ("10.1143/PTP.101.1155", "YITP-99-1")

    paper = Paper.objects.get(arxiv_id="acc-phys/9411002")
    assert [(s.author.name, s.affiliation) for s in paper.authorships.all()] == [
        ("Patrick L. Nash", "University of Texas at San Antonio")
    ]
    assert categories_of(paper) == ["acc-phys", "physics.acc-ph"]
    # TeX accents in the free-text authors string.
    paper = Paper.objects.get(arxiv_id="0704.0062")
    assert authors_of(paper) == ["Rastislav Šrámek", "Broňa Brejová", "Tomáš Vinař"]


def test_it_changes_nothing_on_a_second_import(shared_data: Path) -> None:
    import_snapshot(shared_data / HEAD, progress=False)
    before = dict(Paper.objects.values_list("arxiv_id", "modified_at"))
    again = import_snapshot(shared_data / HEAD)  # the bar stays off: stderr is no terminal
    assert (again.created, again.updated, again.unchanged) == (0, 0, 200)
    assert dict(Paper.objects.values_list("arxiv_id", "modified_at")) == before


def test_it_lets_a_newer_version_replace_the_metadata(tmp_path: Path) -> None:
    v1 = line(title="First title", authors_parsed=[["Lovelace", "Ada", ""]])
    v2 = line(
        title="Second title",
        authors_parsed=[["Hopper", "Grace", ""], ["Lovelace", "Ada", ""]],
        journal_ref="J. Comp. 1 (2008)",
        versions=[
            {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
            {"version": "v2", "created": "Sat, 13 Dec 2008 17:26:00 GMT"},
        ],
    )
    # Across batches, and an older line after a newer one does not win.
    import_snapshot(write(tmp_path / "a.jsonl", v1, v2, v1), batch_size=1, progress=False)
    paper = Paper.objects.get()
    assert (paper.version, paper.title, paper.journal_ref) == (2, "Second title", "")
    assert authors_of(paper) == ["Grace Hopper", "Ada Lovelace"]
    assert paper.published_at == utc(2007, 4, 2, 19, 18, 42)
    assert paper.updated_at == utc(2008, 12, 13, 17, 26, 0)

    # Within one batch.
    Paper.objects.all().delete()
    stats = import_snapshot(write(tmp_path / "b.jsonl", v2, v1), progress=False)
    assert (stats.records, stats.created) == (2, 1)
    assert Paper.objects.get().title == "Second title"


@pytest.mark.django_db(transaction=True)
def test_it_stops_at_a_malformed_line_keeping_only_earlier_batches(
    tmp_path: Path,
) -> None:
    good = [line(f"0704.{n:04d}") for n in range(1, 6)]
    path = write(tmp_path / "bad.jsonl", *good, '{"id": "0704.0006", "title": ')
    with pytest.raises(ImportStopped, match=rf"^{re.escape(str(path))}:6: ") as stopped:
        import_snapshot(path, batch_size=2, progress=False)
    assert stopped.value.committed == 4
    # Lines 1-4 were two committed batches; line 5 shared its batch with line 6.
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == [
        "0704.0001",
        "0704.0002",
        "0704.0003",
        "0704.0004",
    ]

    # Fixed, the same command finishes the job.
    write(path, *good, line("0704.0006"))
    stats = import_snapshot(path, batch_size=2, progress=False)
    assert (stats.created, stats.unchanged) == (2, 4)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json}", "unexpected character"),
        ('["a", "list"]', "not a JSON object"),
        (orjson.dumps(line(title="  ")).decode(), "0704.0001: no title"),
        (orjson.dumps(line("0799.0001")).decode(), "99 is not a month"),
        (orjson.dumps({"title": "No id"}).decode(), "no id"),
        (orjson.dumps(line(versions=[{"version": "v1"}])).decode(), "malformed record"),
    ],
)
def test_it_names_the_file_and_line_of_each_kind_of_bad_line(
    tmp_path: Path, bad: str, message: str
) -> None:
    path = write(tmp_path / "bad.jsonl", line("0704.0002"), "", bad)
    with pytest.raises(ImportStopped, match=rf"^{re.escape(str(path))}:3: .*{message}"):
        import_snapshot(path, progress=False)


def test_it_logs_and_skips_bad_lines_with_skip_invalid(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path / "bad.jsonl", line("0704.0001"), "{oops", line("0704.0002"))
    with caplog.at_level(logging.WARNING, logger="paperwire.ingest.kaggle"):
        stats = import_snapshot(path, skip_invalid=True, progress=False)
    assert (stats.records, stats.created, stats.skipped) == (2, 2, 1)
    assert f"{path}:2:" in caplog.text


def test_it_stops_after_limit_papers(shared_data: Path) -> None:
    stats = import_snapshot(shared_data / HEAD, limit=30, batch_size=7, progress=False)
    assert stats.records == stats.created == Paper.objects.count() == 30
    assert not Paper.objects.filter(arxiv_id="0704.0031").exists()


# The command


def test_it_imports_from_the_command_with_a_one_line_summary(shared_data: Path) -> None:
    out = StringIO()
    call_command(
        "import-arxiv-snapshot",
        str(shared_data / HEAD),
        "--limit",
        "50",
        "--no-progress",
        stdout=out,
    )
    (summary,) = out.getvalue().splitlines()
    assert summary.startswith("50 papers in ")
    assert summary.endswith(": 50 created, 0 updated, 0 unchanged")
    assert Paper.objects.count() == 50


def test_it_stops_the_command_with_one_line_on_bad_input(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("import-arxiv-snapshot", str(tmp_path / "missing.jsonl"))
    path = write(tmp_path / "bad.jsonl", line(), "{oops")
    with pytest.raises(
        CommandError, match=rf"^{re.escape(str(path))}:2: .*the 0 papers before it are stored"
    ):
        call_command("import-arxiv-snapshot", str(path), "--no-progress")
    with pytest.raises(CommandError, match="not a positive whole number"):
        call_command("import-arxiv-snapshot", str(path), "--batch-size", "0")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip archive")
    with pytest.raises(CommandError, match="cannot read the archive"):
        call_command("import-arxiv-snapshot", str(broken))


def test_it_exits_the_command_non_zero_with_one_line_on_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "paperwire.cli", "import-arxiv-snapshot", str(missing)],
        capture_output=True,
        text=True,
        env={**os.environ, "PAPERWIRE_VAR_DIR": str(tmp_path)},
        check=False,
    )
    assert done.returncode != 0
    assert done.stderr.splitlines() == [f"CommandError: {missing}: no such file"]
