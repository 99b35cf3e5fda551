"""Score buckets: a rank in the database without counting the whole board.

A player's rank needs how many players score higher. Counting index entries for that
grows with the board (half a million for a player in the middle of a million), so each
board run also keeps how many players it has per *bucket* of scores: what scores higher
is the sum over the buckets above, plus a count inside the player's own bucket.

Buckets keep 8 significant bits: every score below 256 is a bucket of its own, and above
that a bucket spans 1/128 to 1/256 of its scores' magnitude. So any board has at most
about 7,400 buckets per sign, and a bucket is narrow wherever scores are.
"""

from __future__ import annotations

_EXACT = 256  # scores below this are each their own bucket


def bucket_of(score: int) -> int:
    """A key that never decreases as the score grows (the same order as scores)."""
    if score < 0:
        return -_magnitude_bucket(-score) - 1
    return _magnitude_bucket(score)


def bucket_top(bucket: int) -> int:
    """The highest score in a bucket."""
    if bucket < 0:
        return -_magnitude_low(-bucket - 1)
    return _magnitude_high(bucket)


def _magnitude_bucket(value: int) -> int:
    if value < _EXACT:
        return value
    bits = value.bit_length()  # 9 or more
    top = value >> (bits - 8)  # the 8 leading bits, 128..255
    return _EXACT + (bits - 9) * 128 + (top - 128)


def _split(bucket: int) -> tuple[int, int]:
    bits, offset = divmod(bucket - _EXACT, 128)
    return bits + 9, offset + 128


def _magnitude_low(bucket: int) -> int:
    if bucket < _EXACT:
        return bucket
    bits, top = _split(bucket)
    return top << (bits - 8)


def _magnitude_high(bucket: int) -> int:
    if bucket < _EXACT:
        return bucket
    bits, top = _split(bucket)
    return ((top + 1) << (bits - 8)) - 1
