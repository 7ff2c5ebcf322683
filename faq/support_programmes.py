"""The support-programme navigator's data (``faq/support_programmes.yaml``): questions and programmes.

Staff edit the YAML; it is validated completely on load and every problem is reported with the
file, the path inside it and what is wrong (Japanese first, English after " / "). Nothing here
decides anything: the rules are applied by ``bot.disaster.navigator.rules``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from faq.text import normalize

DEFAULT_PATH = Path(__file__).resolve().parent / "support_programmes.yaml"
LABEL_MAX = 20          # a LINE quick-reply label
TO_CONFIRM = "要確認"    # marks a local figure staff must confirm
_VALUE = re.compile(r"^[a-z0-9_-]{1,30}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")

Condition = dict  # question key -> frozenset of option values (all keys must match)


class SupportDataError(ValueError):
    """The data file is not usable; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    key: str
    title: str        # a short name for the console's figures
    text: str
    options: tuple[Option, ...]

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Override:
    when: tuple[Condition, ...]
    values: dict
    otherwise: str | None


@dataclass(frozen=True)
class AmountPart:
    label: str
    by: str
    values: dict                      # option value -> 万円
    otherwise: str | None = None      # shown when the answer has no figure
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True)
class Factor:
    when: tuple[Condition, ...]
    multiply: float
    note: str


@dataclass(frozen=True)
class Amount:
    parts: tuple[AmountPart, ...]
    factors: tuple[Factor, ...] = ()
    total: bool = False


@dataclass(frozen=True)
class NotApplicable:
    when: tuple[Condition, ...]
    text: str


@dataclass(frozen=True)
class Programme:
    id: str
    name: str
    kind: str
    reason: str
    source: str
    when: tuple[Condition, ...] = ()          # empty: every household
    amount: Amount | None = None
    amount_note: str | None = None
    documents: tuple[str, ...] = ()
    deadline: str | None = None
    apply_at: str | None = None
    faq_id: str | None = None
    local: bool = False
    not_applicable: tuple[NotApplicable, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    questions: tuple[Question, ...]
    programmes: tuple[Programme, ...] = field(default_factory=tuple)

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.questions)


def load_catalogue(path: str | Path = DEFAULT_PATH) -> Catalogue:
    """The validated catalogue; raises SupportDataError listing every problem."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SupportDataError([f"{path}: ファイルを読めません / cannot read the file: {exc}"]) from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" {mark.line + 1}行目" if mark is not None else ""
        raise SupportDataError([f"{path}:{where} YAMLとして読めません / not valid YAML: {exc}"]) from None
    return _Reader(str(path)).catalogue(data)


class _Reader:
    def __init__(self, name: str):
        self.name = name
        self.problems: list[str] = []

    def fail(self, where: str, ja: str, en: str) -> None:
        self.problems.append(f"{self.name}: {where}: {ja} / {en}")

    def text(self, node: dict, key: str, where: str, *, required: bool = True, limit: int | None = None):
        value = node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"{where}.{key}", "必須の項目がありません", "required field missing")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.fail(f"{where}.{key}", "文字列にしてください", "must be a string")
            return None
        value = normalize(str(value)).strip()
        if limit is not None and len(value) > limit:
            self.fail(f"{where}.{key}", f"{limit}文字以内にしてください（{len(value)}文字）",
                      f"at most {limit} characters")
        return value

    # -- the whole file --------------------------------------------------------------
    def catalogue(self, data: Any) -> Catalogue:
        if not isinstance(data, dict):
            raise SupportDataError([f"{self.name}: 最上位は questions と programmes を持つ表にしてください / "
                                    "the top level must be a mapping with questions and programmes"])
        for key in data:
            if key not in ("questions", "programmes"):
                self.fail(str(key), "知らない項目です", "unknown key")
        questions = self.questions(data.get("questions"))
        options = {q.key: {o.value for o in q.options} for q in questions}
        programmes = self.programmes(data.get("programmes"), options)
        if self.problems:
            raise SupportDataError(self.problems)
        return Catalogue(tuple(questions), tuple(programmes))

    def questions(self, nodes: Any) -> list[Question]:
        if not isinstance(nodes, list) or not nodes:
            self.fail("questions", "質問の一覧（1つ以上）が必要です", "a non-empty list is required")
            return []
        out, seen = [], set()
        for i, node in enumerate(nodes):
            where = f"questions[{i}]"
            if not isinstance(node, dict):
                self.fail(where, "表（key, text, options）にしてください", "must be a mapping")
                continue
            key = self.text(node, "key", where)
            if key is not None and not _VALUE.match(key):
                self.fail(f"{where}.key", "英小文字・数字・-_ で30文字以内にしてください", "use [a-z0-9_-]{1,30}")
            if key in seen:
                self.fail(f"{where}.key", f"「{key}」が重複しています", "duplicate key")
            seen.add(key)
            title = self.text(node, "title", where, limit=LABEL_MAX)
            text = self.text(node, "text", where)
            opts = self.options(node.get("options"), f"{where}.options")
            if key and title and text and opts:
                out.append(Question(key, title, text, tuple(opts)))
        return out

    def options(self, nodes: Any, where: str) -> list[Option]:
        if not isinstance(nodes, list) or len(nodes) < 2:
            self.fail(where, "選択肢を2つ以上にしてください", "at least two options are required")
            return []
        out, seen = [], set()
        for i, node in enumerate(nodes):
            w = f"{where}[{i}]"
            if not isinstance(node, dict):
                self.fail(w, "表（value, label）にしてください", "must be a mapping")
                continue
            value = self.text(node, "value", w)
            label = self.text(node, "label", w, limit=LABEL_MAX)
            if value is not None and not _VALUE.match(value):
                self.fail(f"{w}.value", "英小文字・数字・-_ で30文字以内にしてください", "use [a-z0-9_-]{1,30}")
            if value in seen:
                self.fail(f"{w}.value", f"「{value}」が重複しています", "duplicate value")
            seen.add(value)
            if value and label:
                out.append(Option(value, label))
        return out

    def conditions(self, node: Any, where: str, options: dict) -> tuple[Condition, ...]:
        """A condition or a list of conditions (any of them); each maps question keys to option values."""
        items = node if isinstance(node, list) else [node]
        out = []
        for i, item in enumerate(items):
            w = f"{where}[{i}]" if isinstance(node, list) else where
            if not isinstance(item, dict) or not item:
                self.fail(w, "条件は「質問のkey: [選択肢のvalue, …]」の表にしてください",
                          "a condition maps question keys to lists of option values")
                continue
            cond = {}
            for key, values in item.items():
                if key not in options:
                    self.fail(f"{w}.{key}", "そのkeyの質問はありません", "no question with this key")
                    continue
                values = values if isinstance(values, list) else [values]
                bad = [str(v) for v in values if str(v) not in options[key]]
                if bad or not values:
                    self.fail(f"{w}.{key}", f"選択肢にない値です: {', '.join(bad) or '（空）'}",
                              "values must be option values of that question")
                    continue
                cond[key] = frozenset(str(v) for v in values)
            if cond:
                out.append(cond)
        return tuple(out)

    def figures(self, node: Any, where: str, allowed: set[str]) -> dict:
        if not isinstance(node, dict) or not node:
            self.fail(where, "「選択肢のvalue: 金額（万円）」の表にしてください", "map option values to amounts")
            return {}
        out = {}
        for value, amount in node.items():
            if str(value) not in allowed:
                self.fail(f"{where}.{value}", "選択肢にない値です", "not an option value of the question")
            elif isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0:
                self.fail(f"{where}.{value}", "金額は0以上の数（万円）にしてください",
                          "amount must be a number >= 0 (10,000 yen)")
            else:
                out[str(value)] = float(amount)
        return out

    def amount(self, node: Any, where: str, options: dict) -> Amount | None:
        if node is None:
            return None
        if not isinstance(node, dict):
            self.fail(where, "表（parts, factors, total）にしてください", "must be a mapping")
            return None
        parts_node = node.get("parts")
        if not isinstance(parts_node, list) or not parts_node:
            self.fail(f"{where}.parts", "金額の内訳（1つ以上）が必要です", "a non-empty list is required")
            return None
        parts = []
        for i, part in enumerate(parts_node):
            w = f"{where}.parts[{i}]"
            if not isinstance(part, dict):
                self.fail(w, "表にしてください", "must be a mapping")
                continue
            label = self.text(part, "label", w)
            by = self.text(part, "by", w)
            if by is not None and by not in options:
                self.fail(f"{w}.by", "そのkeyの質問はありません", "no question with this key")
                continue
            allowed = options.get(by, set())
            values = self.figures(part.get("values"), f"{w}.values", allowed)
            overrides = []
            for j, ov in enumerate(part.get("overrides") or []):
                ow = f"{w}.overrides[{j}]"
                if not isinstance(ov, dict) or "when" not in ov:
                    self.fail(ow, "when と values が必要です", "when and values are required")
                    continue
                overrides.append(Override(self.conditions(ov["when"], f"{ow}.when", options),
                                          self.figures(ov.get("values"), f"{ow}.values", allowed),
                                          self.text(ov, "otherwise", ow, required=False)))
            if label and by:
                parts.append(AmountPart(label, by, values, self.text(part, "otherwise", w, required=False),
                                        tuple(overrides)))
        factors = []
        for i, fac in enumerate(node.get("factors") or []):
            w = f"{where}.factors[{i}]"
            multiply = fac.get("multiply") if isinstance(fac, dict) else None
            if not isinstance(fac, dict) or "when" not in fac or isinstance(multiply, bool) \
                    or not isinstance(multiply, (int, float)) or not 0 < multiply <= 1:
                self.fail(w, "when、multiply（0より大きく1以下）、note が必要です",
                          "when, multiply (0 < m <= 1) and note are required")
                continue
            factors.append(Factor(self.conditions(fac["when"], f"{w}.when", options), float(multiply),
                                  self.text(fac, "note", w) or ""))
        return Amount(tuple(parts), tuple(factors), bool(node.get("total", False)))

    def programmes(self, nodes: Any, options: dict) -> list[Programme]:
        if not isinstance(nodes, list) or not nodes:
            self.fail("programmes", "制度の一覧（1つ以上）が必要です", "a non-empty list is required")
            return []
        out, seen = [], set()
        known = {"id", "name", "kind", "reason", "source", "when", "amount", "amount_note", "documents",
                 "deadline", "apply_at", "faq_id", "local", "not_applicable"}
        for i, node in enumerate(nodes):
            where = f"programmes[{i}]"
            if not isinstance(node, dict):
                self.fail(where, "表にしてください", "must be a mapping")
                continue
            where = f"programmes[{i}]({node.get('id', '?')})"
            for key in node:
                if key not in known:
                    self.fail(f"{where}.{key}", "知らない項目です", "unknown key")
            pid = self.text(node, "id", where)
            if pid is not None and not _ID.match(pid):
                self.fail(f"{where}.id", "英小文字・数字・-_ にしてください", "use [a-z0-9_-]")
            if pid in seen:
                self.fail(f"{where}.id", f"「{pid}」が重複しています", "duplicate id")
            seen.add(pid)
            local = node.get("local", False)
            if not isinstance(local, bool):
                self.fail(f"{where}.local", "true か false にしてください", "must be true or false")
                local = False
            name = self.text(node, "name", where)
            kind = self.text(node, "kind", where)
            reason = self.text(node, "reason", where)
            source = self.text(node, "source", where)   # national figures need their law; local ones 要確認
            amount = self.amount(node.get("amount"), f"{where}.amount", options)
            amount_note = self.text(node, "amount_note", where, required=False)
            deadline = self.text(node, "deadline", where, required=False)
            apply_at = self.text(node, "apply_at", where, required=False)
            if local:
                if amount is not None:
                    self.fail(f"{where}.amount", "独自制度（local）の金額は amount_note に「要確認」と書いてください",
                              "local programmes state amounts in amount_note marked 要確認")
                if TO_CONFIRM not in " ".join(filter(None, (source, amount_note, deadline, apply_at))):
                    self.fail(where, "独自制度（local）には「要確認」を書いてください（source・amount_note など）",
                              "local programmes must be marked 要確認")
            docs = node.get("documents") or []
            if not isinstance(docs, list) or not all(isinstance(d, str) and d.strip() for d in docs):
                self.fail(f"{where}.documents", "書類名の一覧にしてください", "must be a list of strings")
                docs = []
            faq_id = self.text(node, "faq_id", where, required=False)
            when = self.conditions(node["when"], f"{where}.when", options) if "when" in node else ()
            not_applicable = []
            for j, na in enumerate(node.get("not_applicable") or []):
                w = f"{where}.not_applicable[{j}]"
                if not isinstance(na, dict) or "when" not in na:
                    self.fail(w, "when と text が必要です", "when and text are required")
                    continue
                text = self.text(na, "text", w)
                not_applicable.append(NotApplicable(self.conditions(na["when"], f"{w}.when", options), text or ""))
            if pid and name and kind and reason and source:
                out.append(Programme(pid, name, kind, reason, source, when, amount, amount_note,
                                     tuple(normalize(d).strip() for d in docs), deadline, apply_at, faq_id,
                                     local, tuple(not_applicable)))
        return out


def main(argv: list[str] | None = None) -> int:
    """``python -m faq.support_programmes [FILE]``: check the data file before the bot reads it."""
    import sys
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    try:
        catalogue = load_catalogue(path)
    except SupportDataError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    print(f"{path}: OK（質問{len(catalogue.questions)}件・制度{len(catalogue.programmes)}件）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
