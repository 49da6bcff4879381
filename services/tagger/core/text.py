"""Text utilities that keep character offsets stable, so evidence spans point into the original text."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right


class _FoldTable(dict[int, str]):
    """``str.translate`` table mapping every character to one lowercase, accent-free character."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        base = unicodedata.normalize("NFKD", char)[:1] or char
        if char in "’‘`´ʼ":
            folded = "'"
        elif char in "“”«»":
            folded = '"'
        elif char in "‐‑‒–—―":
            folded = "-"
        elif base.isascii():
            folded = base.lower()
        else:
            lowered = char.lower()
            folded = lowered if len(lowered) == 1 else char
        self[codepoint] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lowercase, strip accents and unify quotes/dashes, one output character per input character."""
    return text.translate(_FOLD)


class _WordTable(dict[int, str]):
    """``str.translate`` table keeping letters and digits and turning everything else into a space."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        self[codepoint] = kept = char if char.isalnum() else " "
        return kept


_WORDS = _WordTable()


def word_form(folded: str) -> str:
    """Folded text with punctuation as spaces, same length: keys padded with spaces then only match
    whole words, so the automaton does the word-boundary check itself."""
    return folded.translate(_WORDS)


def is_word_char(char: str) -> bool:
    return char.isalnum()


def bounded(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is not glued to letters or digits on either side."""
    if start > 0 and is_word_char(text[start - 1]):
        return False
    return not (end < len(text) and is_word_char(text[end]))


_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "sgt", "capt", "gov", "sen", "rep", "st",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "vs",
    "u.s", "u.k", "u.n", "e.u", "inc", "corp", "co", "ltd", "jr", "sr", "rev", "pres", "amb", "messrs",
}
# A sentence ends at . ! ? (plus closing quotes/brackets) before a capital or digit, or at a blank line.
# The leading character class lets the regex engine skip quickly to candidate positions.
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=[.!?])[.!?]*[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])|(?<=\n)\s*\n)")
_LONGEST_ABBREVIATION = max(len(a) for a in _ABBREVIATIONS) + 1  # an opening quote or bracket


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; a regex splitter with an abbreviation guard."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        dot = match.start()
        if text[dot] == ".":
            word_start = text.rfind(" ", 0, dot) + 1
            if dot - word_start <= _LONGEST_ABBREVIATION:  # only short words can be abbreviations
                word = text[word_start:dot].lower().lstrip("(\"'“")
                if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                    continue
        end = match.end()
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    # trim leading whitespace so spans begin on the sentence's first character; drop blank ones
    trimmed = []
    for s, e in spans:
        piece = text[s:e]
        stripped = piece.lstrip()
        if stripped.rstrip():
            trimmed.append((s + len(piece) - len(stripped), e))
    return trimmed


class SentenceIndex:
    """Maps a character offset to the index of the sentence holding it."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        self._starts = [s for s, _ in spans]

    def sentence_of(self, offset: int) -> int:
        return max(0, bisect_right(self._starts, offset) - 1)
