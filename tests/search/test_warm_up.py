"""The web server loads the embedding model in the background when it starts."""

import pytest

from paperwire.search import apps, dense


@pytest.mark.parametrize(
    ("argv", "environ", "serving"),
    [
        (["paperwire", "runserver"], {"RUN_MAIN": "true"}, True),  # the reloader's child
        (["paperwire", "runserver", "--noreload"], {}, True),
        (["paperwire", "runserver"], {}, False),  # the reloader's parent serves nothing
        (["paperwire", "reindex"], {"RUN_MAIN": "true"}, False),
        (["paperwire"], {}, False),
    ],
)
def test_only_the_serving_process_warms_up(
    argv: list[str], environ: dict[str, str], serving: bool
) -> None:
    assert apps.serving_web(argv, environ) is serving


def test_the_warm_up_loads_the_model(
    embedder: dense.Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dense, "_embedder", None)

    apps.start_warm_up().join(timeout=60)

    assert dense._embedder is not None


def test_a_failed_warm_up_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise OSError("no model files")

    monkeypatch.setattr(dense, "get_embedder", broken)

    apps.start_warm_up().join(timeout=10)

    assert "loading the embedding model in the background failed" in caplog.text
