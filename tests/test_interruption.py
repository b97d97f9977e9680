"""Tests of ffnn.interruption: Ctrl-C as a request, nested blocks."""

import os
import signal

import pytest

from ffnn.interruption import Interruption


def test_a_request_in_an_inner_block_reaches_the_outer_one():
    before = signal.getsignal(signal.SIGINT)
    with Interruption() as outer:
        with Interruption() as inner:
            os.kill(os.getpid(), signal.SIGINT)
            assert inner.requested
        assert outer.requested  # told when the inner block ended
        with Interruption() as later:
            assert later.requested  # a block begun after the request knows it
    assert signal.getsignal(signal.SIGINT) is before


def test_a_second_request_interrupts_at_once():
    with pytest.raises(KeyboardInterrupt), Interruption():
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
