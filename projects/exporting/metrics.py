"""How wide text prints and where it wraps, from the fonts' own advance widths.

Both exports print CJK text, whose characters are one em wide in every font they use (Noto
Serif CJK SC in the PDF; 宋体 in the workbook, which a machine without it draws with Noto Sans
CJK SC, and DejaVu Sans for the Latin letters and digits). The characters that are not one em
wide are the ASCII ones and a few punctuation marks: their widths below are the widest of Noto
Sans CJK SC, Noto Serif CJK SC and DejaVu Sans (read from the fonts' ``hmtx`` tables), so a
width computed here is never less than any of them prints. Other characters count one em (CJK,
full-width and ambiguous-width marks) or 0.65 em (other letters).

``wrap`` breaks a paragraph into lines as a line breaker does: anywhere between two CJK
characters, at spaces in Latin text, never before a closing mark (``。，、）”`` …) nor after an
opening one, and a word wider than the line wherever it must.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

_ASCII = "".join(chr(code) for code in range(0x20, 0x7F))
_EXTRA = "“”‘’—…·×÷±°²³‰€¥"
# em widths of _ASCII + _EXTRA: the widest of the three fonts, regular and bold
_REGULAR = (
    "0.318,0.401,0.474,0.838,0.636,0.950,0.780,0.278,0.390,0.390,0.500,0.838,0.327,0.361,0.327,"
    "0.392,0.636,0.636,0.636,0.636,0.636,0.636,0.636,0.636,0.636,0.636,0.337,0.337,0.838,0.838,"
    "0.838,0.531,1.000,0.718,0.686,0.698,0.770,0.652,0.629,0.775,0.853,0.405,0.535,0.731,0.625,"
    "0.975,0.796,0.787,0.641,0.787,0.715,0.635,0.659,0.797,0.714,1.053,0.700,0.687,0.685,0.390,"
    "0.392,0.390,0.838,0.563,0.606,0.613,0.638,0.550,0.635,0.615,0.388,0.635,0.663,0.332,0.311,"
    "0.607,0.334,0.974,0.661,0.612,0.638,0.635,0.462,0.521,0.392,0.653,0.592,0.838,0.592,0.592,"
    "0.525,0.636,0.337,0.636,0.838,1.000,1.000,1.000,1.000,1.000,1.000,1.000,1.000,1.000,1.000,"
    "0.500,0.411,0.411,1.342,0.636,0.636"
)
_BOLD = (
    "0.348,0.456,0.574,0.838,0.696,1.002,0.872,0.325,0.457,0.457,0.523,0.838,0.380,0.415,0.380,"
    "0.400,0.696,0.696,0.696,0.696,0.696,0.696,0.696,0.696,0.696,0.696,0.400,0.400,0.838,0.838,"
    "0.838,0.580,1.007,0.774,0.762,0.734,0.830,0.683,0.683,0.821,0.864,0.426,0.568,0.775,0.642,"
    "1.001,0.837,0.850,0.733,0.850,0.770,0.720,0.695,0.818,0.774,1.103,0.771,0.724,0.725,0.457,"
    "0.400,0.457,0.838,0.593,0.626,0.675,0.716,0.593,0.716,0.678,0.435,0.716,0.712,0.349,0.343,"
    "0.665,0.355,1.042,0.712,0.687,0.716,0.716,0.500,0.595,0.478,0.712,0.652,0.924,0.645,0.652,"
    "0.582,0.712,0.365,0.712,0.838,1.000,1.000,1.000,1.000,1.000,1.000,1.000,1.000,1.000,1.000,"
    "0.500,0.438,0.438,1.440,0.696,0.696"
)
_WIDTHS = {
    False: dict(zip(_ASCII + _EXTRA, map(float, _REGULAR.split(",")), strict=True)),
    True: dict(zip(_ASCII + _EXTRA, map(float, _BOLD.split(",")), strict=True)),
}
OTHER_EM = 0.65  # a letter of another script

# no line begins with these …
_CLOSING = set("。，、；：？！）」』】〉》〕”’…—·％%.,;:!?)]}")
# … and none ends with these
_OPENING = set("（「『【〈《〔“‘([{")


@cache
def char_width(ch: str, bold: bool = False) -> float:
    """The character's advance in em."""
    known = _WIDTHS[bold].get(ch)
    if known is not None:
        return known
    if unicodedata.east_asian_width(ch) in "WFA":
        return 1.0
    if unicodedata.category(ch).startswith(("M", "C")):
        return 0.0
    return OTHER_EM


def text_width(text: str, bold: bool = False) -> float:
    """The text's width in em, on one line."""
    return sum(char_width(ch, bold) for ch in text)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _tokens(paragraph: str) -> list[str]:
    """The paragraph in runs no line may break inside: a CJK character, a Latin word with the
    spaces after it, each with the closing marks that follow it and the opening marks before."""
    tokens: list[str] = []
    for ch in paragraph:
        if not tokens:
            tokens.append(ch)
            continue
        last = tokens[-1]
        if ch in _CLOSING or last[-1] in _OPENING:
            tokens[-1] += ch
        elif _wide(ch) or _wide(last[-1]):
            tokens.append(ch)
        elif ch == " " or last[-1] != " ":
            tokens[-1] += ch  # a word goes on, or spaces after it
        else:
            tokens.append(ch)
    return tokens


@dataclass(frozen=True)
class Line:
    text: str
    ends_paragraph: bool  # a line break follows it in the text


def wrap(text: str, width_em: float, bold: bool = False) -> list[Line]:
    """The text's lines in a box ``width_em`` wide (each paragraph at least one line)."""
    lines: list[Line] = []
    paragraphs = text.split("\n")
    for number, paragraph in enumerate(paragraphs):
        last = number + 1 == len(paragraphs)
        current, width = "", 0.0
        for token in _tokens(paragraph):
            token_width = text_width(token.rstrip(" "), bold)
            if current and width + token_width > width_em:
                lines.append(Line(current, False))
                current, width = "", 0.0
            if token_width > width_em:  # wider than the line: cut wherever it must
                for ch in token:
                    ch_width = char_width(ch, bold)
                    if current and width + ch_width > width_em:
                        lines.append(Line(current, False))
                        current, width = "", 0.0
                    current += ch
                    width += ch_width
                continue
            current += token
            width += text_width(token, bold)
        lines.append(Line(current, not last))
    return lines


def join_lines(lines: list[Line]) -> str:
    """The text of consecutive lines, as it was (a line break after each paragraph's end)."""
    text = "".join(line.text + ("\n" if line.ends_paragraph else "") for line in lines)
    return text[:-1] if lines and lines[-1].ends_paragraph else text
