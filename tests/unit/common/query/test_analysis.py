"""Text is cut and normalised as Elasticsearch's analyzers do, so text-field queries match the same words."""

from __future__ import annotations

import pytest

from services.common.query.analysis import ANALYZERS, get_analyzer, standard_tokenize
from services.common.query.porter import stem


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Putin's visit to the U.S. on Friday", ["Putin's", "visit", "to", "the", "U.S", "on", "Friday"]),
        ("Kim Jong-un meets Xi", ["Kim", "Jong", "un", "meets", "Xi"]),
        ("3.14 and 1,000 people, G7", ["3.14", "and", "1,000", "people", "G7"]),
        ("2023-11-07", ["2023", "11", "07"]),
        ("word1:word2 and a:b", ["word1", "word2", "and", "a:b"]),
        ("école e\u0301cole", ["école", "e\u0301cole"]),
        ("中国和日本", ["中", "国", "和", "日", "本"]),
        ("snake_case ___ --", ["snake_case"]),
    ],
)
def test_the_standard_tokenizer_cuts_words_as_unicode_word_boundaries_do(text: str, tokens: list[str]) -> None:
    assert standard_tokenize(text) == tokens


def test_the_standard_analyzer_lowercases_and_keeps_every_word() -> None:
    assert ANALYZERS["standard"].analyze("The Leaders MEET") == ((0, "the"), (1, "leaders"), (2, "meet"))


def test_the_english_analyzer_drops_possessives_and_stop_words_and_stems() -> None:
    assert ANALYZERS["english"].analyze("Putin’s talks with the leaders") == (
        (0, "putin"), (1, "talk"), (4, "leader"))  # "with" and "the" leave their positions empty


def test_normalising_a_wildcard_term_only_lowercases() -> None:
    assert ANALYZERS["english"].normalize("Meetings*") == "meetings*"
    assert ANALYZERS["whitespace"].normalize("Meetings*") == "Meetings*"


def test_an_analyzer_subscriptions_cannot_reproduce_is_unknown() -> None:
    assert get_analyzer("french") is None


# Examples from Porter's paper and his reference vocabulary.
PORTER = {
    "caresses": "caress", "ponies": "poni", "ties": "ti", "caress": "caress", "cats": "cat", "feed": "feed",
    "agreed": "agre", "plastered": "plaster", "bled": "bled", "motoring": "motor", "sing": "sing",
    "conflated": "conflat", "troubled": "troubl", "sized": "size", "hopping": "hop", "tanned": "tan",
    "falling": "fall", "hissing": "hiss", "fizzed": "fizz", "failing": "fail", "filing": "file",
    "happy": "happi", "sky": "sky", "relational": "relat", "conditional": "condit", "rational": "ration",
    "valenci": "valenc", "digitizer": "digit", "conformabli": "conform", "radicalli": "radic",
    "differentli": "differ", "vileli": "vile", "analogousli": "analog", "vietnamization": "vietnam",
    "predication": "predic", "operator": "oper", "feudalism": "feudal", "decisiveness": "decis",
    "hopefulness": "hope", "callousness": "callous", "formaliti": "formal", "sensitiviti": "sensit",
    "sensibiliti": "sensibl", "triplicate": "triplic", "formative": "form", "formalize": "formal",
    "electriciti": "electr", "electrical": "electr", "hopeful": "hope", "goodness": "good",
    "revival": "reviv", "allowance": "allow", "inference": "infer", "airliner": "airlin",
    "adjustable": "adjust", "defensible": "defens", "irritant": "irrit", "replacement": "replac",
    "adjustment": "adjust", "dependent": "depend", "adoption": "adopt", "communism": "commun",
    "activate": "activ", "angulariti": "angular", "homologous": "homolog", "effective": "effect",
    "bowdlerize": "bowdler", "probate": "probat", "rate": "rate", "cease": "ceas", "controll": "control",
    "roll": "roll", "generalizations": "gener", "meetings": "meet", "summits": "summit",
    "sanctions": "sanction", "diplomatic": "diplomat", "as": "as", "is": "is",
}


@pytest.mark.parametrize(("word", "expected"), sorted(PORTER.items()))
def test_the_porter_stemmer_gives_the_reference_stems(word: str, expected: str) -> None:
    assert stem(word) == expected
