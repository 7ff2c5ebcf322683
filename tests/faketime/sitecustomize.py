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

# The PostgreSQL test pass maps SQLite files to schemas in started processes too, and the
# no_database guard watches them (only one sitecustomize is loaded, so this one chains to it).
if any(__import__("os").environ.get(v) for v in ("FAQBOT_TEST_PG_SESSION_URL", "FAQBOT_TEST_NO_DATABASE_LOG")):
    import importlib.util as _util
    from pathlib import Path as _Path
    _spec = _util.spec_from_file_location(
        "faqbot_pgmap", _Path(__file__).resolve().parents[1] / "pgmap" / "sitecustomize.py")
    _spec.loader.exec_module(_util.module_from_spec(_spec))
