"""`make test` on a fresh machine: scripts/test-prerequisites.sh installs chromium, chromium-driver, the
IPA Gothic font and faketime when missing and it can, or stops before the suite with one line saying what
to install. The tools' paths and the installer are pointed at stand-ins (real processes, real make)."""
from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "test-prerequisites.sh"


def executable(path: Path, body: str = "exit 0\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def tools(tmp: Path, *, missing: tuple[str, ...] = ()) -> dict:
    """Environment pointing the check at stand-in tools under tmp/tools; `missing` ones do not exist."""
    paths = {"FAQBOT_TEST_CHROMIUM": tmp / "tools" / "chromium",
             "FAQBOT_TEST_CHROMEDRIVER": tmp / "tools" / "chromedriver",
             "FAQBOT_TEST_FONT": tmp / "tools" / "ipag.ttf",
             "FAQBOT_TEST_FAKETIME": tmp / "tools" / "faketime",
             "FAQBOT_TEST_INITDB": tmp / "tools" / "initdb"}
    for name, path in paths.items():
        if name not in missing:
            executable(path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_TEST_")}
    env.update({k: str(v) for k, v in paths.items()})
    return env


def run(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120)


def test_nothing_missing_means_nothing_to_do(tmp_path):
    env = tools(tmp_path)
    env["FAQBOT_TEST_INSTALLER"] = str(executable(tmp_path / "apt-get", "echo called >> \"$0.log\"\nexit 1\n"))
    done = run(env)
    assert done.returncode == 0 and done.stderr == ""
    assert not (tmp_path / "apt-get.log").exists()


def test_without_a_way_to_install_it_stops_with_one_line_naming_the_packages(tmp_path):
    env = tools(tmp_path, missing=("FAQBOT_TEST_CHROMIUM", "FAQBOT_TEST_FAKETIME"))
    env["FAQBOT_TEST_INSTALLER"] = ""  # not root, no passwordless sudo
    done = run(env)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("テストに必要なパッケージがありません")
    assert lines[0].endswith("sudo apt-get install -y chromium faketime")


def test_missing_tools_are_installed_when_it_can(tmp_path):
    env = tools(tmp_path, missing=("FAQBOT_TEST_CHROMEDRIVER", "FAQBOT_TEST_FONT"))
    # a stand-in apt-get: records its arguments and "installs" by creating the missing files
    installer = executable(tmp_path / "apt-get", f"""echo "$@" >> "{tmp_path}/apt.log"
if [ "$1" = install ]; then
  printf '#!/bin/sh\\n' > "{env['FAQBOT_TEST_CHROMEDRIVER']}"; chmod +x "{env['FAQBOT_TEST_CHROMEDRIVER']}"
  touch "{env['FAQBOT_TEST_FONT']}"
fi
""")
    env["FAQBOT_TEST_INSTALLER"] = str(installer)
    done = run(env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "apt.log").read_text().splitlines() == [
        "update -qq", "install -y -qq chromium-driver fonts-ipafont-gothic"]


def test_a_failed_install_stops_before_the_suite(tmp_path):
    env = tools(tmp_path, missing=("FAQBOT_TEST_CHROMIUM",))
    env["FAQBOT_TEST_INSTALLER"] = str(executable(tmp_path / "apt-get", "exit 100\n"))  # e.g. no network
    done = run(env)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].endswith("sudo apt-get install -y chromium")


def fake_venv(tmp: Path) -> Path:
    """A "virtualenv" whose python only records that the suite was started (its arguments and the
    database URL of the PostgreSQL pass, after checking that the server answers), prints a line naming
    its pass, and exits with $FAKE_EXIT_SQLITE or $FAKE_EXIT_POSTGRES (default 0)."""
    venv = tmp / "venv"
    executable(venv / "bin" / "python", f"""url=${{FAQBOT_TEST_DATABASE_URL:-}}
if [ -n "$url" ]; then {sys.executable} -c 'import psycopg, sys; psycopg.connect(sys.argv[1]).close()' "$url" || url=down; fi
echo "$* | $url" >> "{tmp}/suite-started"
if [ -n "$url" ]; then echo "fake postgres pass output"; exit ${{FAKE_EXIT_POSTGRES:-0}}; fi
echo "fake sqlite pass output"; exit ${{FAKE_EXIT_SQLITE:-0}}
""")
    (venv / ".installed").touch()  # newer than requirements*.txt and pyproject.toml: nothing to install
    return venv


def make_test(tmp: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "-C", str(ROOT), "test", f"VENV={fake_venv(tmp)}"], env=env,
                          capture_output=True, text=True, timeout=120)


def test_make_test_stops_before_the_suite_when_tools_are_missing(tmp_path):
    env = tools(tmp_path, missing=("FAQBOT_TEST_CHROMIUM",))
    env["FAQBOT_TEST_INSTALLER"] = ""
    done = make_test(tmp_path, env)
    assert done.returncode != 0
    assert "sudo apt-get install -y chromium" in done.stderr
    assert not (tmp_path / "suite-started").exists()


def test_make_test_runs_the_suite_on_sqlite_and_on_a_throwaway_postgresql(tmp_path):
    env = tools(tmp_path)
    done = make_test(tmp_path, env)
    assert done.returncode == 0, done.stderr
    started = (tmp_path / "suite-started").read_text().splitlines()
    assert len(started) == 2
    # the two passes run at the same time, so in either order; each has a pytest temporary directory of its own
    sqlite = next(line for line in started if line.endswith(" | "))
    args, url = next(line for line in started if not line.endswith(" | ")).split(" | ")
    sqlite_temp = re.fullmatch(r"-m pytest -q --basetemp=(\S+/sqlite) \| ", sqlite).group(1)
    postgres_temp = re.fullmatch(r"-m pytest -q --basetemp=(\S+/postgres) -m not sqlite_only", args).group(1)
    assert Path(sqlite_temp).parent == Path(postgres_temp).parent
    assert not Path(sqlite_temp).parent.exists()  # removed at the end
    assert url.startswith("postgresql://postgres@127.0.0.1:")
    # each pass's output, one after the other
    assert done.stdout.index("===== SQLite pass (exit 0) =====") < done.stdout.index("fake sqlite pass output") \
        < done.stdout.index("===== PostgreSQL pass (exit 0) =====") < done.stdout.index("fake postgres pass output")
    # the throwaway cluster is gone: its directory removed, nothing listens on its port
    port = int(url.split(":")[2].split("/")[0])
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    cluster = re.search(r"127\.0\.0\.1:\d+ in (\S+) ", done.stdout).group(1)
    assert "faqbot-pg." in cluster and not Path(cluster).exists()


@pytest.mark.parametrize("failing", ["SQLITE", "POSTGRES"])
def test_make_test_fails_when_either_pass_fails_and_shows_both(tmp_path, failing):
    env = tools(tmp_path)
    env[f"FAKE_EXIT_{failing}"] = "3"
    done = make_test(tmp_path, env)
    assert done.returncode != 0
    sqlite_exit, postgres_exit = ("3", "0") if failing == "SQLITE" else ("0", "3")
    assert f"===== SQLite pass (exit {sqlite_exit}) =====" in done.stdout
    assert f"===== PostgreSQL pass (exit {postgres_exit}) =====" in done.stdout
    assert "fake sqlite pass output" in done.stdout and "fake postgres pass output" in done.stdout
    assert f"SQLite pass exit {sqlite_exit}, PostgreSQL pass exit {postgres_exit}" in done.stderr
