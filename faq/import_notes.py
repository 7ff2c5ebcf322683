"""What an import did to a city's file beyond checking it, as the lines staff read (faqctl and the console)."""
from __future__ import annotations

from dataclasses import dataclass

from .formats import ImportRead
from .headers import header_key

SHOWN = 10   # IDs listed in one line; the count says the rest


@dataclass(frozen=True)
class NoteWording:
    """The parts of the lines that name the tool staff are using."""
    ignore_option: str = "--ignore-column"
    id_lookup: str = "`faqctl show` は元のIDでも引けます"
    check_html: str = "`faqctl show ID` で表示を確認してください"


CLI_WORDING = NoteWording()


def import_note_lines(read: ImportRead, ignore_columns=(), wording: NoteWording = CLI_WORDING) -> list[str]:
    """What staff should check after importing a CMS export: Shift_JIS, the sheet read, headers read as ours
    or not read, `ignore_columns` not found, IDs normalised, HTML made plain."""
    notes = read.notes
    lines = [f"{name} は Shift_JIS として読みました（Excel の「CSV (コンマ区切り)」） / read as Shift_JIS"
             for name in notes.shift_jis]
    lines += [f"{name} のシート「{sheet}」を読みました / read worksheet {sheet}" for name, sheet in notes.sheets.items()]
    if notes.renamed:
        pairs = ", ".join(f"{header}→{key}" for header, key in notes.renamed.items())
        why = "（分類・カテゴリの値は、こちらのカテゴリに当たらないものをタグにしました）" \
            if "category" in notes.renamed.values() else ""
        lines.append(f"見出しの読み替え: {pairs}{why} / headers read as: {pairs}")
    if notes.skipped:
        lines.append(f"読み込まない列: {', '.join(notes.skipped)} / columns not read: {', '.join(notes.skipped)}")
    if notes.ignored:
        lines.append(f"指定により読み込まない列: {', '.join(notes.ignored)} / columns ignored as asked: "
                     f"{', '.join(notes.ignored)}")
    found = {header_key(h) for h in notes.ignored}
    absent = [c for c in ignore_columns if header_key(c) not in found]
    if absent:   # a typo in the columns not to read changes nothing, but staff should know
        lines.append(f"注意: {wording.ignore_option} の列がファイルにありません: {', '.join(absent)} / no such column: "
                     f"{', '.join(absent)}")
    if notes.ids:
        pairs = [f"{written} → {stored}" for written, stored in notes.ids.items()]
        shown = ", ".join(pairs[:SHOWN]) + (" …" if len(pairs) > SHOWN else "")
        lines.append(f"IDを小文字にそろえました: {shown}（{len(pairs)}件。{wording.id_lookup}） / "
                     f"ids normalised: {len(pairs)}")
    converted = notes.html_entries
    if converted:
        shown = ", ".join(converted[:SHOWN]) + (" …" if len(converted) > SHOWN else "")
        lines.append(f"HTMLから文章に変換: {len(converted)}件（{shown}）。{wording.check_html}"
                     f" / entries converted from HTML: {len(converted)}")
    return lines
