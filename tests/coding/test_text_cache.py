"""The transcript texts a web process keeps: bounded, and only for their version."""

from __future__ import annotations

from coding.text_cache import TextCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_text_is_given_only_for_the_version_it_was_read_with():
    texts = TextCache(max_chars=100, max_idle=60)
    assert not texts.holds(1)
    texts.keep(1, "7/(0,1)", "De stad")
    assert texts.holds(1)
    assert texts.text(1, "7/(0,1)") == "De stad"
    # Another version: not given, and no longer kept.
    assert texts.text(1, "9/(0,2)") is None
    assert not texts.holds(1)
    assert texts.text(2, "7/(0,1)") is None


def test_the_least_recently_used_go_first_beyond_the_bound():
    texts = TextCache(max_chars=40, max_idle=60)
    for document_id in (1, 2, 3):
        texts.keep(document_id, "v", "x" * 10)
    assert texts.text(1, "v") == "x" * 10  # 1 is now the most recently used
    texts.keep(4, "v", "y" * 10)
    texts.keep(5, "v", "z" * 10)  # 50 characters: 2 goes, the least recent
    assert [texts.holds(i) for i in (1, 2, 3, 4, 5)] == [True, False, True, True, True]
    texts.keep(3, "w", "k" * 5)  # a new version replaces the old one
    assert texts.text(3, "w") == "k" * 5
    # Too long for a quarter of the bound: read, but not kept.
    texts.keep(6, "v", "q" * 11)
    assert not texts.holds(6)


def test_a_text_unused_for_max_idle_seconds_is_dropped():
    clock = Clock()
    texts = TextCache(max_chars=100, max_idle=60, clock=clock)
    texts.keep(1, "v", "een")
    texts.keep(2, "v", "twee")
    clock.now = 50
    assert texts.text(2, "v") == "twee"
    clock.now = 61
    assert not texts.holds(1)
    assert texts.holds(2)
    clock.now = 111
    assert not texts.holds(2)


def test_nothing_is_kept_with_a_bound_of_zero():
    texts = TextCache(max_chars=0, max_idle=60)
    texts.keep(1, "v", "De stad")
    assert not texts.holds(1)
