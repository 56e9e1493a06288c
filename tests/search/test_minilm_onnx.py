"""The int8 export: made once from the packaged weights, then reused by every process."""

import multiprocessing
from pathlib import Path

import pytest
from django.conf import settings

from paperwire.search import minilm_onnx


def test_the_export_is_kept_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    directory = settings.SEARCH_MODEL_DIR
    exported = minilm_onnx.ensure_exported(directory)  # made now, or by an earlier process

    def export_again(scratch: Path, target: Path) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(minilm_onnx, "_export", export_again)
    assert minilm_onnx.ensure_exported(directory) == exported
    assert exported.name == minilm_onnx.exported_name()
    assert exported.stat().st_size > 10_000_000
    assert not list(directory.glob(".export-*"))  # no scratch left behind


def _ensure(directory: str) -> None:
    minilm_onnx.ensure_exported(Path(directory))


def test_two_processes_exporting_at_once_make_one_file(tmp_path: Path) -> None:
    """The slow path for real: two processes race to export into an empty directory."""
    context = multiprocessing.get_context("spawn")
    racers = [context.Process(target=_ensure, args=(str(tmp_path),)) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=300)

    assert [racer.exitcode for racer in racers] == [0, 0]
    assert [p.name for p in tmp_path.glob("*.onnx")] == [minilm_onnx.exported_name()]
    assert not list(tmp_path.glob(".export-*"))
