"""Fuzzing the staff import (hypothesis, derandomized, bounded): CSV with broken quoting, stray NULs,
ragged rows and other encodings; JSONL with odd values and deep nesting; YAML with aliases and nesting;
random bytes. The reader returns valid entries or raises ValidationError (a clear message naming file
and line), never anything else; ``faqctl import`` exits 0 or 1, never with a traceback; and when it
refuses a file the database is byte-for-byte the same as before.

Inputs tried: run with ``--hypothesis-show-statistics`` (figures in docs/BENCHMARKS.md)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import seed_database
from line_testkit import database_bytes

from faq.formats import read_entries
from faq.model import CATEGORIES, RECORD_KEYS
from faq.store import FaqStore
from faq.validate import ValidationError
from scripts import faqctl


FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
ENCODINGS = ["utf-8", "utf-8-sig", "cp932", "utf-16", "euc-jp", "latin-1"]

any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None)
cell_text = st.one_of(
    st.sampled_from(["罹災証明書はどこで申請できますか？", "平日 8:30〜17:15 です。", "", " ", "true", "無効",
                     "https://example.jp/a", "contact", "general", "a|b|c", "質問\n言い換え", "ｺﾝﾋﾞﾆ交付"]),
    st.sampled_from(list(CATEGORIES)),
    st.text(any_char, max_size=30),
    st.text(st.sampled_from('",\n\r\x00\t\ufeff\u202e\ud800あ a'), max_size=12),
    st.builds(lambda c, n: c * n, st.sampled_from(["あ", '"', "\x00", "x"]), st.integers(1, 6000)),
)


@st.composite
def csv_files(draw) -> bytes:
    """A header (real, shuffled or broken) and rows whose cells may carry stray quotes and separators."""
    header = draw(st.one_of(st.just(list(RECORD_KEYS)), st.permutations(list(RECORD_KEYS)),
                            st.lists(st.sampled_from(list(RECORD_KEYS) + ["質問", "", "extra"]), max_size=10)))
    lines = [",".join(header)]
    for _ in range(draw(st.integers(0, 6))):
        cells = []
        for _ in range(draw(st.integers(0, len(header) + 2))):
            value = draw(cell_text)
            style = draw(st.sampled_from(["plain", "quoted", "broken", "half"]))
            if style == "quoted":
                value = '"' + value.replace('"', '""') + '"'
            elif style == "broken":
                value = '"' + value + '"x"'
            elif style == "half":
                value = '"' + value
            cells.append(value)
        lines.append(",".join(cells))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(ENCODINGS))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode(encoding, errors="replace") if not encoding.startswith("utf-8") \
            else text.encode("utf-8", errors="surrogatepass")  # invalid UTF-8 (lone surrogates)
    if draw(st.booleans()):  # truncate somewhere, possibly inside a multi-byte character
        data = data[:draw(st.integers(0, len(data)))]
    return data


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2 ** 70), 2 ** 70), st.floats(allow_nan=False), cell_text),
    lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(st.sampled_from(list(RECORD_KEYS) + ["x"]),
                                                                        kids, max_size=9)),
    max_leaves=15)


@st.composite
def jsonl_files(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["value", "record", "nested", "garbage"]))
        if kind == "value":
            lines.append(json.dumps(draw(json_values), ensure_ascii=draw(st.booleans())))
        elif kind == "record":
            record = {k: draw(cell_text) for k in draw(st.lists(st.sampled_from(list(RECORD_KEYS)), unique=True))}
            lines.append(json.dumps(record, ensure_ascii=True))
        elif kind == "nested":
            depth = draw(st.integers(1, 50_000))
            lines.append("[" * depth + "]" * depth)
        else:
            lines.append(draw(st.text(any_char, max_size=40)))
    return "\n".join(lines).encode("utf-8", errors="surrogatepass")


@st.composite
def yaml_files(draw) -> bytes:
    kind = draw(st.sampled_from(["records", "aliases", "nested", "text"]))
    if kind == "records":
        import yaml
        records = [{k: draw(cell_text) for k in draw(st.lists(st.sampled_from(list(RECORD_KEYS)), unique=True))}
                   for _ in range(draw(st.integers(0, 4)))]
        text = yaml.safe_dump(draw(st.sampled_from([records, {"entries": records}, records[:1] or None])),
                              allow_unicode=True)
    elif kind == "aliases":  # "billion laughs": shared references, never expanded
        n = draw(st.integers(1, 9))
        text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        for i in range(1, n):
            text += f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]\n"
        text += f"entries:\n  - question: *{chr(96 + n)}\n    answer: x\n"
    elif kind == "nested":  # PyYAML is slow on deep nesting (~1 s): deeper cases are a test of their own
        depth = draw(st.integers(1, 200))
        text = "[" * depth + "]" * depth
    else:
        text = draw(st.text(any_char, max_size=80))
    return text.encode("utf-8", errors="surrogatepass")


any_file = st.one_of(csv_files().map(lambda b: ("csv", b)), jsonl_files().map(lambda b: ("jsonl", b)),
                     yaml_files().map(lambda b: ("yaml", b)),
                     st.tuples(st.sampled_from(["csv", "jsonl", "yaml"]), st.binary(max_size=3000)))


# ------------------------------------------------------------------ reader
@settings(FUZZ, max_examples=600)
@given(any_file)
def test_reader_returns_entries_or_a_validation_error(tmp_path, item):
    fmt, data = item
    path = tmp_path / f"faq.{fmt}"
    path.write_bytes(data)
    try:
        entries = read_entries(path)
    except ValidationError as exc:
        assert exc.problems, "a ValidationError must name at least one problem"
        for problem in exc.problems:
            assert problem.source == path.name and problem.ja and problem.en
        return
    for entry in entries:
        assert entry.question and entry.answer and entry.category in CATEGORIES


@pytest.mark.parametrize("fmt, text", [("yaml", "[" * 5000 + "]" * 5000), ("yaml", "- " * 3000 + "x"),
                                       ("jsonl", "[" * 100_000 + "]" * 100_000),
                                       ("jsonl", '{"question":' * 2000 + "1" + "}" * 2000)],
                         ids=["yaml-flow", "yaml-block", "jsonl-array", "jsonl-object"])
def test_deeply_nested_files_are_a_validation_error(tmp_path, fmt, text):
    path = tmp_path / f"deep.{fmt}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_entries(path)
    assert str(caught.value).startswith("deep." + fmt) and "入れ子が深すぎます" in str(caught.value)


# ------------------------------------------------------------------ faqctl import
@pytest.fixture(scope="module")
def cli_db(tmp_path_factory, seed_entries):
    db = tmp_path_factory.mktemp("fuzz-import") / "faq.sqlite3"
    seed_database(db, seed_entries[:20])
    return db


class Importer:
    def __init__(self, db: Path, work: Path):
        self.db, self.work, self.runner = db, work, CliRunner()
        self.outcomes: dict[int, int] = {}

    def run(self, fmt: str, data: bytes, *extra: str):
        path = self.work / f"upload.{fmt}"
        path.write_bytes(data)
        before = database_bytes(self.db)
        result = self.runner.invoke(faqctl.cli, ["--db", str(self.db), "--no-index", "import", str(path), *extra])
        self.outcomes[result.exit_code] = self.outcomes.get(result.exit_code, 0) + 1
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 1:
            assert "何も変更していません" in result.output and "nothing changed" in result.output
            assert database_bytes(self.db) == before, "a refused import changed the database"
        return result


@pytest.fixture(scope="module")
def importer(cli_db, tmp_path_factory):
    return Importer(cli_db, tmp_path_factory.mktemp("fuzz-upload"))


@settings(FUZZ, max_examples=250)
@given(item=any_file, replace=st.booleans())
def test_faqctl_import_refuses_cleanly_and_changes_nothing(importer, item, replace):
    fmt, data = item
    importer.run(fmt, data, *(["--replace"] if replace else []))


def test_a_valid_file_after_the_fuzzing_still_imports(importer, cli_db):
    row = {"id": "fuzz-after", "question": "粗大ごみはどう出しますか？", "answer": "電話で申し込んでください。",
           "category": "general"}
    result = importer.run("jsonl", (json.dumps(row, ensure_ascii=False) + "\n").encode())
    assert result.exit_code == 0, result.output
    store = FaqStore.open(cli_db)
    try:
        assert store.get("fuzz-after").answer == "電話で申し込んでください。"
    finally:
        store.close()
    assert importer.outcomes.get(1, 0) > 100 and sum(importer.outcomes.values()) >= 251
