#!/usr/bin/env python
"""The seed FAQ's English translations as an English FAQ, with the English dev questions they answer, for
measuring another embedding model (docs/BENCHMARKS.md "Another embedding model").

python benchmarks/english_seed.py OUT_DIR
    OUT_DIR/faq.jsonl      the seed entries with a translation["en"], English question and answer
    OUT_DIR/queries.jsonl  the English dev questions whose right entry is among them, and the English
                           out-of-scope questions (benchmarks/data/english/out_of_scope.jsonl)
    OUT_DIR/qrels.json     their judgments, restricted to those entries"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from faq.formats import read_many

ROOT = Path(__file__).resolve().parents[1]


def main(out: Path) -> None:
    entries = [e for e in read_many(sorted((ROOT / "faq/seed").glob("*.jsonl"))) if "en" in e.translations]
    ids = {e.id for e in entries}
    qrels = json.loads((ROOT / "tests/data/dev_qrels.json").read_text(encoding="utf-8"))
    questions = [json.loads(line) for line in (ROOT / "tests/data/dev_queries_en.jsonl").read_text(encoding="utf-8").splitlines()]
    judged = {q["id"]: {f: g for f, g in qrels[q["id"]].items() if f in ids} for q in questions
              if any(f in ids and g >= 2 for f, g in qrels.get(q["id"], {}).items())}
    out.mkdir(parents=True, exist_ok=True)
    with (out / "faq.jsonl").open("w", encoding="utf-8") as fh:
        for e in entries:
            en = e.translations["en"]
            fh.write(json.dumps({"id": e.id, "question": en.question, "answer": en.answer, "category": e.category},
                                ensure_ascii=False) + "\n")
    extra = (ROOT / "benchmarks/data/english/out_of_scope.jsonl").read_text(encoding="utf-8").splitlines()
    with (out / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for q in questions:
            if q["id"] in judged:
                fh.write(json.dumps(q, ensure_ascii=False) + "\n")
        fh.writelines(line + "\n" for line in extra if line.strip())
    (out / "qrels.json").write_text(json.dumps(judged, ensure_ascii=False), encoding="utf-8")
    print(f"{len(entries)} entries, {len(judged)} questions in scope, {len(extra)} out of scope → {out}")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    main(Path(sys.argv[1]))
