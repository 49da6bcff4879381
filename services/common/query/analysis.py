"""Text analysis as Elasticsearch does it, so a text-field query matches the same events in the stream.

A text field (``article.title``, ``evidence.text``) is searched by its tokens, not its string: the
``standard`` analyzer splits on Unicode word boundaries (UAX #29, Lucene's ``StandardTokenizer``) and
lowercases, so ``article.title:putin`` and ``article.title:Putin`` both match "Putin's visit", and a
quoted phrase matches consecutive tokens. The mapping names the analyzer per field; each analyzer here is
a pipeline of the same stages Elasticsearch chains (tokenizer, possessive filter, lowercase, stop words,
stemmer), so switching a field to ``english`` (Porter stemming, English stop words) changes matching here
exactly as it changes it in the index.

The tokenizer is an approximation of UAX #29 good for news text: letters, digits, combining marks and
underscores make words; an apostrophe, period or colon between letters, and a period, comma or
apostrophe between digits, join them ("U.S", "don't", "3.14", "1,000"); each Han or Hiragana character
is a word of its own. It does not emit emoji tokens and lowercases with Python's rules rather than
Java's; outside those corners its tokens are Lucene's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from services.common.query.porter import stem

# A token and its position: stop words leave gaps, and phrases compare positions, as in Lucene.
Token = tuple[int, str]

MAX_TOKEN_LENGTH = 255  # Lucene's StandardTokenizer splits longer runs at this length

# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, which Elasticsearch's `_english_` stop list is.
ENGLISH_STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
    "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this",
    "to", "was", "will", "with",
))

_IDEOGRAPHIC = "\u3040-\u309f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_MID_LETTER = "'.:\u00b7\u0387\u05f4\u2018\u2019\u2024\u2027\ufe13\ufe52\ufe55\uff07\uff0e\uff1a"
_MID_NUMBER = ("'.,;\u037e\u0589\u060c\u060d\u066c\u07f8\u2018\u2019\u2024\u2044"
               "\ufe10\ufe14\ufe50\ufe52\ufe54\uff07\uff0c\uff0e\uff1b")
_POSSESSIVE_APOSTROPHES = ("'", "\u2019", "\uff07")


@cache
def _combining_marks() -> str:
    """Combining marks as a character-class body: they belong to the letter before them, as in UAX #29."""
    ranges: list[str] = []
    start = None
    for code in range(0x300, 0x10000):
        is_mark = unicodedata.category(chr(code)).startswith("M")
        if is_mark and start is None:
            start = code
        elif not is_mark and start is not None:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(code - 1))}")
            start = None
    return "".join(ranges)


@cache
def _standard_token_re() -> re.Pattern[str]:
    marks = _combining_marks()
    word_char = f"(?:[^\\W{_IDEOGRAPHIC}]|[{marks}])"
    letter = f"(?:[^\\W\\d_{_IDEOGRAPHIC}]|[{marks}])"
    mid_letter = re.escape(_MID_LETTER)
    mid_number = re.escape(_MID_NUMBER)
    return re.compile(
        f"[{_IDEOGRAPHIC}]"
        f"|(?:{word_char}|(?<={letter})[{mid_letter}](?={letter})|(?<=\\d)[{mid_number}](?=\\d))+"
    )


_LETTERS_RE = re.compile(r"[^\W\d_]+")


def _has_alphanumeric(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def standard_tokenize(text: str) -> list[str]:
    """Words of ``text`` as Lucene's StandardTokenizer cuts them (before any filter)."""
    words: list[str] = []
    for match in _standard_token_re().finditer(text):
        token = match.group()
        if not _has_alphanumeric(token):
            continue  # a run of underscores is no word
        if len(token) > MAX_TOKEN_LENGTH:
            words.extend(token[i:i + MAX_TOKEN_LENGTH] for i in range(0, len(token), MAX_TOKEN_LENGTH))
        else:
            words.append(token)
    return words


def letter_tokenize(text: str) -> list[str]:
    """Lucene's LetterTokenizer (the ``simple`` and ``stop`` analyzers): runs of letters."""
    return _LETTERS_RE.findall(text)


def whitespace_tokenize(text: str) -> list[str]:
    return text.split()


def keyword_tokenize(text: str) -> list[str]:
    return [text]


def _strip_possessive(token: str) -> str:
    if len(token) >= 2 and token[-1] in "sS" and token[-2] in _POSSESSIVE_APOSTROPHES:
        return token[:-2]
    return token


@dataclass(frozen=True)
class Analyzer:
    """One Elasticsearch analyzer: a tokenizer and the filters after it, in Elasticsearch's order.

    ``normalize`` is what Elasticsearch applies to wildcard, prefix and range terms on a text field: the
    character-level filters only (lowercasing), never stemming or stop words.
    """

    name: str
    tokenizer: Callable[[str], list[str]]
    lowercase: bool = True
    possessive: bool = False
    stop_words: frozenset[str] = frozenset()
    stemmer: Callable[[str], str] | None = None

    def analyze(self, text: str) -> tuple[Token, ...]:
        out: list[Token] = []
        position = -1
        for word in self.tokenizer(text):
            position += 1
            token = _strip_possessive(word) if self.possessive else word
            if self.lowercase:
                token = token.lower()
            if not token or token in self.stop_words:
                continue  # the position stays taken, as Lucene's StopFilter leaves a gap
            if self.stemmer is not None:
                token = self.stemmer(token)
            out.append((position, token))
        return tuple(out)

    def terms(self, text: str) -> tuple[str, ...]:
        return tuple(token for _, token in self.analyze(text))

    def normalize(self, text: str) -> str:
        return text.lower() if self.lowercase else text


ANALYZERS: dict[str, Analyzer] = {
    "standard": Analyzer("standard", standard_tokenize),
    "english": Analyzer("english", standard_tokenize, possessive=True, stop_words=ENGLISH_STOP_WORDS,
                        stemmer=stem),
    "simple": Analyzer("simple", letter_tokenize),
    "stop": Analyzer("stop", letter_tokenize, stop_words=ENGLISH_STOP_WORDS),
    "whitespace": Analyzer("whitespace", whitespace_tokenize, lowercase=False),
    "keyword": Analyzer("keyword", keyword_tokenize, lowercase=False),
}


def get_analyzer(name: str) -> Analyzer | None:
    """The analyzer Elasticsearch calls ``name``, or None when subscriptions cannot reproduce it."""
    return ANALYZERS.get(name)
