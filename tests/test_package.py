"""The project installs as a package (pyproject.toml): the staff tools as commands, the data files inside
the wheel, `python scripts/<tool>.py` still working, and no code editing sys.path."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COMMANDS = {"faqctl": "FAQの登録・編集・検索", "staffctl": "職員画面のアカウント",
            "faqbot-broadcast": "一斉送信", "faqbot-purge": "保存期間を過ぎた会話記録"}


def test_staff_commands_are_installed_console_scripts():
    scripts = {ep.name: ep.value for ep in metadata.distribution("faqbot").entry_points
               if ep.group == "console_scripts"}
    assert set(COMMANDS) <= set(scripts)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_answers_help_from_any_directory(tmp_path, command):
    done = subprocess.run([str(BIN / command), "--help"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert COMMANDS[command] in done.stdout


def test_the_script_files_still_run_directly(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "faqctl.py"), "--help"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "build-index" in done.stdout


def test_a_data_error_exits_1_and_a_usage_error_2(tmp_path):
    faqctl = str(BIN / "faqctl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    done = subprocess.run([faqctl, "--db", str(tmp_path / "f.sqlite3"), "--no-index", "import", str(bad)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and done.stderr.startswith("取り込みを中止しました（何も変更していません）")
    assert "Traceback" not in done.stderr
    done = subprocess.run([faqctl, "no-such-command"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2


def test_the_wheel_carries_templates_static_files_and_the_seed_faq(tmp_path):
    src = tmp_path / "src"  # a copy: building in the worktree would leave build/ and *.egg-info behind
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "requirements.txt"):
        shutil.copy(ROOT / name, src / name)
    for package in ("bot", "faq", "index", "scripts"):
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                           "-w", str(tmp_path / "dist"), str(src)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    [wheel] = (tmp_path / "dist").glob("faqbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("bot/console/templates/console/base.html", "bot/console/static/console.css",
                     "bot/emulator/static/chat.html", "faq/seed/general.jsonl", "scripts/faqctl.py",
                     "index/prepare.py", "faq/smalltalk.yaml", "bot/richmenu/menus.yaml",
                     "bot/richmenu/images/normal.png", "bot/richmenu/images/disaster.png", "index/vocabulary.txt"):
        assert expected in names
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)


def test_no_code_edits_sys_path_and_no_test_imports_the_benchmarks():
    offenders, benchmark_imports = [], []
    files = [ROOT / "wsgi.py", *[p for d in ("bot", "faq", "index", "scripts", "tests", "benchmarks")
                                 for p in (ROOT / d).rglob("*.py")]]
    for path in files:
        text = path.read_text(encoding="utf-8")
        if re.search(r"sys\.path\.(insert|append)|sys\.path\s*=", text) and path != Path(__file__):
            offenders.append(str(path.relative_to(ROOT)))
        if path.parent.name == "tests" and re.search(r"^\s*(import|from)\s+(loadkit|bench_\w+|benchmarks)\b",
                                                    text, re.M):
            benchmark_imports.append(str(path.relative_to(ROOT)))
    assert offenders == [] and benchmark_imports == []
