"""Every test passes at any hour of any day: the time-sensitive tests run again in a subprocess whose
clock says 05:00 in Japan, and 23:59 in Japan on a national holiday (勤労感謝の日), under Debian's
``faketime``. The product reads time only through ``faq.clock`` (tests inject a FixedClock); these runs
catch a test or a module that still reads the real clock.

The time-sensitive tests are the desk hours and handoff, disaster mode, the console's "today" pages
(unanswered, dashboard, ticket queue), the login lockout, settings history and the retention purge.
``faketime`` is a test requirement (``apt-get install faketime``); without it this test fails.
The whole suite can be run the same way (the command is in docs/ARCHITECTURE.md, under clock.py).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EMBED_CACHE_FROM_ENV

# Time is kept by Python (faq.clock), never by the database (no SQL reads the server's clock), so the
# hour the code runs at is checked once, in the SQLite pass.
pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parents[1]

# (faketime's start moment in UTC, what it is in Japan)
MOMENTS = [
    ("2026-12-01 20:00:00", "2026-12-02 05:00 JST, a Wednesday before the desk opens"),
    ("2026-11-23 14:59:00", "2026-11-23 23:59 JST, 勤労感謝の日 (a national holiday)"),
]

TIME_SENSITIVE = [
    "tests/test_bot_handoff.py::test_desk_button_opens_a_waiting_ticket_inside_desk_hours",
    "tests/test_bot_handoff.py::test_fallback_then_desk_copies_the_conversation_into_the_ticket",
    "tests/test_bot_handoff.py::test_two_unresolved_in_a_row_opens_a_ticket",
    "tests/test_bot_handoff.py::test_after_a_ticket_the_unresolved_count_starts_afresh",
    "tests/test_bot_handoff.py::test_outside_desk_hours_the_ticket_is_kept_and_the_next_opening_given",
    "tests/test_bot_handoff.py::test_the_expected_wait_grows_with_the_queue_and_warns_near_closing",
    "tests/test_bot_handoff.py::test_desk_hours_rules",
    "tests/test_bot_disaster.py::test_the_disaster_desk_is_open_around_the_clock_unless_switched_off",
    "tests/test_console_unanswered.py::test_the_page_lists_groups_largest_first_in_the_date_range",
    "tests/test_console_unanswered.py::test_mark_a_group_handled_without_an_faq",
    "tests/test_console_dashboard.py::test_dashboard_numbers_per_japan_day",
    "tests/test_console_dashboard.py::test_dashboard_page_shows_charts_and_the_table",
    "tests/test_console_dashboard.py::test_every_page_warns_when_the_bot_answers_from_lexical_search_only",
    "tests/test_console_tickets.py::test_queue_lists_waiting_first_oldest_first_with_waiting_time_and_disaster_mark",
    "tests/test_console_auth.py::test_the_lock_ends_after_the_lock_time",
    "tests/test_settings.py::test_switching_stamps_the_clock_keeps_the_start_and_writes_history",
    "tests/test_purge_exchanges.py::test_purge_deletes_only_old_records_and_leaves_no_trace",
    "tests/test_purge_exchanges.py::test_closed_tickets_past_retention_are_deleted_open_ones_kept",
]


def _faketime() -> str:
    path = shutil.which("faketime")
    if path is None:
        pytest.fail("faketime が見つかりません。apt-get install faketime で入れてください / "
                    "faketime is not installed (apt-get install faketime): the any-hour check cannot run")
    return path


def _remove_stale_faketime_files(shm: Path = Path("/dev/shm")) -> None:
    """The faketime wrapper makes a semaphore and a shared-memory file named after its pid and removes them
    when it ends; a killed run leaves them behind, and a later wrapper that gets the same pid stops with
    "sem_open: File exists". Those of processes that no longer exist are removed."""
    for leftover in shm.glob("*faketime_*_*"):
        pid = leftover.name.rsplit("_", 1)[-1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            leftover.unlink(missing_ok=True)
        except PermissionError:   # alive, someone else's
            pass


def _env(embed_cache: Path) -> dict[str, str]:
    # TZ=UTC: faketime reads the start moment in local time. Monotonic time stays real, so timeouts
    # and servers' waits behave; started processes (gunicorn, scripts) inherit the faked clock and the
    # time.sleep work-around in tests/faketime/sitecustomize.py (see there).
    shim = str(ROOT / "tests" / "faketime")
    path = os.pathsep.join(p for p in (shim, os.environ.get("PYTHONPATH", "")) if p)
    # the run starts from a copy of this run's embedding cache (tests/conftest.py: shared_cache): the seed
    # FAQ's vectors are not what is checked here, and this run has computed them already
    return dict(os.environ, TZ="UTC", FAKETIME_DONT_FAKE_MONOTONIC="1", OMP_NUM_THREADS="1", PYTHONPATH=path,
                **{EMBED_CACHE_FROM_ENV: str(embed_cache)})


@pytest.mark.parametrize("moment, meaning", MOMENTS, ids=["0500-jst", "holiday-2359-jst"])
def test_time_sensitive_tests_pass_at_this_moment(moment, meaning, seed_index, shared_cache):
    faketime = _faketime()
    _remove_stale_faketime_files()
    env = _env(shared_cache)  # seed_index: the cache holds the seed FAQ's vectors
    probe = subprocess.run([faketime, moment, sys.executable, "-c",
                            "from datetime import datetime, timezone; print(datetime.now(timezone.utc).isoformat())"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert probe.stdout.startswith(moment[:10] + "T" + moment[11:16]), (meaning, probe.stdout, probe.stderr)
    result = subprocess.run([faketime, moment, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-W", "error::pytest.PytestUnhandledThreadExceptionWarning", *TIME_SENSITIVE],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, f"at {meaning}:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    passed = re.search(r"(\d+) passed", summary)
    # every selected test ran (parametrized ones count more than once) and none was skipped
    assert passed and int(passed.group(1)) >= len(TIME_SENSITIVE), summary
    assert "skipped" not in summary and "deselected" not in summary, summary


def test_leftovers_of_killed_faketime_runs_are_removed_and_live_ones_kept(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead, alive = ended.stdout.strip(), str(os.getpid())
    for pid in (dead, alive):
        (tmp_path / f"sem.faketime_sem_{pid}").write_bytes(b"")
        (tmp_path / f"faketime_shm_{pid}").write_bytes(b"")
    (tmp_path / "unrelated_shm").write_bytes(b"")
    _remove_stale_faketime_files(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"sem.faketime_sem_{alive}", f"faketime_shm_{alive}", "unrelated_shm"])
