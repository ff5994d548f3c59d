"""Cleaning cell text and reading amounts, years, yes/no and indicator categories."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from indicators.parsing import clean_ocr_math
from projects.layouts import NOT_APPLICABLE, TEN_THOUSAND, CategoryRef

# --------------------------------------------------------------------------- text

_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BREAK = re.compile(
    r"</?(?:p|div|br|li|ul|ol|tr|table|h[1-6]|blockquote|section|article)\b[^<>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]*)?/?>")
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\u202a-\u202e\ufeff]"
)
_BLANK_LINES = re.compile(r"\n{2,}")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_JOIN_CJK = re.compile(rf"(?<=[{_CJK}]) *\n *(?=[{_CJK}])")


def strip_markup(text: str) -> str:
    """Remove HTML tags (block tags become line breaks) and unescape entities, twice, so that
    ``&lt;b&gt;`` does not turn into markup either."""
    for _ in range(2):
        if "<" not in text and "&" not in text:
            break
        text = _COMMENT.sub("", _SCRIPT.sub("", text))
        text = _BREAK.sub("\n", text)
        text = _TAG.sub("", text)
        text = html.unescape(text)
    return _TAG.sub("", text)


def clean_text(value: object) -> str:
    """A cell as multi-line text: markup and OCR's LaTeX removed, control characters dropped,
    spaces at the ends of lines and blank lines removed, the whole trimmed."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
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
    return re.sub(r"\s+", "", _ascii(text))


@dataclass(frozen=True)
class CategoryMatch:
    level1: str  # full name of the first-level category
    level2: str  # full name of the second-level category, "" for a first-level match
    core: bool  # the name carried a "*"


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
        # the same short name under two parents: trust the first-level name given
        chosen = next((c for c in candidates if c[0] == level1), candidates[0])
        return CategoryMatch(chosen[0], chosen[1], core)

    def match_level1(self, text: str) -> str | None:
        return self.level1.get(category_key(_STAR.sub("", text)))

    def is_category(self, text: str) -> bool:
        key = category_key(_STAR.sub("", text))
        return key in self.level1 or key in self.level2


def is_not_applicable(text: str) -> bool:
    return category_key(text) == NOT_APPLICABLE
