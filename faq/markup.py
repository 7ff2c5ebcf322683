"""HTML from a city's CMS export as plain FAQ text (LINE shows markup raw, and search would index it).

Only text that looks like HTML is converted: a known HTML tag or a named/numeric character reference.
Brackets in plain Japanese text (「5<10」, 「<注意>」) are not tags and stay as they are."""
from __future__ import annotations

import html
import re
from html.entities import html5
from html.parser import HTMLParser

from .text import normalize

# Element names a CMS writes; "<A>" or "<注意>" in plain text is not matched by an unknown name.
_ELEMENTS = ("a|abbr|address|article|aside|b|big|blockquote|body|br|caption|center|cite|code|col|colgroup|dd|del|"
             "details|div|dl|dt|em|figcaption|figure|font|footer|h[1-6]|head|header|hr|html|i|iframe|img|ins|kbd|"
             "li|link|main|mark|meta|nav|noscript|ol|p|pre|q|s|section|small|span|strike|strong|style|sub|summary|"
             "sup|script|table|tbody|td|tfoot|th|thead|title|tr|tt|u|ul")
_TAG = re.compile(rf"</?(?:{_ELEMENTS})(?=[\s/>])[^<>]*>|<!--", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^<>]*>")
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|([A-Za-z][A-Za-z0-9]{1,31}));")

_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote", "pre", "figure",
              "section", "article", "header", "footer", "address", "details", "main", "aside", "nav"}
_LINE = {"div", "tr", "dt", "dd", "caption", "figcaption", "summary", "center", "hr", "thead", "tbody", "tfoot"}
_DROPPED = {"script", "style", "head", "title", "noscript", "iframe"}
_CELL = {"td", "th"}
_CELL_SEPARATOR = " / "
_WHITESPACE = re.compile(r"[ \t\r\n\f\u00a0\u3000]+")
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
# A line break inside the HTML source between two Japanese characters is line wrapping, not a space
# (CSS segment break rule); \x01 marks it until the neighbours are known.
_SEGMENT_BREAK = re.compile(f"(?<=[{_WIDE}])\x01(?=[{_WIDE}])")
_BLANK_LINES = re.compile(r"\n{3,}")


def _is_reference(match: re.Match) -> bool:
    name = match.group(1)
    return name is None or f"{name};" in html5


def looks_like_html(text: str) -> bool:
    """A known HTML tag (<p>, <br>, </a>, <!-- …) or a character reference (&amp; &nbsp; &#12354;)."""
    if not text or ("<" not in text and "&" not in text):
        return False
    return bool(_TAG.search(text)) or any(_is_reference(m) for m in _REFERENCE.finditer(text))


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.newlines = 2         # line breaks at the end of `out` (2 at the start: no leading break)
        self.dropped = 0          # depth inside <script>/<style>/…
        self.pre = 0              # depth inside <pre>: source line breaks are kept
        self.lists: list[list] = []   # [kind, next number] per open <ul>/<ol>
        self.link: tuple[str | None, int] | None = None   # (href, index in out where its label starts)
        self.first_cell = True

    def _break(self, lines: int) -> None:
        """End the current line (1) or paragraph (2) unless the output already does."""
        if self.newlines < lines:
            self.out.append("\n" * (lines - self.newlines))
            self.newlines = lines

    def _write(self, text: str) -> None:
        self.out.append(text)
        self.newlines = 0

    # -- tags
    def handle_starttag(self, tag, attrs):
        if tag in _DROPPED:
            self.dropped += 1
            return
        if tag == "br":  # a hard break: <br><br> is a blank line
            self.out.append("\n")
            self.newlines += 1
        elif tag in ("ul", "ol"):
            self.lists.append([tag, 1])
            self._break(2 if len(self.lists) == 1 else 1)
        elif tag == "li":
            marker = "・"
            if self.lists and self.lists[-1][0] == "ol":
                marker = f"{self.lists[-1][1]}. "
                self.lists[-1][1] += 1
            self._break(1)
            self._write(marker)
        elif tag in _CELL:
            if not self.first_cell:
                self._write(_CELL_SEPARATOR)
            self.first_cell = False
        elif tag == "tr":
            self.first_cell = True
            self._break(1)
        elif tag == "a":
            self.link = (dict(attrs).get("href"), len(self.out))
        elif tag == "pre":
            self.pre += 1
            self._break(2)
        elif tag in _PARAGRAPH:
            self._break(2)
        elif tag in _LINE:
            self._break(1)

    def handle_startendtag(self, tag, attrs):
        if tag in _DROPPED:
            return
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _DROPPED:
            self.dropped = max(0, self.dropped - 1)
            return
        if tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._break(2 if not self.lists else 1)
        elif tag == "a" and self.link is not None:
            self._close_link()
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self._break(2)
        elif tag in _PARAGRAPH:
            self._break(2)
        elif tag in _LINE or tag in ("li", "table"):
            self._break(1)

    def _close_link(self):
        href, start = self.link
        self.link = None
        target = _link_target(href)
        if not target:
            return
        label = "".join(self.out[start:]).replace("\x01", " ").strip()
        if not label or _same_target(label, target):
            del self.out[start:]
            self._write(target)
        else:
            self._write(f"（{target}）")

    # -- text
    def handle_data(self, data):
        if self.dropped:
            return
        if not self.pre:
            data = _WHITESPACE.sub(lambda m: "\x01" if "\n" in m.group() else " ", data)
            if self.newlines and not data.strip(" \x01"):
                return  # indentation between block tags in the source
        self._write(data)

    def text(self) -> str:
        if self.link is not None:
            self._close_link()
        raw = "".join(self.out)
        raw = _SEGMENT_BREAK.sub("", raw).replace("\x01", " ")
        lines = [line.strip() for line in raw.split("\n")]
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _link_target(href: str | None) -> str | None:
    """What a resident can use of a link: an absolute web address, or the mail address / phone number.
    A relative link ("/kurashi/…") means nothing outside the city's site: the label alone is kept."""
    if not href:
        return None
    href = href.strip()
    lowered = href.lower()
    if lowered.startswith(("http://", "https://")):
        return href
    if lowered.startswith(("mailto:", "tel:")):
        return href.split(":", 1)[1].split("?", 1)[0] or None
    return None


def _same_target(label: str, target: str) -> bool:
    def bare(s):
        s = normalize(s).rstrip("/")
        return re.sub(r"^https?://", "", s, flags=re.IGNORECASE)
    return bare(label) == bare(target)


def html_to_text(text: str) -> str:
    """HTML as normalized plain text: blocks and <br> become line breaks, <li> a 「・」 item (「1. 」 in
    <ol>), table cells joined by " / ", <a href=URL>label</a> 「label（URL）」, <script>/<style> dropped,
    character references resolved, runs of blank lines folded to one."""
    if not _TAG.search(text):
        # references only: the text's own line breaks are its layout
        return normalize(html.unescape(text))
    text = _close_comments(text)
    parser = _TextParser()
    try:
        parser.feed(text)
        parser.close()
        plain = parser.text()
    except AssertionError:
        # html.parser gives up on some declarations ("<![foo[ …"): drop every tag instead of failing the import
        plain = html.unescape(_ANY_TAG.sub("", text))
    # unusable character references (&#0;, surrogates) become U+FFFD: nothing a resident can read
    return normalize(plain.replace("\ufffd", ""))


def _close_comments(text: str) -> str:
    """A "<!--" never closed would make html.parser read the rest as text, tags and all: drop it."""
    start = text.rfind("<!--")
    while start >= 0 and text.find("-->", start + 4) < 0:
        text = text[:start] + text[start + 4:]
        start = text.rfind("<!--")
    return text


def plain_text(text: str) -> tuple[str, bool]:
    """(normalized text, whether it was converted from HTML)."""
    if looks_like_html(text):
        return html_to_text(text), True
    return normalize(text), False
