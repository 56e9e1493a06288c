import pytest

from paperwire.search.fusion import fuse, normalized_score_fusion, reciprocal_rank_fusion


def test_rrf_adds_one_over_k_plus_rank_from_every_run() -> None:
    fused = reciprocal_rank_fusion([[(1, 9.0), (2, 5.0)], [(2, 0.9), (3, 0.8)]], k=60)

    assert [pk for pk, _ in fused] == [2, 1, 3]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1][1] == pytest.approx(1 / 61)
    assert fused[2][1] == pytest.approx(1 / 62)


def test_rrf_ignores_scores_only_ranks_count() -> None:
    a = reciprocal_rank_fusion([[(1, 1000.0), (2, 0.1)], [(2, 1.0)]])
    b = reciprocal_rank_fusion([[(1, 1.0), (2, 0.9)], [(2, 1.0)]])

    assert a == b


def test_weighted_rrf_favours_the_heavier_run() -> None:
    runs = [[(1, 1.0)], [(2, 1.0)]]

    assert fuse(runs, "rrf", alpha=0.7)[0][0] == 1
    assert fuse(runs, "rrf", alpha=0.3)[0][0] == 2


def test_ties_keep_the_order_papers_were_first_seen() -> None:
    fused = reciprocal_rank_fusion([[(5, 1.0)], [(7, 1.0)]])

    assert [pk for pk, _ in fused] == [5, 7]


def test_minmax_fusion_is_a_weighted_sum_of_scores_scaled_to_0_1() -> None:
    lexical = [(1, 10.0), (2, 6.0), (3, 2.0)]
    dense = [(3, 0.9), (4, 0.5)]

    fused = dict(normalized_score_fusion([lexical, dense], weights=[0.5, 0.5]))

    assert fused[1] == pytest.approx(0.5 * 1.0 + 0.5 * 0.0)
    assert fused[2] == pytest.approx(0.5 * 0.5)
    assert fused[3] == pytest.approx(0.5 * 0.0 + 0.5 * 1.0)
    assert fused[4] == pytest.approx(0.0)


def test_zscore_fusion_counts_a_missing_paper_as_the_runs_lowest_score() -> None:
    fused = dict(
        normalized_score_fusion([[(1, 3.0), (2, 1.0)], [(3, 5.0)]], normalization="zscore")
    )

    # Run one: mean 2, spread 1 -> z = +1, -1; run two has one score: z = 0 for all.
    assert fused[1] == pytest.approx(1.0 + 0.0)
    assert fused[2] == pytest.approx(-1.0 + 0.0)
    assert fused[3] == pytest.approx(-1.0 + 0.0)


def test_fusing_nothing_gives_nothing() -> None:
    assert reciprocal_rank_fusion([[], []]) == []
    assert normalized_score_fusion([[], []]) == []


def test_a_single_run_keeps_its_order() -> None:
    run = [(3, 0.9), (1, 0.5), (2, 0.1)]

    assert [pk for pk, _ in fuse([run], "minmax")] == [3, 1, 2]
    assert [pk for pk, _ in fuse([run], "rrf")] == [3, 1, 2]


def test_unknown_methods_and_mismatched_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="normalization"):
        fuse([[(1, 1.0)]], "borda")
    with pytest.raises(ValueError, match="weights"):
        reciprocal_rank_fusion([[(1, 1.0)]], weights=[0.5, 0.5])


def test_min_max_ranks_the_only_match_of_one_run_above_what_that_run_missed() -> None:
    words = [(5, 4.6)]
    meaning = [(1, 0.20), (3, 0.13), (5, 0.05)]

    fused = fuse([words, meaning], "minmax", alpha=0.6)

    assert fused[0][0] == 5
