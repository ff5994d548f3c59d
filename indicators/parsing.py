r"""Parser for free-text indicator target values (指标值) of 项目绩效目标表.

People type target values by hand (or they come out of OCR and rich-text
editors), e.g. ``≥153个系统``, ``年均≤69.9万元``, ``90%以上``, ``24小时内``,
``2023年12月31日前``, ``良好``, ``不适用``.  :func:`parse_target` turns such a
string into a :class:`ParsedTarget`.  Pure standard-library Python; it never
raises, whatever the input.

Normalisation (:func:`normalize_target_text`), in this order:

1. control characters become spaces; zero-width, bidi, BOM and soft-hyphen
   characters and lone surrogates are removed;
2. HTML entities are unescaped, HTML comments and tags are removed (block tags
   such as ``<p>``, ``<br>``, ``<div>`` become a space, inline tags such as
   ``<b>`` disappear); ``<5`` is not a tag;
3. Unicode NFKC: full-width digits, letters and ``％﹪＞＜＝，；：（）`` and
   the ideographic space become ASCII;
4. OCR LaTeX: ``\geq \ge \geqslant`` → ``≥``, ``\leq \le \leqslant`` → ``≤``,
   ``\gt`` → ``>``, ``\lt`` → ``<``, ``\%`` → ``%``, ``\text{…}`` → ``…``;
   braces inside ``$…$`` and every ``$`` are removed;
5. comparators: ``>=`` ``≧`` ``⩾`` ``≮`` → ``≥``; ``<=`` ``≦`` ``⩽`` ``≯`` → ``≤``;
6. whitespace runs collapse to one space; the ends are stripped.

Classification of the normalised text ``s``; the first matching rule wins:

1. ``s`` empty → ``EMPTY``.
2. ``s`` is a "nothing" marker (``不适用`` ``不涉及`` ``无`` ``暂无`` ``/`` ``-``
   ``—`` ``N/A`` …) → ``NOT_APPLICABLE``.
3. Compound: ``s`` splits on ``;`` ``、`` or a non-thousands ``,`` into two or
   more pieces that are *all* quantitative and each carry a unit or a label,
   e.g. ``直接支付 ≥3万笔;授权支付 ≥50万笔`` → ``QUANTITATIVE`` with ``parts``;
   the top level copies comparator, number, unit and qualifier of the first
   part.  ``1,2,3`` is not a compound (bare numbers).
4. Deadline: an explicit calendar date, optionally preceded by a recurring
   qualifier (``每月`` …) or ``截至/不晚于/于``, optionally followed by
   ``前/之前/以前/止`` and a few words (``完成``; but not ``内/以后/起``), e.g.
   ``2023年12月31日前``, ``2023年12月底前``, ``12月31日前``, ``2023-12-31``
   → ``DEADLINE`` with comparator ``≤``.  ``deadline`` is set only when year,
   month and day (or 底/末 = last day of the month or year) are all known and
   valid; otherwise it is ``None`` and the text stays in ``normalized``.  A
   date needs at least one written number, so ``每季度末`` is no deadline; a
   bare month (``12月``) or day (``10日``) without 前 is a quantity.
5. Quantitative, exactly one number:
   ``[qualifier] [prefix comparator] number [unit] [suffix comparator] [(含)]``

   * qualifier: leading text of at most 20 characters without digits,
     comparator symbols, ``%`` or sentence punctuation (``年均``, ``累计``,
     ``每年``, ``直接支付``).  So ``第三方绩效评价结果网上公示率100%`` means
     ``= 100 %`` with the words as qualifier.  Punctuation before the number,
     a second number, or text after the unit make the value qualitative;
   * prefix comparators: the symbols ``≥ ≤ > < =`` and the words
     不少于 不低于 不小于 至少 最少 最低 大于等于 → ``≥``;
     不超过 不高于 不大于 不多于 至多 最多 最高 小于等于 → ``≤``;
     大于 高于 超过 多于 → ``>``; 小于 低于 少于 不足 不到 → ``<``;
     等于 → ``=``.  Weak words only apply without a suffix comparator:
     达到/达 → ``≥``, 控制在 → ``≤``, 为/保持在/维持在/约 → ``=``;
   * suffix comparators: 以上 及以上 或以上 → ``≥``; 以下 及以下 或以下 以内
     之内 内 → ``≤`` (以上/以下/以内 include the number itself, as in
     《民法典》第一千二百五十九条); a trailing ``(不含)`` makes them strict.
     A strong prefix beats a suffix;
   * no comparator at all → ``=``;
   * number: Arabic digits with optional ``,`` thousands separators and
     decimals, kept exactly as written in a :class:`~decimal.Decimal`
     (``69.9`` → ``Decimal('69.9')``, ``1,000`` → ``Decimal('1000')``);
     small Chinese numerals (``两次``, ``一个月``) only before a known unit
     and after a known recurring qualifier;
   * unit: ``%`` ``‰`` ``个百分点``; an optional multiplier (万 亿 千 百 十万
     百万 千万 万亿) followed by a known measure (元 年 小时 秒 …) or
     classifier (个 次 台 套 人 条 家 笔 课时 场次 份 件 …); a classifier may
     carry a noun of up to four characters (``个系统``, ``个工作日``); a bare
     multiplier (``亿``); Latin units (``GB``); an optional rate (``次/年``);
     otherwise any one or two CJK characters after an Arabic number.
6. Anything else → ``QUALITATIVE`` (comparator ``None``); a leading recurring
   qualifier such as ``每季度`` in ``每季度末`` is copied to ``qualifier``.

Texts longer than :data:`MAX_ANALYSED_LENGTH` after normalisation are
qualitative without further analysis.  Ranges (``90%-95%``) are qualitative.
"""

from __future__ import annotations

import datetime
import functools
import html
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

__all__ = [
    "MAX_ANALYSED_LENGTH",
    "Comparator",
    "ParsedTarget",
    "TargetKind",
    "normalize_target_text",
    "parse_target",
]

MAX_ANALYSED_LENGTH = 200
"""Normalised texts longer than this are treated as qualitative prose."""


class TargetKind(StrEnum):
    """What kind of target a value expresses."""

    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"
    DEADLINE = "deadline"
    NOT_APPLICABLE = "not_applicable"
    EMPTY = "empty"

    @property
    def label(self) -> str:
        """Short Chinese label of the kind."""
        return _KIND_LABELS[self]


_KIND_LABELS: dict[TargetKind, str] = {
    TargetKind.QUANTITATIVE: "定量",
    TargetKind.QUALITATIVE: "定性",
    TargetKind.DEADLINE: "时限",
    TargetKind.NOT_APPLICABLE: "不适用",
    TargetKind.EMPTY: "未填写",
}


class Comparator(StrEnum):
    """What the target means relative to its number."""

    GE = "≥"
    LE = "≤"
    GT = ">"
    LT = "<"
    EQ = "="


@dataclass(frozen=True, slots=True)
class ParsedTarget:
    """Structured form of one target value (指标值)."""

    raw: str
    normalized: str
    kind: TargetKind
    comparator: Comparator | None = None
    number: Decimal | None = None
    unit: str = ""
    qualifier: str = ""
    deadline: datetime.date | None = None
    parts: tuple[ParsedTarget, ...] = ()

    @property
    def is_quantitative(self) -> bool:
        """True when the target is a number to compare against."""
        return self.kind is TargetKind.QUANTITATIVE

    @property
    def is_compound(self) -> bool:
        """True when the value consists of several quantitative parts."""
        return len(self.parts) > 1

    def display(self) -> str:
        """Short Chinese description, e.g. ``年均 ≥ 69.9 万元``, ``定性：良好``, ``不适用``."""
        try:
            return self._display()
        except Exception:  # pragma: no cover - display must not raise either
            return self.normalized

    def _display(self) -> str:
        if self.kind is TargetKind.EMPTY:
            return "未填写"
        if self.kind is TargetKind.NOT_APPLICABLE:
            return "不适用"
        if self.kind is TargetKind.QUALITATIVE:
            return f"定性：{self.normalized}"
        if self.kind is TargetKind.DEADLINE:
            when = self.deadline.isoformat() if self.deadline else _deadline_text(self)
            return " ".join(p for p in (self.qualifier, "截止", when) if p)
        if self.parts:
            return "；".join(part.display() for part in self.parts)
        number = _format_decimal(self.number) if self.number is not None else ""
        comparator = self.comparator.value if self.comparator else ""
        return " ".join(p for p in (self.qualifier, comparator, number, self.unit) if p)


# --------------------------------------------------------------------------- normalisation

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_INVISIBLE_RE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ud800-\udfff]")
_HTML_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_HTML_BLOCK_TAG_RE = re.compile(
    r"</?(?:p|div|br|li|ul|ol|tr|td|th|table|tbody|thead|h[1-6]|hr|section|article)\b[^<>]*>",
    re.I,
)
_HTML_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>|<![A-Za-z][^<>]*>")
_LATEX_MATH_RE = re.compile(r"\$([^$]*)\$")
_LATEX_TEXT_RE = re.compile(r"\\(?:text|mathrm|mathbf|textbf|rm|mbox)\s*\{([^{}]*)\}")
_LATEX_COMMANDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\\(?:geqslant|geqq|geq|ge)(?![A-Za-z])"), "≥"),
    (re.compile(r"\\(?:leqslant|leqq|leq|le)(?![A-Za-z])"), "≤"),
    (re.compile(r"\\gt(?![A-Za-z])"), ">"),
    (re.compile(r"\\lt(?![A-Za-z])"), "<"),
    (re.compile(r"\\(?:left|right)(?![A-Za-z])"), ""),
    (re.compile(r"\\%"), "%"),
    (re.compile(r"\\[,;:! ]"), " "),
)
_GE_RE = re.compile(r">\s*=|≧|⩾|≮")
_LE_RE = re.compile(r"<\s*=|≦|⩽|≯")
_SPACE_RE = re.compile(r"\s+")


def normalize_target_text(text: str | None) -> str:
    """Return the normalised form of a target value (see the module docstring). Never raises."""
    try:
        return _normalize(text)
    except Exception:  # must never raise
        return ""


def _normalize(text: str | None) -> str:
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    s = _CONTROL_RE.sub(" ", s)
    s = _INVISIBLE_RE.sub("", s)
    if "&" in s:
        s = html.unescape(s)
        s = _CONTROL_RE.sub(" ", s)
        s = _INVISIBLE_RE.sub("", s)
    if "<" in s:
        s = _HTML_COMMENT_RE.sub("", s)
        s = _HTML_BLOCK_TAG_RE.sub(" ", s)
        s = _HTML_TAG_RE.sub("", s)
    s = unicodedata.normalize("NFKC", s)
    if "\\" in s or "$" in s:
        s = _LATEX_MATH_RE.sub(lambda m: _latex(m.group(1)).replace("{", "").replace("}", ""), s)
        s = _latex(s).replace("$", "")
    s = _GE_RE.sub("≥", s)
    s = _LE_RE.sub("≤", s)
    s = s.replace("٪", "%").replace("−", "-")
    return _SPACE_RE.sub(" ", s).strip()


_OCR_MATH_RE = re.compile(r"\s*\$([^$]*\\[A-Za-z%][^$]*)\$")


def clean_ocr_math(text: str) -> str:
    """Turn the LaTeX that OCR leaves in extracted sheets back into what was printed:
    ``年均 $\\geq 90\\%$`` → ``年均≥90%``. Only ``$…$`` spans holding a backslash command are
    touched, so an ordinary ``$`` stays."""
    if "$" not in text:
        return text
    return _OCR_MATH_RE.sub(
        lambda m: re.sub(r"\s+", "", _latex(m.group(1)).replace("{", "").replace("}", "")), text
    )


def _latex(s: str) -> str:
    s = _LATEX_TEXT_RE.sub(r"\1", s)
    for pattern, replacement in _LATEX_COMMANDS:
        s = pattern.sub(replacement, s)
    return s


# --------------------------------------------------------------------------- vocabulary

_NOT_APPLICABLE = frozenset(
    {
        "不适用", "不涉及", "无", "暂无", "无此项", "没有", "不需要",
        "/", "//", "\\", "-", "--", "---", "—", "——", "–", "―", "─",
        "n/a", "na", "none", "null", "nil",
    }
)  # fmt: skip

# Comparator words/symbols before the number.  Longest first so alternation prefers them.
_PREFIX_COMPARATORS: dict[str, Comparator] = {
    "大于或等于": Comparator.GE,
    "大于等于": Comparator.GE,
    "不得少于": Comparator.GE,
    "不得低于": Comparator.GE,
    "不少于": Comparator.GE,
    "不低于": Comparator.GE,
    "不小于": Comparator.GE,
    "至少": Comparator.GE,
    "最少": Comparator.GE,
    "最低": Comparator.GE,
    "小于或等于": Comparator.LE,
    "小于等于": Comparator.LE,
    "低于或等于": Comparator.LE,
    "不得超过": Comparator.LE,
    "不得高于": Comparator.LE,
    "不超过": Comparator.LE,
    "不高于": Comparator.LE,
    "不大于": Comparator.LE,
    "不多于": Comparator.LE,
    "至多": Comparator.LE,
    "最多": Comparator.LE,
    "最高": Comparator.LE,
    "大于": Comparator.GT,
    "高于": Comparator.GT,
    "超过": Comparator.GT,
    "多于": Comparator.GT,
    "小于": Comparator.LT,
    "低于": Comparator.LT,
    "少于": Comparator.LT,
    "不足": Comparator.LT,
    "不到": Comparator.LT,
    "等于": Comparator.EQ,
    "≥": Comparator.GE,
    "≤": Comparator.LE,
    ">": Comparator.GT,
    "<": Comparator.LT,
    "=": Comparator.EQ,
}
# Weak words: they only apply when no suffix comparator is present.
_WEAK_PREFIXES: dict[str, Comparator] = {
    "保持在": Comparator.EQ,
    "维持在": Comparator.EQ,
    "控制在": Comparator.LE,
    "达到": Comparator.GE,
    "达": Comparator.GE,
    "为": Comparator.EQ,
    "约": Comparator.EQ,
}
_SUFFIX_COMPARATORS: dict[str, Comparator] = {
    "及以上": Comparator.GE,
    "或以上": Comparator.GE,
    "以上": Comparator.GE,
    "及以下": Comparator.LE,
    "或以下": Comparator.LE,
    "以下": Comparator.LE,
    "以内": Comparator.LE,
    "之内": Comparator.LE,
    "内": Comparator.LE,
}
_STRICT = {Comparator.GE: Comparator.GT, Comparator.LE: Comparator.LT}

_RECURRING_QUALIFIERS = (
    "每半年", "每季度", "每年度", "每学期", "每年", "每半月", "每月", "每周", "每日", "每天",
    "每次",
    "年均", "月均", "日均", "季均", "人均", "平均", "累计", "全年", "年度", "合计", "共计", "总计",
    "共",
)  # fmt: skip

_MULTIPLIERS = ("万亿", "十万", "百万", "千万", "亿", "万", "千", "百")
_CLASSIFIERS = (
    "个百分点", "人次", "户次", "场次", "课时", "学时", "网点", "人天", "人月",
    "个", "台", "套", "次", "人", "条", "家", "项", "件", "份", "笔", "场", "户", "所", "座", "间",
    "张", "本", "册", "篇", "部", "辆", "位", "名", "处", "宗", "单", "例", "块", "批", "期", "组",
    "类", "种", "门", "节", "轮", "盏", "棵", "株", "根", "只", "头", "片", "栋", "幢", "班", "课",
    "群", "站", "点", "队", "支", "届", "则", "封", "起",
)  # fmt: skip
_MEASURES = (
    "工作日", "平方公里", "平方米", "立方米", "千瓦时", "毫秒", "分钟", "小时", "季度", "公里",
    "千米", "公顷", "千克", "公斤", "百分点", "元", "年", "月", "日", "天", "周", "秒", "分", "米",
    "亩", "吨", "克", "升", "度", "岁", "倍", "级", "星",
)  # fmt: skip


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_MULT = f"(?:{_alternation(_MULTIPLIERS)})"
_CLASSIFIER_UNIT = rf"{_MULT}?(?:{_alternation(_CLASSIFIERS)})"
_OTHER_UNIT = rf"%|‰|°C|{_MULT}?(?:{_alternation(_MEASURES)})|{_MULT}|[A-Za-z]{{1,6}}"
_RATE = rf"(?:/{_MULT}?[\u4e00-\u9fffA-Za-z.]{{1,4}})?"
# A classifier may carry a short noun: 个系统, 个工作日, 个预算单位.
_UNIT_RE = re.compile(rf"(?:{_CLASSIFIER_UNIT}[\u4e00-\u9fff]{{0,4}}|{_OTHER_UNIT}){_RATE}")
_STRICT_UNIT_RE = re.compile(rf"(?:{_CLASSIFIER_UNIT}|{_OTHER_UNIT}){_RATE}")
_GENERIC_UNIT_RE = re.compile(r"[\u4e00-\u9fff]{1,2}" + _RATE)

_ALL_PREFIXES = _alternation([*_PREFIX_COMPARATORS, *_WEAK_PREFIXES])
_QUALIFIER = r"[^0-9<>=≥≤%,;.。!?、()]{0,20}?"
_ARABIC_RE = re.compile(
    rf"(?P<qual>{_QUALIFIER})\s*(?P<cmp>{_ALL_PREFIXES})?\s*"
    r"(?P<num>-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+)"
    r"(?P<rest>[^0-9]*)"
)
_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CHINESE_RE = re.compile(
    rf"(?P<qual>{_alternation(_RECURRING_QUALIFIERS)})?\s*(?P<cmp>{_ALL_PREFIXES})?\s*"
    r"(?P<num>[零〇一二两三四五六七八九十百千]+)(?P<rest>[^0-9]*)"
)
_INCLUSIVE_RE = re.compile(r"\((?P<neg>不)?含(?:本数|该数|此数)?\)$")
_TRAILING_PUNCT = "。.;,!?、 "
_COMPOUND_SPLIT_RE = re.compile(r"\s*(?:;|、|,(?!(?<=\d,)\d{3}(?!\d)))\s*")
_RECURRING_RE = re.compile(rf"^(?:{_alternation(_RECURRING_QUALIFIERS)})")

_DEADLINE_RE = re.compile(
    r"(?P<qual>每年|每季度|每月|次年|当年|本年度|本年)?\s*"
    r"(?:截至|截止到|截止|不晚于|最迟于|最迟|于|在)?\s*"
    r"(?P<date>"
    r"(?P<iy>\d{4})\s*[-/.]\s*(?P<im>\d{1,2})\s*[-/.]\s*(?P<id>\d{1,2})\s*日?"
    r"|(?P<yy>\d{4})\s*年\s*(?:年底|年末|底|末)"
    r"|(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?:份|(?P<d>\d{1,2})\s*[日号]|(?P<me>底|末))?"
    r"|(?P<dd>\d{1,2})\s*[日号]"
    r")\s*"
    r"(?P<post>之前|以前|前|为止|止|截止|到期)?\s*"
    r"(?P<tail>(?![内以之起后开])[\u4e00-\u9fff]{0,8})"
)


# --------------------------------------------------------------------------- parsing


def parse_target(text: str | None) -> ParsedTarget:
    """Parse a free-text target value (指标值) into a :class:`ParsedTarget`.

    Never raises: unexpected input (including non-``str`` objects) degrades to a qualitative or
    empty result.  See the module docstring for the full list of rules.
    """
    try:
        raw = "" if text is None else (text if isinstance(text, str) else str(text))
    except Exception:  # must never raise
        raw = ""
    return _parse_text(raw)


# A page reads the same values again and again (the editor: each value for its reading and by
# several checks; a city's forms share most of theirs), and a ParsedTarget is frozen.
@functools.lru_cache(maxsize=8192)
def _parse_text(raw: str) -> ParsedTarget:
    try:
        normalized = _normalize(raw)
        return _parse_normalized(raw, normalized)
    except Exception:  # must never raise
        normalized = normalize_target_text(raw)
        kind = TargetKind.QUALITATIVE if normalized else TargetKind.EMPTY
        return ParsedTarget(raw=raw, normalized=normalized, kind=kind)


def _parse_normalized(raw: str, s: str) -> ParsedTarget:
    if not s:
        return ParsedTarget(raw=raw, normalized=s, kind=TargetKind.EMPTY)
    if s.rstrip(_TRAILING_PUNCT).casefold() in _NOT_APPLICABLE or s in _NOT_APPLICABLE:
        return ParsedTarget(raw=raw, normalized=s, kind=TargetKind.NOT_APPLICABLE)
    if len(s) > MAX_ANALYSED_LENGTH:
        return _qualitative(raw, s)
    compound = _parse_compound(raw, s)
    if compound is not None:
        return compound
    single = _parse_single(raw, s)
    return single if single is not None else _qualitative(raw, s)


def _qualitative(raw: str, s: str) -> ParsedTarget:
    m = _RECURRING_RE.match(s)
    return ParsedTarget(
        raw=raw, normalized=s, kind=TargetKind.QUALITATIVE, qualifier=m.group(0) if m else ""
    )


def _parse_compound(raw: str, s: str) -> ParsedTarget | None:
    pieces = [p for p in _COMPOUND_SPLIT_RE.split(s) if p]
    if len(pieces) < 2:
        return None
    parts: list[ParsedTarget] = []
    for piece in pieces:
        part = _parse_single(piece, piece)
        if part is None or part.kind is not TargetKind.QUANTITATIVE:
            return None
        if not (part.qualifier or part.unit):
            return None  # "1,2,3" is a list of bare numbers, not a compound target
        parts.append(part)
    first = parts[0]
    return ParsedTarget(
        raw=raw,
        normalized=s,
        kind=TargetKind.QUANTITATIVE,
        comparator=first.comparator,
        number=first.number,
        unit=first.unit,
        qualifier=first.qualifier,
        parts=tuple(parts),
    )


def _parse_single(raw: str, s: str) -> ParsedTarget | None:
    return _parse_deadline(raw, s) or _parse_quantity(raw, s)


def _parse_deadline(raw: str, s: str) -> ParsedTarget | None:
    m = _DEADLINE_RE.fullmatch(s)
    if m is None:
        return None
    qualifier = m.group("qual") or ""
    has_post = m.group("post") is not None
    year = month = day = None
    last_of_month = False
    if m.group("iy"):
        year, month, day = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
    elif m.group("yy"):
        year, month, last_of_month = int(m.group("yy")), 12, True
    elif m.group("m"):
        if not (m.group("y") or m.group("d") or m.group("me") or has_post):
            return None  # a bare "12月" is a quantity, not a date
        year = int(m.group("y")) if m.group("y") else None
        month = int(m.group("m"))
        day = int(m.group("d")) if m.group("d") else None
        last_of_month = m.group("me") is not None
    else:
        if not (has_post or qualifier):
            return None  # "10日" alone is a duration
        day = int(m.group("dd"))
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None
    deadline: datetime.date | None = None
    if year is not None and month is not None:
        try:
            if last_of_month:
                first_next = datetime.date(year + month // 12, month % 12 + 1, 1)
                deadline = first_next - datetime.timedelta(days=1)
            elif day is not None:
                deadline = datetime.date(year, month, day)
        except (ValueError, OverflowError):
            deadline = None
    return ParsedTarget(
        raw=raw,
        normalized=s,
        kind=TargetKind.DEADLINE,
        comparator=Comparator.LE,
        qualifier=qualifier,
        deadline=deadline,
    )


def _parse_quantity(raw: str, s: str) -> ParsedTarget | None:
    m = _ARABIC_RE.fullmatch(s)
    chinese = False
    if m is None:
        m = _CHINESE_RE.fullmatch(s)
        chinese = True
        if m is None:
            return None
    qualifier = (m.group("qual") or "").strip().rstrip(":").strip()
    number = _chinese_number(m.group("num")) if chinese else _decimal(m.group("num"))
    if number is None:
        return None
    rest = m.group("rest").strip().rstrip(_TRAILING_PUNCT)
    strict = False
    inclusive = _INCLUSIVE_RE.search(rest)
    if inclusive:
        strict = inclusive.group("neg") is not None
        rest = rest[: inclusive.start()].rstrip()
    suffix: Comparator | None = None
    for word, comparator in _SUFFIX_COMPARATORS.items():
        if rest.endswith(word):
            suffix = _STRICT.get(comparator, comparator) if strict else comparator
            rest = rest[: -len(word)].rstrip()
            break
    unit = rest
    if unit:
        if chinese:
            if not _STRICT_UNIT_RE.fullmatch(unit):
                return None
        elif not (_UNIT_RE.fullmatch(unit) or _GENERIC_UNIT_RE.fullmatch(unit)):
            return None
    elif chinese:
        return None
    comparator = _resolve_comparator(m.group("cmp"), suffix)
    return ParsedTarget(
        raw=raw,
        normalized=s,
        kind=TargetKind.QUANTITATIVE,
        comparator=comparator,
        number=number,
        unit=unit,
        qualifier=qualifier,
    )


def _resolve_comparator(prefix: str | None, suffix: Comparator | None) -> Comparator:
    if prefix is not None and prefix in _PREFIX_COMPARATORS:
        return _PREFIX_COMPARATORS[prefix]
    if suffix is not None:
        return suffix
    if prefix is not None and prefix in _WEAK_PREFIXES:
        return _WEAK_PREFIXES[prefix]
    return Comparator.EQ


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _chinese_number(text: str) -> Decimal | None:
    """Convert a small Chinese numeral (``两``, ``十二``, ``一百零五``) to a Decimal."""
    total = 0
    digit: int | None = None
    last_unit = 10_000
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None and digit != 0:
                return None  # "一二" is not a number
            digit = _CN_DIGITS[ch]
        else:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                return None  # "千千" / "十百" are not numbers
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    if digit is not None:
        total += digit
    return Decimal(total)


def _format_decimal(value: Decimal) -> str:
    return format(value, "f")


def _deadline_text(target: ParsedTarget) -> str:
    m = _DEADLINE_RE.fullmatch(target.normalized)
    return m.group("date").strip() if m else target.normalized
