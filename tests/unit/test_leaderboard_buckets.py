"""Score buckets keep the order of scores and know their bounds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from questline.leaderboards.buckets import bucket_of, bucket_top

SCORES = st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1)


@given(SCORES, SCORES)
def test_a_higher_score_is_never_in_a_lower_bucket(a: int, b: int) -> None:
    if a <= b:
        assert bucket_of(a) <= bucket_of(b)


@given(SCORES)
def test_a_bucket_s_top_is_its_highest_score(
    score: int,
) -> None:
    bucket = bucket_of(score)
    top = bucket_top(bucket)
    assert score <= top
    assert bucket_of(top) == bucket
    if top < 2**63 - 1:
        assert bucket_of(top + 1) > bucket


def test_buckets_are_exact_below_256_and_few_overall() -> None:
    assert [bucket_of(s) for s in (0, 1, 255)] == [0, 1, 255]
    assert bucket_of(2**63 - 1) < 7500
    assert bucket_of(-(2**63) + 1) > -7500
