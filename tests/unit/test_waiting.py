from __future__ import annotations

import threading

import pytest

from sknpay_harness.errors import WaitTimeout
from sknpay_harness.waiting import Deadline, wait_until


def test_returns_at_once_when_the_thing_is_already_there():
    cond = threading.Condition()
    assert wait_until(cond, lambda: "here", 0.001, lambda: "unused") == "here"


def test_wakes_on_notify_from_another_thread():
    cond, box = threading.Condition(), []

    def produce():
        with cond:
            box.append("event")
            cond.notify_all()

    threading.Thread(target=produce).start()
    assert wait_until(cond, lambda: box[0] if box else None, 5, lambda: "never") == "event"


def test_timeout_raises_with_the_description_built_at_that_moment():
    cond, seen = threading.Condition(), ["a", "b"]
    with pytest.raises(WaitTimeout, match=r"expected x; saw a, b"):
        wait_until(cond, lambda: None, 0.01, lambda: "expected x; saw " + ", ".join(seen))


def test_predicate_may_abort_early():
    with pytest.raises(ValueError, match="stop"):
        wait_until(threading.Condition(), lambda: (_ for _ in ()).throw(ValueError("stop")), 5, str)


def test_deadline_never_goes_negative():
    now = [100.0]
    d = Deadline(1.0, clock=lambda: now[0])
    assert d.remaining() == 1.0 and not d.expired
    now[0] = 200.0
    assert d.remaining() == 0.0 and d.expired
