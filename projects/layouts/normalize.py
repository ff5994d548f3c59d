"""Cleaning cell text and reading amounts, years, yes/no and indicator categories."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from indicators.parsing import clean_ocr_math
from projects.layouts.base import NOT_APPLICABLE
from projects.layouts.formats import TEN_THOUSAND
from projects.layouts.grid import UNPLACED, CategoryRef

# --------------------------------------------------------------------------- text

# Openers of what is dropped with its content: comments and script/style blocks. The attributes
# of an opener stop at the next "<" so that finding openers never rescans the text.
_BLOCK = re.compile(r"<!--|<(script|style)\b[^<>]*>", re.IGNORECASE)
_BLOCK_END = {
    "script": re.compile(r"</script\s*>", re.IGNORECASE),
    "style": re.compile(r"</style\s*>", re.IGNORECASE),
}
# A tag; block tags become a line break, the others disappear.
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9:-]*)(?:\s[^<>]*)?/?>")
_BREAK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "section", "article"}
    | {f"h{level}" for level in range(1, 7)}
)
_MARKUP_PASSES = 8  # tags hidden inside tags (<scr<b>ipt>) come out one level a pass
# Control characters: C0 but tab and line breaks, DEL, C1. They are never text; a warning names
# the cell they are removed from (has_control_characters).
_CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_HAS_CONTROL = re.compile(f"[{_CONTROL_CHARACTERS}]")
# Removed without a word: zero-width and bidirectional marks, line/paragraph separators, BOMs.
_CONTROL = re.compile(f"[{_CONTROL_CHARACTERS}\u200b-\u200f\u2028\u2029\u202a-\u202e\ufeff]")
_BLANK_LINES = re.compile(r"\n{2,}")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_JOIN_CJK = re.compile(rf"(?<=[{_CJK}]) *\n *(?=[{_CJK}])")


def strip_markup(text: str) -> str:
    """Remove HTML (comments and script/style blocks with their content, tags; block tags become
    line breaks) and unescape entities, twice, so that ``&lt;b&gt;`` does not turn into markup
    either. Linear in the length of the text: a comment never closed runs to the end of the
    text; a script or style never closed loses only its opening tag (the text after it is kept,
    so ``前<scr<script>ipt>后`` reads ``前后``)."""
    for _ in range(2):
        if "<" not in text and "&" not in text:
            return text
        cleaned = _strip_tags(text)
        if "&" in cleaned:
            cleaned = html.unescape(cleaned)
        if cleaned == text:
            return text  # neither markup nor entities: nothing further can change
        text = cleaned
    return _strip_tags(text, breaks=False) if "<" in text else text


def _strip_tags(text: str, *, breaks: bool = True) -> str:
    """Markup out, pass after pass until nothing changes (a bounded number of passes)."""
    replace = _break_or_nothing if breaks else ""
    for _ in range(_MARKUP_PASSES):
        if "<" not in text:
            break
        stripped = _TAG.sub(replace, _drop_blocks(text))
        if stripped == text:
            break
        text = stripped
    return text


def _break_or_nothing(tag: re.Match[str]) -> str:
    return "\n" if tag.group(1).lower() in _BREAK_TAGS else ""


def _drop_blocks(text: str) -> str:
    """Comments and script/style blocks out, in one pass: every opener is found once, and the
    search for its end either succeeds (and the scan resumes after it) or is not repeated."""
    parts: list[str] = []
    position = 0
    unclosed: set[str] = set()  # block names with no end after some point: none further on
    while (opener := _BLOCK.search(text, position)) is not None:
        parts.append(text[position : opener.start()])
        name = opener.group(1)
        if name is None:  # a comment
            end = text.find("-->", opener.end())
            if end < 0:
                return "".join(parts)  # never closed: the rest is a comment
            position = end + 3
            continue
        name = name.lower()
        closer = None if name in unclosed else _BLOCK_END[name].search(text, opener.end())
        if closer is None:
            unclosed.add(name)
            position = opener.end()  # drop the opening tag only
        else:
            position = closer.end()
    parts.append(text[position:])
    return "".join(parts)


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds control characters (NUL…) that :func:`clean_text` removes."""
    return _HAS_CONTROL.search(text) is not None


def is_plain(text: str) -> bool:
    """Whether :func:`clean_text` keeps ``text`` as it is: lines of printable characters (no
    control, zero-width or bidirectional marks, no tab: Python counts none of them printable,
    nor any space but the ASCII one), no markup, entity or ``$``, no blank line, no space or
    line break at either end of the text or of a line. Most cells are such text; they skip the
    cleaning."""
    if text[:1] in _EDGES or text[-1:] in _EDGES or "<" in text or "&" in text or "$" in text:
        return False
    if "\n" in text:
        if "\n\n" in text or " \n" in text or "\n " in text:
            return False
        text = text.replace("\n", "")
    return text.isprintable()


_EDGES = frozenset({" ", "\n"})  # a text starting or ending so is trimmed ("" is not in it)


def clean_text(value: object) -> str:
    """A cell as multi-line text: markup and OCR's LaTeX removed, control characters dropped,
    spaces at the ends of lines and blank lines removed, the whole trimmed."""
    if value is None:
        return ""
    text = str(value)
    if is_plain(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = clean_ocr_math(strip_markup(text))
    text = _CONTROL.sub("", text.replace("\t", " "))
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip("\n ")


def clean_line(value: object) -> str:
    """A cell as one line (names, values): line breaks inside Chinese text disappear, other
    line breaks become a space."""
    text = clean_text(value)
    if "\n" in text:
        text = _JOIN_CJK.sub("", text).replace("\n", " ")
    return text


def org_key(name: str) -> str:
    """Compare organisation names ignoring spaces and the width of brackets."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def canonical_org_name(name: str) -> str:
    """Chinese organisation names use full-width brackets."""
    return clean_line(name).replace("(", "（").replace(")", "）")


# --------------------------------------------------------------------------- numbers

_AMOUNT = re.compile(r"^[-+]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$")
_YEAR = re.compile(r"^(\d{4})(?:年|年度)?$")


class ValueProblem(ValueError):
    pass


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def parse_amount(text: str, *, wan: bool = False) -> Decimal | None:
    """``7,567,200.00``, ``６９９０００``, ``699000元`` → Decimal in 元 (× 10,000 when ``wan``).
    Empty → None; anything else raises :class:`ValueProblem`."""
    raw = _ascii(text).replace(" ", "").replace("，", ",")
    raw = raw.removeprefix("¥").removeprefix("￥")
    for suffix in ("万元", "元"):
        if raw.endswith(suffix):
            wan = wan or suffix == "万元"
            raw = raw[: -len(suffix)]
            break
    if raw in ("", "-", "—", "/"):
        return None
    if not _AMOUNT.match(raw):
        raise ValueProblem(text)
    try:
        amount = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise ValueProblem(text) from None
    if amount < 0:
        raise ValueProblem(text)
    if wan:
        amount *= TEN_THOUSAND
    return amount.quantize(Decimal("0.01"))


def parse_year(text: str) -> int | None:
    raw = _ascii(text).replace(" ", "")
    if not raw:
        return None
    if raw.endswith(".0"):
        raw = raw[:-2]
    match = _YEAR.match(raw)
    if not match or not 1990 <= int(match.group(1)) <= 2100:
        raise ValueProblem(text)
    return int(match.group(1))


def parse_int(text: str) -> int | None:
    raw = _ascii(text).replace(" ", "").removesuffix("年")
    if raw.endswith(".0"):
        raw = raw[:-2]
    if not raw:
        return None
    if not raw.isdigit():
        raise ValueProblem(text)
    return int(raw)


def parse_bool(text: str) -> bool | None:
    raw = _ascii(text).strip()
    if raw in ("是", "Y", "y", "yes", "新增"):
        return True
    if raw in ("否", "N", "n", "no"):
        return False
    if not raw:
        return None
    raise ValueProblem(text)


# --------------------------------------------------------------------------- categories

_STAR = re.compile(r"^[*＊]\s*")


def category_key(text: str) -> str:
    return "".join(_ascii(text).split())  # every whitespace out (what \s matches: isspace)


@dataclass(frozen=True)
class CategoryMatch:
    level1: str  # full name of the first-level category
    level2: str  # full name of the second-level category, "" for a first-level match
    core: bool  # the name carried a "*"


# (level1 name or None, starred, level2 candidates (level1, level2) or None, is 未分二级)
CategoryLookup = tuple[str | None, bool, list[tuple[str, str]] | None, bool]


def choose_level2(candidates: list[tuple[str, str]], level1: str, core: bool) -> CategoryMatch:
    """``match_level2``'s choice among a name's candidates: the same short name under two
    parents goes by the first-level name given."""
    chosen = next((c for c in candidates if c[0] == level1), candidates[0])
    return CategoryMatch(chosen[0], chosen[1], core)


class CategoryNames:
    """A framework's category names, full and short, for reading what sheets print."""

    def __init__(self, refs: Sequence[CategoryRef]) -> None:
        self.level1: dict[str, str] = {}
        self.level2: dict[str, list[tuple[str, str]]] = {}
        for ref in refs:
            for spelling in (ref.level1, ref.short1):
                self.level1[category_key(spelling)] = ref.level1
            if not ref.level2:
                continue
            for spelling in (ref.level2, ref.short2):
                found = self.level2.setdefault(category_key(spelling), [])
                if (ref.level1, ref.level2) not in found:
                    found.append((ref.level1, ref.level2))

    def match_level2(self, text: str, level1: str = "") -> CategoryMatch | None:
        core = bool(_STAR.match(text))
        candidates = self.level2.get(category_key(_STAR.sub("", text)))
        if not candidates:
            return None
        return choose_level2(candidates, level1, core)

    def match_level1(self, text: str) -> str | None:
        return self.level1.get(category_key(_STAR.sub("", text)))

    def lookup(self, text: str) -> CategoryLookup:
        """What ``match_level1`` and ``match_level2`` read in ``text``, computed once: its
        first-level name (or None), whether it is starred, its second-level candidates (or
        None), and whether it is the 未分二级 cell."""
        star = _STAR.match(text)
        key = category_key(text[star.end() :] if star else text)
        return (
            self.level1.get(key),
            star is not None,
            self.level2.get(key) or None,
            (category_key(text) if star else key) == _UNPLACED_KEY,
        )

    def is_category(self, text: str) -> bool:
        key = category_key(_STAR.sub("", text))
        return key in self.level1 or key in self.level2


_UNPLACED_KEY = category_key(UNPLACED)


def is_not_applicable(text: str) -> bool:
    return category_key(text) == NOT_APPLICABLE
