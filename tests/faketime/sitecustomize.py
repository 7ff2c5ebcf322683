"""Loaded (via PYTHONPATH) only by the runs under ``faketime`` (tests/test_any_hour.py).

libfaketime 0.9.10 (Debian 12) with FAKETIME_DONT_FAKE_MONOTONIC=1 shifts the absolute deadline that
CPython's ``time.sleep`` gives ``clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)`` by the fake offset,
and the call fails with EINVAL. Faking the monotonic clock instead makes lock and event timeouts hang.
So monotonic time stays real and ``time.sleep`` waits in ``select`` (a relative timeout) here.
"""
import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


time.sleep = _sleep
