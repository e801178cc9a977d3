"""`core.gathering`: a hook's work gathered over a block, done once at its end."""

import pytest

from filrouge.core.gathering import gather, gathering


def test_outside_a_block_nothing_is_gathered():
    assert gather(print, [1]) is False


def test_a_block_runs_each_function_once_with_everything_gathered_in_order():
    calls = []

    def first(items):
        calls.append(("first", items))

    def second(items):
        calls.append(("second", items))

    with gathering():
        assert gather(first, [1, 2])
        assert gather(second, ["a"])
        with gathering():  # an inner block belongs to the outer one
            assert gather(first, [3])
        assert calls == []
    assert calls == [("first", [1, 2, 3]), ("second", ["a"])]
    assert gather(first, [4]) is False  # closed


def test_a_block_that_raises_runs_nothing_and_closes():
    calls = []

    def failing_batch():
        with gathering():
            gather(calls.append, [1])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing_batch()
    assert calls == []
    assert gather(calls.append, [2]) is False


def test_work_gathered_while_flushing_is_done_at_once():
    calls = []

    def outer(items):
        calls.append(("outer", items))
        assert gather(inner, ["x"]) is False  # the block is closed: the caller does it now

    def inner(items):
        calls.append(("inner", items))

    with gathering():
        gather(outer, [1])
    assert calls == [("outer", [1])]
