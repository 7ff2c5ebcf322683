"""The navigator's turns: start, an answer, 「戻る」, 「最初から」, and leaving it by typing a question.

The questions are asked in the catalogue's order; an answer to an earlier question (an old
button) replaces it and forgets the later answers. Every step is recorded as an exchange of
kind ``navigator`` whose decision is the question now waiting (or ``result``), so the console
can show where households stopped. The state holds option values only, never free text.
"""
from __future__ import annotations

from typing import Callable

from bot import phrases
from bot.conversation import choices
from bot.conversation.decision import Choice, Decision, Record
from bot.conversation.turn import Turn, Utterance
from bot.disaster import phrases as sp
from bot.disaster.navigator.rules import Finding, Result, evaluate, man_yen
from bot.disaster.navigator.state import NavigatorStore
from bot.line.postback import FAQ, NAVIGATOR, Postback
from faq.support_programmes import Catalogue, Question

KIND = "navigator"
RESULT = "result"
CHOICES_MAX = 13


def _button(label: str, category: str, shows: str | None = None) -> Choice:
    return Choice(label, Postback(NAVIGATOR, category=category), shows or label)


class NavigatorFlow:
    def __init__(self, catalogue: Catalogue | Callable[[], Catalogue | None], store: NavigatorStore,
                 faq_exists: Callable[[str], bool] = lambda _id: True):
        self._catalogue = catalogue if callable(catalogue) else (lambda: catalogue)
        self._store = store
        self._faq_exists = faq_exists

    @property
    def catalogue(self) -> Catalogue | None:
        """The programme data in use; None when there is no valid data (the navigator is unavailable)."""
        return self._catalogue()

    # -- entry points -------------------------------------------------------------------
    def start(self, turn: Turn, query: str | None = None) -> Decision:
        self._store.save(turn.chat.key, {})
        return self._next(turn, {}, "start", query, lead=(sp.NAVIGATOR_INTRO,))

    def tap(self, turn: Turn, data: str) -> Decision:
        """A navigator button: start | back | restart | <question>=<option>."""
        if data in ("start", "restart"):
            return self.start(turn, sp.RESTART_LABEL if data == "restart" else phrases.NAVIGATOR_LABEL)
        answers = self._store.answers(turn.chat.key)
        if data == "back":
            if answers is None:
                return self._expired(turn)
            return self._back(turn, answers)
        key, _, value = data.partition("=")
        return self._answer(turn, answers, key, value)

    def typed(self, turn: Turn, said: Utterance) -> Decision | None:
        """A text while the navigator is open: an option's label, 「戻る」 or 「最初から」 act; any other text
        closes the navigator and returns None (the text is then handled as usual)."""
        if self.catalogue is None:
            return None
        answers = self._store.answers(turn.chat.key)
        if answers is None:
            return None
        if said.keyword in sp.RESTART_WORDS:
            return self.start(turn, said.query)
        if said.keyword in sp.BACK_WORDS:
            return self._back(turn, answers)
        question = self._waiting(answers)
        option = next((o for o in question.options if o.label.lower() == said.keyword), None) if question else None
        if option is not None:
            return self._answer(turn, answers, question.key, option.value)
        self._store.clear(turn.chat.key)
        return None

    def active(self, turn: Turn) -> bool:
        return self._store.answers(turn.chat.key) is not None

    # -- steps --------------------------------------------------------------------------
    def _waiting(self, answers: dict[str, str]) -> Question | None:
        return next((q for q in self._catalogue().questions if q.key not in answers), None)

    def _answer(self, turn: Turn, answers: dict[str, str] | None, key: str, value: str) -> Decision:
        catalogue = self._catalogue()
        question = catalogue.question(key)
        if question is None or question.option(value) is None:
            return self.start(turn, phrases.NAVIGATOR_LABEL)          # not ours any more (the data changed)
        lead: tuple[str, ...] = ()
        if answers is None:
            if key != catalogue.questions[0].key:
                self._store.save(turn.chat.key, {})
                return self._next(turn, {}, "expired", None, lead=(sp.NAVIGATOR_EXPIRED,))
            answers = {}
        keys = catalogue.keys
        kept = {k: v for k, v in answers.items() if k in keys and keys.index(k) < keys.index(key)}
        kept[key] = value
        self._store.save(turn.chat.key, kept)
        return self._next(turn, kept, f"{key}={value}", question.option(value).label, lead=lead)

    def _back(self, turn: Turn, answers: dict[str, str]) -> Decision:
        keys = self._catalogue().keys
        answered = [k for k in keys if k in answers]
        kept = {k: answers[k] for k in answered[:-1]}
        self._store.save(turn.chat.key, kept)
        return self._next(turn, kept, "back", sp.BACK_LABEL)

    def _expired(self, turn: Turn) -> Decision:
        self._store.save(turn.chat.key, {})
        return self._next(turn, {}, "expired", None, lead=(sp.NAVIGATOR_EXPIRED,))

    def _next(self, turn: Turn, answers: dict[str, str], reason: str, query: str | None,
              lead: tuple[str, ...] = ()) -> Decision:
        catalogue = self._catalogue()
        question = self._waiting(answers)
        if question is None:
            return self._result(answers, Record(kind=KIND, decision=RESULT, query=query, reason=reason))
        number = catalogue.keys.index(question.key) + 1
        text = sp.navigator_step(number, len(catalogue.questions), question.text)
        buttons = [_button(o.label, f"{question.key}={o.value}") for o in question.options]
        if answers:
            buttons.append(_button(sp.BACK_LABEL, "back"))
            buttons.append(_button(sp.RESTART_LABEL, "restart"))
        record = Record(kind=KIND, decision=question.key, query=query, reason=reason)
        return Decision((*lead, text), tuple(buttons[:CHOICES_MAX - 1]) + (choices.desk_after_this(),), record)

    def _result(self, answers: dict[str, str], record: Record) -> Decision:
        catalogue = self._catalogue()
        result = evaluate(catalogue, answers)
        labels = [catalogue.question(k).option(v).label for k, v in answers.items()
                  if catalogue.question(k) and catalogue.question(k).option(v)]
        blocks = [sp.navigator_summary(labels)]
        blocks += ["\n\n".join(describe(f) for f in result.applies)]
        if result.not_applicable:
            blocks.append(not_applicable_text(result))
        blocks.append(sp.NAVIGATOR_CLOSING)
        fixed = [choices.desk_after_this(), _button(sp.BACK_LABEL, "back"), _button(sp.RESTART_LABEL, "restart")]
        faq_buttons = [Choice(f.programme.name, Postback(FAQ, faq_id=f.programme.faq_id), f.programme.name)
                       for f in result.applies if f.programme.faq_id and self._faq_exists(f.programme.faq_id)]
        return Decision(tuple(blocks), tuple(faq_buttons[:CHOICES_MAX - len(fixed)] + fixed), record)


def describe(finding: Finding) -> str:
    p = finding.programme
    lines = [f"■{p.name}（{p.kind}）" + (sp.TO_CONFIRM_NOTE if p.local else ""), f"対象の理由：{p.reason}"]
    estimate = finding.estimate
    if estimate is not None:
        parts = [f"・{line.label}：{man_yen(line.man_yen)}" if line.man_yen is not None
                 else f"・{line.label}：{line.note or '対象外'}" for line in estimate.lines]
        if estimate.total is not None:
            parts.append(f"・{sp.TOTAL_LABEL}：{man_yen(estimate.total)}")
        parts += [f"（{note}）" for note in estimate.notes]
        lines.append(f"{sp.AMOUNT_HEADING}：\n" + "\n".join(parts))
    if p.amount_note:
        lines.append(("" if estimate is not None else f"{sp.AMOUNT_HEADING}：") + p.amount_note)
    if p.documents:
        lines.append("必要なもの：" + "、".join(p.documents))
    if p.deadline:
        lines.append(f"期限：{p.deadline}")
    if p.apply_at:
        lines.append(f"申請先：{p.apply_at}")
    lines.append(f"根拠：{p.source}")
    return "\n".join(lines)


def not_applicable_text(result: Result) -> str:
    return sp.NOT_APPLICABLE_HEADING + "\n" + "\n".join(f"・{p.name}：{text}" for p, text in result.not_applicable)
