"""The Porter stemmer (Porter 1980, as Lucene's ``PorterStemFilter`` applies it), for the ``english`` analyzer.

Elasticsearch's ``english`` analyzer stems with Lucene's Porter stemmer, so a text field switched to it
indexes "meeting" and "meetings" as ``meet``. To match such a field in the stream the same way, a query
and an event's text must be stemmed by the same algorithm, including its known departures from the
paper that Lucene keeps (``-bli`` → ``-ble``, ``-logi`` → ``-log``) and its rule that words of one or
two letters are left alone. Written from the published algorithm; checked against its reference
examples in the tests.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

_VOWELS = frozenset("aeiou")


class _Word:
    """A word being stemmed: ``b`` the letters, ``k`` the index of its last letter, ``j`` a stem end."""

    __slots__ = ("b", "j", "k")

    def __init__(self, word: str) -> None:
        self.b = list(word)
        self.k = len(word) - 1
        self.j = 0

    def cons(self, i: int) -> bool:
        ch = self.b[i]
        if ch in _VOWELS:
            return False
        if ch == "y":
            return True if i == 0 else not self.cons(i - 1)
        return True

    def m(self) -> int:
        """The number of vowel-consonant sequences in b[0..j]."""
        n = 0
        i = 0
        j = self.j
        while True:
            if i > j:
                return n
            if not self.cons(i):
                break
            i += 1
        i += 1
        while True:
            while True:
                if i > j:
                    return n
                if self.cons(i):
                    break
                i += 1
            i += 1
            n += 1
            while True:
                if i > j:
                    return n
                if not self.cons(i):
                    break
                i += 1
            i += 1

    def vowel_in_stem(self) -> bool:
        return any(not self.cons(i) for i in range(self.j + 1))

    def double_consonant(self, j: int) -> bool:
        return j >= 1 and self.b[j] == self.b[j - 1] and self.cons(j)

    def cvc(self, i: int) -> bool:
        """consonant-vowel-consonant ending at i, the last not w, x or y (hop(e), not snow)."""
        if i < 2 or not self.cons(i) or self.cons(i - 1) or not self.cons(i - 2):
            return False
        return self.b[i] not in "wxy"

    def ends(self, suffix: str) -> bool:
        length = len(suffix)
        start = self.k - length + 1
        if start < 0:
            return False
        if "".join(self.b[start:self.k + 1]) != suffix:
            return False
        self.j = self.k - length
        return True

    def set_to(self, text: str) -> None:
        start = self.j + 1
        self.b[start:self.k + 1] = list(text)
        self.k = self.j + len(text)

    def replace_if_measured(self, text: str) -> None:
        if self.m() > 0:
            self.set_to(text)

    # Step 1: plurals, -ed and -ing (caresses → caress, ponies → poni, meeting → meet, mating → mate).
    def step1(self) -> None:
        if self.b[self.k] == "s":
            if self.ends("sses"):
                self.k -= 2
            elif self.ends("ies"):
                self.set_to("i")
            elif self.b[self.k - 1] != "s":
                self.k -= 1
        if self.ends("eed"):
            if self.m() > 0:
                self.k -= 1
        elif (self.ends("ed") or self.ends("ing")) and self.vowel_in_stem():
            self.k = self.j
            if self.ends("at"):
                self.set_to("ate")
            elif self.ends("bl"):
                self.set_to("ble")
            elif self.ends("iz"):
                self.set_to("ize")
            elif self.double_consonant(self.k):
                if self.b[self.k] not in "lsz":
                    self.k -= 1
            else:
                self.j = self.k
                if self.m() == 1 and self.cvc(self.k):
                    self.set_to("e")

    # Step 2: a final y after a vowel-bearing stem becomes i (happy → happi).
    def step2(self) -> None:
        if self.ends("y") and self.vowel_in_stem():
            self.b[self.k] = "i"

    _STEP3: ClassVar[dict[str, tuple[tuple[str, str], ...]]] = {
        "a": (("ational", "ate"), ("tional", "tion")),
        "c": (("enci", "ence"), ("anci", "ance")),
        "e": (("izer", "ize"),),
        "l": (("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous")),
        "o": (("ization", "ize"), ("ation", "ate"), ("ator", "ate")),
        "s": (("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous")),
        "t": (("aliti", "al"), ("iviti", "ive"), ("biliti", "ble")),
        "g": (("logi", "log"),),
    }

    # Step 3: double suffixes to single ones (-ization → -ize), when the stem has a measure above 0.
    def step3(self) -> None:
        if self.k == 0:
            return
        for suffix, replacement in self._STEP3.get(self.b[self.k - 1], ()):
            if self.ends(suffix):
                self.replace_if_measured(replacement)
                return

    _STEP4: ClassVar[dict[str, tuple[tuple[str, str], ...]]] = {
        "e": (("icate", "ic"), ("ative", ""), ("alize", "al")),
        "i": (("iciti", "ic"),),
        "l": (("ical", "ic"), ("ful", "")),
        "s": (("ness", ""),),
    }

    # Step 4: -ic-, -full, -ness and the like.
    def step4(self) -> None:
        for suffix, replacement in self._STEP4.get(self.b[self.k], ()):
            if self.ends(suffix):
                self.replace_if_measured(replacement)
                return

    _STEP5: ClassVar[dict[str, tuple[str, ...]]] = {
        "a": ("al",), "c": ("ance", "ence"), "e": ("er",), "i": ("ic",), "l": ("able", "ible"),
        "n": ("ant", "ement", "ment", "ent"), "s": ("ism",), "t": ("ate", "iti"), "u": ("ous",),
        "v": ("ive",), "z": ("ize",),
    }

    # Step 5: -ant, -ence and the like, when the stem has a measure above 1.
    def step5(self) -> None:
        if self.k == 0:
            return
        key = self.b[self.k - 1]
        if key == "o":
            found = (self.ends("ion") and self.j >= 0 and self.b[self.j] in "st") or self.ends("ou")
        else:
            found = any(self.ends(suffix) for suffix in self._STEP5.get(key, ()))
        if found and self.m() > 1:
            self.k = self.j

    # Step 6: a final -e goes when the measure allows; a final double l loses one.
    def step6(self) -> None:
        self.j = self.k
        if self.b[self.k] == "e":
            a = self.m()
            if a > 1 or (a == 1 and not self.cvc(self.k - 1)):
                self.k -= 1
        if self.b[self.k] == "l" and self.double_consonant(self.k) and self.m() > 1:
            self.k -= 1


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Porter stem of a lowercase word; words of one or two letters come back unchanged."""
    if len(word) <= 2:
        return word
    w = _Word(word)
    w.step1()
    w.step2()
    w.step3()
    w.step4()
    w.step5()
    w.step6()
    return "".join(w.b[: w.k + 1])
