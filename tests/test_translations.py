"""FAQ translations: import/export in every format, validation, the content hash, history and undo."""
import hashlib
import json

import pytest

from faq.db import open_db
from faq.formats import read_entries, write_entries
from faq.model import FaqEntry, Translation
from faq.store import FaqStore
from faq.validate import ValidationError

BASE = {"id": "risai-1", "question": "罹災証明書はどうやって申請しますか?", "answer": "市役所の窓口か電子申請で申請できます。",
        "category": "disaster-support", "alt_questions": ["りさい証明"], "url": None, "department": "税務課",
        "tags": [], "active": True}
EN = {"question": "How do I apply for a disaster damage certificate?",
      "answer": "Apply at the city office or online.", "checked": False}
VI = {"question": "Làm thế nào để xin giấy chứng nhận thiệt hại?", "answer": "Nộp đơn tại tòa thị chính.",
      "checked": True}


def translated(**more):
    return FaqEntry(**{**BASE, "translations": {"en": EN, "vi": VI, **more}})


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "yaml"])
def test_translations_round_trip_in_every_format(tmp_path, suffix):
    entries = [translated(), FaqEntry(**{**BASE, "id": "plain-1"})]
    path = tmp_path / f"faq.{suffix}"
    write_entries(entries, path)
    back = read_entries(path)
    assert [e.to_record() for e in back] == [e.to_record() for e in entries]
    assert back[0].translation("en") == Translation(EN["question"], EN["answer"], False)
    assert back[0].translation("vi").checked is True
    assert back[1].translations == {}


def test_csv_spreads_translations_over_language_columns(tmp_path):
    path = tmp_path / "faq.csv"
    write_entries([translated()], path)
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header[-6:] == ["question_en", "answer_en", "checked_en", "question_vi", "answer_vi", "checked_vi"]
    assert "translations" not in header


def test_csv_without_translation_columns_is_read_as_before(tmp_path):
    path = tmp_path / "faq.csv"
    write_entries([FaqEntry(**BASE)], path)
    assert "question_en" not in path.read_text(encoding="utf-8-sig")
    assert read_entries(path)[0].translations == {}


def test_csv_translation_cells_staff_typed(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text("question,answer,question_en,answer_en,question_pt,answer_pt\n"
                    "罹災証明書は？,窓口で申請します。,Damage certificate?,Apply at the office.,,\n", encoding="utf-8")
    [e] = read_entries(path)
    assert e.translation("en").answer == "Apply at the office." and e.translation("en").checked is False
    assert e.translation("pt") is None  # empty cells: no translation, allowed


@pytest.mark.parametrize("translations, field", [
    ({"fr": {"question": "Q", "answer": "A"}}, "translations.fr"),
    ({"en": {"question": "Only a question"}}, "translations.en.answer"),
    ({"en": {"question": "Q", "answer": "A", "colour": "red"}}, "translations.en"),
    ({"en": {"question": "Q", "answer": "A", "checked": "maybe"}}, "translations.en.checked"),
    (["en"], "translations"),
])
def test_bad_translations_are_refused_with_the_field(tmp_path, translations, field):
    path = tmp_path / "faq.jsonl"
    path.write_text(json.dumps({**BASE, "translations": translations}, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        read_entries(path)
    assert [p.field for p in exc.value.problems] == [field]
    assert " / " in str(exc.value)  # Japanese first, English after


def test_content_hash_ignores_translations_so_adding_one_re_embeds_nothing():
    plain = FaqEntry(**BASE)
    payload = json.dumps([plain.question, plain.alt_questions, plain.answer, plain.category, plain.tags],
                         ensure_ascii=False)
    assert plain.content_hash() == hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
    assert translated().content_hash() == plain.content_hash()


def test_store_keeps_translations_with_history_and_undo(tmp_path):
    store = FaqStore.open(tmp_path / "faq.sqlite3")
    store.add(FaqEntry(**BASE), actor="山田")
    store.edit("risai-1", "佐藤", translations={"en": EN})
    assert store.get("risai-1").translation("en").question == EN["question"]
    last = store.history("risai-1")[-1]
    assert last.before.translations == {} and last.after.translation("en").answer == EN["answer"]
    store.undo("risai-1", "佐藤")
    assert store.get("risai-1").translations == {}
    with pytest.raises(ValidationError):
        store.edit("risai-1", "佐藤", translations={"xx": EN})
    assert store.get("risai-1").translations == {}


def test_a_database_from_before_translations_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite3"
    from faq.store import MIGRATIONS, _create_v1
    old = open_db(path)
    _create_v1(old)
    old.execute("CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)")
    old.execute("INSERT INTO schema_versions VALUES ('faq', 1)")
    old.execute("INSERT INTO faq_entries (id, category, question, answer, updated_at, updated_by) "
                "VALUES ('a-1', 'general', '質問', '回答', '2026-12-01T00:00:00+00:00', 'x')")
    old.conn.close()
    store = FaqStore.open(path)
    assert store.get("a-1").translations == {}
    assert store.db.execute("SELECT version FROM schema_versions WHERE component='faq'").fetchone()[0] == len(MIGRATIONS)


def test_faqctl_translations_lists_missing_and_unchecked_per_language(env):
    from conftest import ROOT, run_cli
    seed = [ROOT / "faq" / "seed" / name for name in ("disaster-support.jsonl", "contact.jsonl")]
    assert run_cli(env, "--no-index", "import", *map(str, seed)).returncode == 0
    result = run_cli(env, "translations", "--json")
    assert result.returncode == 0, result.stderr
    report = {c["lang"]: c for c in json.loads(result.stdout)}
    # every disaster-support entry is translated into every language; the contact entries are not
    assert report["en"]["translated"] == 26 and sorted(report["en"]["missing"]) == sorted(
        e for e in report["en"]["missing"] if e.startswith("contact-")) != []
    assert "disaster-risai-shomeisho" not in report["vi"]["missing"]
    assert "contact-denwa" in report["vi"]["missing"]
    assert "disaster-risai-shomeisho" in report["easy"]["unchecked"]  # seed translations wait for a check
    text = run_cli(env, "translations", "--lang", "pt").stdout
    assert "Português（pt）: 翻訳あり 26件（確認済み 0件） / 翻訳なし 6件" in text
