import gzip
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from paperwire.feed.hf_daily import import_hf_daily
from paperwire.feed.models import DailyEntry
from paperwire.ingest.records import RecordError
from paperwire.orgs.models import Organization, OrganizationAlias
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed_dir(shared_data: Path) -> Path:
    return shared_data / "hf-daily-papers"


def real_item(feed_dir: Path, month: str, line: int) -> dict[str, Any]:
    """Item number `line` (1-based) of the saved feed of `month`."""
    with gzip.open(feed_dir / f"{month}.jsonl.gz") as f:
        for number, text in enumerate(f, 1):
            if number == line:
                item: dict[str, Any] = orjson.loads(text)
                return item
    raise AssertionError(f"{month} has no line {line}")


def jsonl(path: Path, *items: dict[str, Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(item) + b"\n" for item in items))
    return path


def authors_of(paper: Paper) -> list[str]:
    return [s.author.name for s in paper.authorships.select_related("author")]


# Committed batch by batch as in real use: inside one test transaction, PostgreSQL would
# check every deferred foreign key of the whole feed at teardown (two minutes).
@pytest.mark.django_db(transaction=True)
def test_it_imports_the_whole_saved_feed(feed_dir: Path) -> None:
    files = sorted(feed_dir.glob("*.jsonl.gz"))
    assert len(files) == 28

    stats = import_hf_daily(files, progress=False)

    assert Paper.objects.count() == 9877
    assert DailyEntry.objects.values("day").distinct().count() == 580
    # 9,881 items: four papers were listed twice, on two different days.
    assert DailyEntry.objects.count() == 9881
    # 785 names upstream, 749 institutions: "zju", "ZhejiangUniversity", "zju-community"
    # and "ZhejiangDun" are all "Zhejiang University", one organization here.
    assert Organization.objects.count() == 749
    assert OrganizationAlias.objects.count() == 36
    zhejiang = Organization.objects.get(fullname__iexact="Zhejiang University")
    assert set(zhejiang.aliases.values_list("name", flat=True)) | {zhejiang.name} == {
        "ZhejiangUniversity",
        "zju",
        "ZhejiangDun",
        "zju-community",
    }
    assert (stats.items, stats.papers_created, stats.entries_created) == (9881, 9877, 9881)
    assert (len(stats.days), stats.organizations_created) == (580, 749)
    twice = Paper.objects.get(arxiv_id="2604.07429")
    assert sorted(e.day for e in twice.daily_entries.all()) == [
        date(2026, 4, 10),
        date(2026, 4, 16),
    ]
    assert twice.upvotes == 42  # the higher of the two snapshots (2 and 42)

    again = import_hf_daily([feed_dir / "2026-04.jsonl.gz"], progress=False)
    assert again.items == 462
    assert (again.papers_created, again.papers_updated) == (0, 0)
    assert (again.entries_created, again.entries_updated, again.upvotes_raised) == (0, 0, 0)
    assert DailyEntry.objects.count() == 9881


def test_it_maps_a_2024_item_without_code_or_organization(feed_dir: Path, tmp_path: Path) -> None:
    import_hf_daily([jsonl(tmp_path / "a.jsonl", real_item(feed_dir, "2024-06", 142))])

    paper = Paper.objects.get(arxiv_id="2406.06263")
    assert paper.title == (
        "MaskLID: Code-Switching Language Identification through Iterative Masking"
    )
    assert paper.abstract.startswith(
        "We present MaskLID, a simple, yet effective, code-switching (CS) language "
        "identification (LID) method. MaskLID does not require"
    )
    # The first author is `hidden` on Hugging Face, and an author all the same.
    assert authors_of(paper) == ["Amir Hossein Kargaran", "François Yvon", "Hinrich Schütze"]
    assert paper.published_at == datetime(2024, 6, 10, 13, 44, 29, tzinfo=UTC)
    assert paper.upvotes == 3
    assert (paper.code_url, paper.code_stars, paper.project_url) == ("", None, "")
    assert (paper.ai_summary, paper.ai_keywords, paper.withdrawn_at) == ("", [], None)
    entry = paper.daily_entries.get()
    assert entry.day == date(2024, 6, 17)
    assert entry.submitted_at == datetime(2024, 6, 17, 6, 26, 57, 103000, tzinfo=UTC)
    assert (entry.submitter_name, entry.submitter_fullname) == (
        "kargaranamir",
        "Amir Hossein Kargaran",
    )
    assert (entry.source, entry.organization, entry.hidden) == ("hf", None, False)


def test_it_maps_a_2025_06_item_with_code_stars(feed_dir: Path, tmp_path: Path) -> None:
    import_hf_daily([jsonl(tmp_path / "a.jsonl", real_item(feed_dir, "2025-06", 312))])

    paper = Paper.objects.get(arxiv_id="2506.19851")
    assert paper.title == (
        "AnimaX: Animating the Inanimate in 3D with Joint Video-Pose Diffusion Models"
    )
    assert authors_of(paper)[0] == "Zehuan Huang" and len(authors_of(paper)) == 6
    assert (paper.code_url, paper.code_stars) == ("https://github.com/anima-x/anima-x", 20)
    assert paper.project_url == "https://anima-x.github.io/"
    assert paper.ai_summary.startswith("AnimaX creates multi-skeleton 3D animations")
    assert paper.ai_keywords[:2] == [
        "feed-forward 3D animation framework",
        "video diffusion models",
    ]
    assert len(paper.ai_keywords) == 15
    assert paper.upvotes == 21
    entry = paper.daily_entries.get()
    assert entry.day == date(2025, 6, 25)
    # submittedOnDailyAt, not the item's publishedAt (the arXiv time shifted by four hours)
    assert entry.submitted_at == datetime(2025, 6, 25, 1, 12, 40, 364000, tzinfo=UTC)
    assert entry.submitter_name == "fanhongxing"
    assert entry.discussion_id == "685b5a47d2ee4fac76521dd4"
    # Hugging Face gives default avatars as site-relative paths.
    assert entry.submitter_avatar_url == (
        "https://huggingface.co/avatars/f288c66ace09d907f132a79a740a3701.svg"
    )


def test_it_maps_a_2026_item_with_an_organization_and_ai_fields(
    feed_dir: Path, tmp_path: Path
) -> None:
    import_hf_daily([jsonl(tmp_path / "a.jsonl", real_item(feed_dir, "2026-06", 2))])

    paper = Paper.objects.get(arxiv_id="2605.31264")
    assert paper.title == (
        "COLLEAGUE.SKILL: Automated AI Skill Generation via Expert Knowledge Distillation"
    )
    assert (paper.code_url, paper.code_stars, paper.project_url) == (
        "https://github.com/titanwings/colleague-skill",
        18739,
        "",
    )
    assert paper.ai_summary.startswith("Person-grounded AI skills are automatically distilled")
    assert paper.ai_keywords[0] == "expert knowledge distillation"
    assert len(paper.ai_keywords) == 9
    assert paper.published_at == datetime(2026, 5, 29, tzinfo=UTC)
    assert paper.upvotes == 60
    entry = paper.daily_entries.select_related("organization").get()
    assert (entry.day, entry.submitter_name, entry.submitter_fullname) == (
        date(2026, 6, 1),
        "jasonrqh",
        "Qihan Ren",
    )
    org = entry.organization
    assert org is not None
    assert (org.name, org.fullname, org.approved) == ("ShanghaiAiLab", "shanghai ailab", True)
    assert org.avatar_url.startswith("https://www.gravatar.com/avatar/6cd2acf412ad")


def test_it_reads_a_json_array_plain_or_gzip_whatever_the_name(
    feed_dir: Path, tmp_path: Path
) -> None:
    items = [real_item(feed_dir, "2024-06", 142), real_item(feed_dir, "2025-06", 312)]
    array = orjson.dumps(items, option=orjson.OPT_INDENT_2)
    (tmp_path / "plain.json").write_bytes(b"\n" + array)
    (tmp_path / "packed.json").write_bytes(gzip.compress(array))
    (tmp_path / "lines.jsonl.gz").write_bytes(b"".join(orjson.dumps(i) + b"\n" for i in items))

    for name in ("plain.json", "packed.json", "lines.jsonl.gz"):
        stats = import_hf_daily([tmp_path / name], progress=False)
        assert stats.items == 2, name

    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {"2406.06263", "2506.19851"}
    assert DailyEntry.objects.count() == 2


def test_it_reimports_without_changes_and_never_lowers_upvotes(
    feed_dir: Path, tmp_path: Path
) -> None:
    item = real_item(feed_dir, "2026-06", 2)
    path = jsonl(tmp_path / "a.jsonl", item)
    import_hf_daily([path], progress=False)
    paper = Paper.objects.get()
    DailyEntry.objects.update(hidden=True)  # a moderator hid it

    again = import_hf_daily([path], progress=False)
    assert (again.papers_created, again.papers_updated) == (0, 0)
    assert (again.entries_created, again.entries_updated, again.upvotes_raised) == (0, 0, 0)
    assert Paper.objects.get().modified_at == paper.modified_at

    item["paper"]["upvotes"] = 12  # an older snapshot
    import_hf_daily([jsonl(tmp_path / "older.jsonl", item)], progress=False)
    assert Paper.objects.get().upvotes == 60
    item["paper"]["upvotes"] = 75
    item["paper"]["submittedOnDailyBy"]["fullname"] = "Q. Ren"
    newer = import_hf_daily([jsonl(tmp_path / "newer.jsonl", item)], progress=False)
    assert (newer.upvotes_raised, newer.entries_updated) == (1, 1)
    assert Paper.objects.get().upvotes == 75
    entry = DailyEntry.objects.get()
    assert (entry.submitter_fullname, entry.hidden) == ("Q. Ren", True)


def test_it_puts_an_item_without_list_date_on_its_day_in_the_feed_time_zone(
    feed_dir: Path, tmp_path: Path, settings: Any
) -> None:
    settings.PAPERWIRE_TIMEZONE = "America/New_York"
    items = [
        real_item(feed_dir, "2025-10", 3),  # submittedOnDailyAt 2025-10-01T01:11:27.179Z
        real_item(feed_dir, "2024-05", 1),  # publishedAt 2024-05-27T03:50:58.348Z
        real_item(feed_dir, "2026-06", 2),  # submittedOnDailyAt 2026-06-01T00:00:00.000Z
    ]
    for item in items:
        del item["_list_date"]

    import_hf_daily([jsonl(tmp_path / "a.jsonl", *items)], progress=False)

    days = dict(DailyEntry.objects.values_list("paper__arxiv_id", "day"))
    assert days == {
        "2509.26536": date(2025, 9, 30),
        "2405.15738": date(2024, 5, 26),
        # Midnight UTC is how Hugging Face writes a bare date: it stays that day.
        "2605.31264": date(2026, 6, 1),
    }


def test_it_cleans_links_and_drops_what_is_not_a_web_link(feed_dir: Path, tmp_path: Path) -> None:
    broken, spaced = real_item(feed_dir, "2025-10", 156), real_item(feed_dir, "2025-03", 158)
    broken["paper"]["projectPage"] = "javascript:alert(1)"
    import_hf_daily([jsonl(tmp_path / "a.jsonl", broken, spaced)], progress=False)

    paper = Paper.objects.get(arxiv_id="2510.05342")  # its link has a line break in the file
    assert paper.code_url == (
        "https://github.com/sirano1004/Margin-Apative-Direct-Preference-Optimization"
    )
    assert paper.project_url == ""
    assert Paper.objects.get(arxiv_id="2503.11646").project_url == (
        "https://sites.google.com/view/adc-robot"
    )


def test_it_leaves_an_entry_submitted_here_as_it_is(feed_dir: Path, tmp_path: Path) -> None:
    item = real_item(feed_dir, "2025-06", 312)
    path = jsonl(tmp_path / "a.jsonl", item)
    import_hf_daily([path], progress=False)
    DailyEntry.objects.update(source="local", submitter_name="alice")

    stats = import_hf_daily([path], progress=False)

    assert (stats.entries_created, stats.entries_updated) == (0, 0)
    entry = DailyEntry.objects.get()
    assert (entry.source, entry.submitter_name) == ("local", "alice")


def test_it_names_the_line_of_malformed_json_and_keeps_its_batch_out(
    feed_dir: Path, tmp_path: Path
) -> None:
    good = [orjson.dumps(real_item(feed_dir, "2024-06", n)) for n in (1, 2, 3)]
    path = tmp_path / "broken.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join([*good, b'{"paper": {"id": "2406.0']) + b"\n"))

    with pytest.raises(RecordError, match=r"^broken\.jsonl\.gz:4: not valid JSON") as error:
        import_hf_daily([path], batch_size=2, progress=False)

    assert "2 items before it were" in str(error.value)
    # The first batch (lines 1-2) is in; the one holding line 4 (lines 3-4) is not.
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == ["2405.21060", "2405.21075"]
    assert DailyEntry.objects.count() == 2


def test_it_names_the_array_index_of_an_item_it_cannot_use(feed_dir: Path, tmp_path: Path) -> None:
    bad = real_item(feed_dir, "2024-06", 2)
    bad["paper"]["id"] = "2406.99"
    path = tmp_path / "items.json"
    path.write_bytes(orjson.dumps([real_item(feed_dir, "2024-06", 1), bad]))

    with pytest.raises(RecordError, match=r"^items\.json\[1\]: paper\.id: '2406\.99' is not"):
        import_hf_daily([path], progress=False)

    assert not Paper.objects.exists()


def test_the_command_imports_files_and_prints_one_line(feed_dir: Path, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "a.jsonl", real_item(feed_dir, "2026-06", 2))
    out = StringIO()

    call_command("import-hf-daily", str(path), "--no-progress", stdout=out)

    assert out.getvalue() == (
        "1 items: 1 papers created, 0 updated; 1 feed entries created, 0 updated, "
        "on 1 feed days; 1 organizations (1 new); upvotes raised on 1 papers\n"
    )


def test_the_command_fails_with_one_line_on_bad_input(feed_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"missing\.jsonl: no such file$") as missing:
        call_command("import-hf-daily", str(tmp_path / "missing.jsonl"), "--no-progress")
    assert missing.value.returncode != 0

    path = tmp_path / "bad.jsonl"
    path.write_bytes(orjson.dumps(real_item(feed_dir, "2024-06", 1)) + b"\nnot json\n")
    with pytest.raises(CommandError, match=r"^bad\.jsonl:2: not valid JSON") as bad:
        call_command("import-hf-daily", str(path), "--no-progress")
    assert bad.value.returncode != 0 and "\n" not in str(bad.value)
    assert not Paper.objects.exists()
