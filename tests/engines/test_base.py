"""Tests of ffnn.engines.base: the batch order both engines share."""

import numpy as np

from ffnn.engines.base import BatchOrder


def test_batches_cover_every_row_once_with_a_short_last_one():
    order = BatchOrder(10, 4, shuffle=True)
    assert order.sizes == {4, 2}
    rng = np.random.default_rng(0)
    first = [index.copy() for index in order.epoch(rng)]
    second = [index.copy() for index in order.epoch(rng)]
    assert [len(index) for index in first] == [4, 4, 2]
    for epoch in (first, second):
        assert sorted(np.concatenate(epoch)) == list(range(10))
    assert not all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_no_shuffle_or_one_batch_keeps_the_rows_in_order():
    rng = np.random.default_rng(0)
    for order in (BatchOrder(6, 4, shuffle=False), BatchOrder(6, 6, shuffle=True)):
        rows = np.concatenate(list(order.epoch(rng)))
        assert list(rows) == list(range(6))
        assert not order.shuffle or order.sizes == {6}


def test_gathered_batches_carry_their_rows_into_buffers_of_their_size():
    class Rows:
        def __init__(self, m):
            self.X, self.y, self.m = np.empty((m, 2)), np.empty(m, dtype=int), m

    X = np.arange(14.0).reshape(7, 2)
    y = np.arange(7)
    order = BatchOrder(7, 3, shuffle=True)
    by_size = {m: Rows(m) for m in order.sizes}
    seen = []
    for batch in order.gathered(np.random.default_rng(1), {"X": X, "y": y}, by_size):
        assert batch is by_size[batch.m]
        np.testing.assert_array_equal(batch.X[:, 0], 2 * batch.y)  # rows intact
        seen += list(batch.y)
    assert sorted(seen) == list(range(7))
