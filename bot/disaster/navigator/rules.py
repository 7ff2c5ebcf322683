"""Applying the catalogue's rules to a household's answers (pure: no storage, no LINE)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from faq.support_programmes import Amount, Catalogue, Condition, Programme


def matches(conditions: tuple[Condition, ...], answers: Mapping[str, str]) -> bool:
    """Any condition holds: every key of it has one of the listed answers."""
    return any(all(answers.get(key) in values for key, values in cond.items()) for cond in conditions)


@dataclass(frozen=True)
class AmountLine:
    label: str
    man_yen: float | None      # None: no figure for these answers (``note`` says why)
    note: str | None = None


@dataclass(frozen=True)
class Estimate:
    lines: tuple[AmountLine, ...]
    total: float | None
    notes: tuple[str, ...]     # the factors applied (e.g. one-person household)


@dataclass(frozen=True)
class Finding:
    programme: Programme
    estimate: Estimate | None


@dataclass(frozen=True)
class Result:
    applies: tuple[Finding, ...]
    not_applicable: tuple[tuple[Programme, str], ...]


def estimate(amount: Amount, answers: Mapping[str, str]) -> Estimate:
    factor, notes = 1.0, []
    for fac in amount.factors:
        if matches(fac.when, answers):
            factor *= fac.multiply
            notes.append(fac.note)
    lines = []
    for part in amount.parts:
        values, otherwise = part.values, part.otherwise
        for override in part.overrides:
            if matches(override.when, answers):
                values, otherwise = override.values, override.otherwise or otherwise
                break
        figure = values.get(answers.get(part.by, ""))
        lines.append(AmountLine(part.label, None if figure is None else figure * factor,
                                None if figure is not None else otherwise))
    figures = [line.man_yen for line in lines if line.man_yen is not None]
    total = sum(figures) if amount.total and len(figures) > 1 else None
    return Estimate(tuple(lines), total, tuple(notes))


def evaluate(catalogue: Catalogue, answers: Mapping[str, str]) -> Result:
    """The programmes that may apply (in the file's order), and the explanations of those that do not."""
    applies, not_applicable = [], []
    for programme in catalogue.programmes:
        if not programme.when or matches(programme.when, answers):
            applies.append(Finding(programme, estimate(programme.amount, answers) if programme.amount else None))
            continue
        for na in programme.not_applicable:
            if matches(na.when, answers):
                not_applicable.append((programme, na.text))
                break
    return Result(tuple(applies), tuple(not_applicable))


def man_yen(value: float) -> str:
    """10,000-yen units as residents read them: 100万円, 37.5万円."""
    return f"{value:g}万円" if value < 10000 else f"{value / 10000:g}億円"
