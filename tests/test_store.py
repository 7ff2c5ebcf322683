import pytest

from faq.model import FaqEntry
from faq.store import MIGRATIONS, FaqStore, NotFound
from faq.validate import ValidationError


def entry(id="proc-1", **kw):
    base = dict(id=id, question="コンビニで住民票を取れますか", answer="マイナンバーカードで取得できます。",
                category="online-procedures", alt_questions=["住民票 コンビニ"], url="https://www.city.example.lg.jp/a",
                department="市民課", tags=["住民票"])
    base.update(kw)
    return FaqEntry(**base)


@pytest.mark.sqlite_only
def test_the_database_file_is_created_in_wal_mode(db_path):
    s = FaqStore.open(db_path)
    assert db_path.exists()
    assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s.close()


def test_database_is_created_with_schema_version(db_path):
    s = FaqStore.open(db_path)
    assert s.db.execute("SELECT version FROM schema_versions WHERE component='faq'").fetchone()[0] == len(MIGRATIONS)
    s.close()
    # reopening does not migrate again or lose data
    s = FaqStore.open(db_path)
    s.add(entry(), "a")
    s.close()
    assert FaqStore.open(db_path).get("proc-1").question == "コンビニで住民票を取れますか"


def test_newer_schema_is_refused(db_path):
    s = FaqStore.open(db_path)
    s.db.execute("UPDATE schema_versions SET version = 99 WHERE component = 'faq'")
    s.close()
    with pytest.raises(RuntimeError, match="新しい"):
        FaqStore.open(db_path)


def test_round_trip_keeps_every_field(store):
    original = entry()
    store.add(original, "山田")
    got = store.get("proc-1")
    assert got.to_record() == original.to_record()
    assert got.updated_by == "山田" and got.updated_at


def test_add_normalizes_and_validates(store):
    store.add(entry(question="ｺﾝﾋﾞﾆで住民票？"), "a")
    assert store.get("proc-1").question == "コンビニで住民票?"
    with pytest.raises(ValidationError) as err:
        store.add(entry(id="x", answer=""), "a")
    assert "回答が空です" in str(err.value)
    with pytest.raises(ValidationError, match="既にあります"):
        store.add(entry(), "a")


def test_edit_remove_restore_and_history(store):
    store.add(entry(), "a")
    store.edit("proc-1", "b", answer="新しい回答です。")
    store.remove("proc-1", "c")
    assert store.list() == []
    assert [e.id for e in store.list(include_inactive=True)] == ["proc-1"]
    store.restore("proc-1", "d")
    assert store.get("proc-1").active
    history = store.history("proc-1")
    assert [(h.action, h.actor) for h in history] == [("create", "a"), ("update", "b"), ("remove", "c"), ("restore", "d")]
    assert history[1].before.answer == "マイナンバーカードで取得できます。"
    assert history[1].after.answer == "新しい回答です。"


def test_edit_with_bad_value_changes_nothing(store):
    store.add(entry(), "a")
    with pytest.raises(ValidationError, match="URL"):
        store.edit("proc-1", "b", url="not a url", answer="変えた")
    assert store.get("proc-1").answer == "マイナンバーカードで取得できます。"
    assert len(store.history("proc-1")) == 1


def test_undo_walks_back_one_change_at_a_time(store):
    store.add(entry(), "a")
    store.edit("proc-1", "a", answer="二番目")
    store.edit("proc-1", "a", answer="三番目")
    assert store.undo("proc-1", "b").answer == "二番目"
    assert store.undo("proc-1", "b").answer == "マイナンバーカードで取得できます。"
    # undoing the creation removes the entry; history is kept
    assert store.undo("proc-1", "b") is None
    with pytest.raises(NotFound):
        store.get("proc-1")
    assert len(store.history("proc-1")) == 6
    with pytest.raises(ValidationError, match="取り消せる変更がありません"):
        store.undo("proc-1", "b")


def test_undo_of_remove_reactivates(store):
    store.add(entry(), "a")
    store.remove("proc-1", "a")
    assert store.undo("proc-1", "a").active is True


def test_unknown_id_is_not_found(store):
    for call in (lambda: store.get("nope"), lambda: store.history("nope"), lambda: store.remove("nope", "a"),
                 lambda: store.undo("nope", "a"), lambda: store.edit("nope", "a", answer="x")):
        with pytest.raises(NotFound):
            call()


def test_import_is_all_or_nothing_and_reports_changes(store):
    store.add(entry("a-1"), "x")
    store.add(entry("a-2"), "x")
    report = store.import_entries([entry("a-1"), entry("a-2", answer="更新"), entry("a-3")], "imp")
    assert (report.added, report.updated, report.unchanged, report.deactivated) == (1, 1, 1, 0)
    report = store.import_entries([entry("a-3")], "imp", replace_all=True)
    assert report.deactivated == 2
    assert [e.id for e in store.list()] == ["a-3"]


def test_import_failure_midway_rolls_back(store, monkeypatch):
    store.add(entry("a-1"), "x")
    calls = []

    def boom(n):
        calls.append(n)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.import_entries([entry("b-1"), entry("b-2"), entry("a-1", answer="changed")], "imp", progress=boom)
    assert [e.id for e in store.list(include_inactive=True)] == ["a-1"]
    assert store.get("a-1").answer == "マイナンバーカードで取得できます。"
    assert store.db.execute("SELECT count(*) FROM faq_history").fetchone()[0] == 1


def test_stats(store):
    store.add(entry("a-1"), "x")
    store.add(entry("a-2", category="disaster-support"), "x")
    store.remove("a-2", "x")
    s = store.stats()
    assert (s["total"], s["active"], s["inactive"]) == (2, 1, 1)
    assert s["by_category"]["online-procedures"] == 1 and s["by_category"]["disaster-support"] == 0
