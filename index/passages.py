"""Splitting an FAQ answer into passages the embedding model can read whole.

A municipal answer runs to several paragraphs (持ち物, 受付時間, 手数料 …) and a resident's
question often matches only one of them. One vector for the whole answer blurs that
paragraph away, and the model reads only the first ~512 tokens anyway, so the answer is
also embedded in pieces of about PASSAGE_CHARS characters, cut at sentence ends, each
sharing its last sentence with the next (when short) so no statement is cut in two."""
from __future__ import annotations

import re

HEAD_ANSWER_CHARS = 300     # the question plus this much of the answer: "what the entry is about"
PASSAGE_CHARS = 250         # target length of one answer passage
OVERLAP_MAX_CHARS = 100     # a sentence up to this long is repeated at the start of the next passage
MAX_PASSAGES = 12           # a very long answer: its first ~3,000 characters are enough to place it

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\n)")
_HEADING = re.compile(r"^[【\[■◆●○<＜].{0,20}[】\]>＞]?$")


def sentences(text: str) -> list[str]:
    """Sentences and lines of `text`, each with its end mark, blank ones dropped."""
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    out: list[str] = []
    heading = ""
    for p in parts:
        if _HEADING.match(p):  # 【手数料】 belongs to what follows it, never alone at a passage's end
            heading += p + "\n"
            continue
        p, heading = heading + p, ""
        while len(p) > PASSAGE_CHARS:  # a run-on sentence or a table row: cut it hard
            out.append(p[:PASSAGE_CHARS])
            p = p[PASSAGE_CHARS:]
        if p:
            out.append(p)
    if heading:
        out.append(heading.strip())
    return out


def head_text(question: str, answer: str) -> str:
    return (question + "\n" + answer[:HEAD_ANSWER_CHARS]).strip()


def answer_passages(answer: str) -> list[str]:
    """Overlapping passages of an answer; none when the head text already holds all of it."""
    if len(answer) <= HEAD_ANSWER_CHARS:
        return []
    out: list[str] = []
    current: list[str] = []
    for s in sentences(answer):
        if current and sum(map(len, current)) + len(current) + len(s) > PASSAGE_CHARS:  # with the newlines
            out.append("\n".join(current))
            if len(out) == MAX_PASSAGES:
                return out
            tail = current[-1]
            current = [tail] if len(tail) <= OVERLAP_MAX_CHARS and len(tail) + 1 + len(s) <= PASSAGE_CHARS else []
        current.append(s)
    if current and (not out or current != [out[-1].split("\n")[-1]]):
        out.append("\n".join(current))
    return out
