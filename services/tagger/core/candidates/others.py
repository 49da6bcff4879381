"""Candidate rules for the other event words: summits, talks, calls, agreements, sanctions, expulsions,
ambassadors summoned or recalled.

Each event word counts only with its context: a sanctions word with an act of sanctioning, an expulsion
word with diplomats, an agreement word with signing and two states, talks with officials of two states.
"""

from __future__ import annotations

import re

from services.tagger.core import lexicon
from services.tagger.core.candidates.meetings import TALKS_SUBJECT, topical_talks
from services.tagger.core.candidates.scene import SPEAKING, Scene, received_a_thing
from services.tagger.core.clauses import clause
from services.tagger.core.context import Hit, Sentence, unique
from services.tagger.core.mentions import CAPITAL, OFFICIAL_GROUPS, TITLE_COREFERENCE, title_case
from services.tagger.core.modality import modality_of
from services.tagger.core.rules import rule

SUMMIT = rule("summit.gathering", "candidate",
              "A summit word with a named grouping, leaders of three or more states, or a gathering of many")
GROUPING_MEETING = rule("summit.grouping_meeting", "candidate",
                        '"Invites Modi to the SCO meeting": a meeting word beside a grouping is a leaders\' gathering')
OFFICIALS_TALK = rule("talks.officials_talk", "candidate", "A talks word with officials of two or more states")
STATES_TALK = rule("talks.states_talk", "candidate", '"The U.S. and Iran held talks", "as Washington and Baghdad '
                                                     'negotiate": two states talking')
MINISTERIAL = rule("talks.ministerial_meeting", "candidate",
                   '"G7 finance ministers discussed debt": a ministerial meeting, not a leaders\' summit')
NAMED_NEGOTIATIONS = rule("talks.named_negotiations", "candidate",
                          '"Ukraine peace talks", "EU trade talks", "Canada negotiations", "in talks with '
                          'Washington": negotiations a state takes part in, named by their subject')
ARTICLE_OFFICIALS_TALK = rule("talks.article_officials_talk", "candidate",
                              '"Preparing for talks between senior officials": the article\'s two states')
CALL = rule("phone.call", "candidate", "A call word with people or two states on the line")
AGREEMENT = rule("agreement.between_states", "candidate",
                 "An agreement word with a signing word and two or more states (or the article's two leaders)")
NAMED_DEAL = rule("agreement.named_deal", "candidate",
                  '"The U.S.-China trade deal", "U.K. and France strike deal", "Japan\'s deal with the U.S.": a deal '
                  "between states named as done, not one hoped for")
DEAL_IN_THE_MAKING = rule("talks.deal_in_the_making", "candidate",
                          '"U.S., Iran close to nuclear deal", "EU closes in on U.S. trade deal", "are finalizing a '
                          'deal": a deal between states being worked out is talks')
SIGNED_TOGETHER = rule("meeting.signed_together", "candidate", "Leaders of two states signing together met to do it")
SANCTIONS = rule("sanctions.imposed", "candidate",
                 "A sanctions word with an act of sanctioning, not in a background clause, not a sports body's")
EXPULSION = rule("expulsion.diplomats", "candidate", "An expulsion word with diplomats or a mission named")
AMBASSADOR = rule("ambassador.summoned_or_recalled", "candidate",
                  "A summons or recall word with an ambassador or another head of mission named")
NOT_A_DEAL = rule("veto.not_a_deal", "veto", '"Agreed to meet", "signed an executive order", "a sign of", '
                                             '"its refusal to agree to", "agreed on a sanctions package"')
CEREMONY = rule("veto.ceremony_by_video", "veto",
                '"Will inaugurate the plant via videoconference": leaders opening something, not calling each other')

# "NATO Secretary General Mark Rutte", "the NATO chief": the bloc's official, not its leaders
BLOC_OFFICIAL_AFTER = re.compile(r" (?:secretary[- ]general|chief|head|officials?|spokes(?:man|woman|person)|"
                                 r"ambassador|envoy|commander)\b")
# "recalled for urgent consultations" is a protest, not talks
FOR_BEFORE = re.compile(r"\bfor (?:urgent |further |immediate )?$")
# a summit of many, whoever the sentence names: "on the sidelines of a summit of Southeast Asian leaders"
GATHERING = re.compile(r"\b(?:sidelines of (?:a|an|the) (?:[a-z'-]+ ){0,4}summit|summit of (?:[a-z'-]+ ){0,4}"
                       r"(?:leaders|heads of state|heads of government|nations|countries|states)|summit hosted by|"
                       r"regional summit)\b")
# "will inaugurate the plant via videoconference": leaders opening something together, not calling each other
CEREMONY_BY_VIDEO = re.compile(r"\b(?:inaugurat|launch|unveil|open(?:ed|s)? the|address|broke ground|lay the|"
                               r"appear|take part|took part|taking part|attend|sessions?)[^,;]*$")
# "signed an executive order", "signs the bill into law": a state's own act, not a deal between states
DOMESTIC_ACT = re.compile(r" (?:(?:an?|the|two|several|[a-z]+'s)\s+)?(?:new\s+)?(?:[a-z-]+\s+)?"
                          r"(?:order|orders|decree|decrees|law|laws|bill|bills|legislation|proclamation|memo)\b")
# "a sign of warming ties", "no signs of progress": the noun, not the verb
SIGN_NOUN = re.compile(r"\b(?:a|the|no|any|first|clear|latest|another|strongest|encouraging|positive|welcome|"
                       r"further|fresh|new|little|early|[a-z]+est) $")
SIGN_NOUN_AFTER = re.compile(r" (?:of|yet|that)\b")
# "its refusal to agree to a ceasefire", "an unsuccessful attempt to sign a peace treaty": no agreement
UNDONE_BEFORE = re.compile(r"\b(?:refus\w*|fail\w*|declin\w*|unwilling|unable|attempts?|bid|efforts?)"
                           r"(?: [a-z'-]+){0,2} to $")


def summits(sc: Scene, meeting: list[Hit]) -> None:
    s, leaders = sc.s, sc.leaders
    summit_names = s.has("multilateral")
    if (summit := sc.triggers.get("summit")) and not sc.negative and not sc.phone:
        # multilateral: a named grouping, or leaders of three or more states (places do not count)
        if summit_names or len(sc.leader_countries) >= 3 or GATHERING.search(s.folded):
            sc.propose("summit", SUMMIT, summit[0], sc.leader_countries, leaders, 0.6)
    elif summit_names and meeting and not sc.negative and (leaders or s.contains("leaders") >= 0) \
            and not any(s.folded.startswith(("'s ", "’s "), m.end) or BLOC_OFFICIAL_AFTER.match(s.folded, m.end)
                        for m in summit_names) \
            and not any(h.value in OFFICIAL_GROUPS for h in s.has("official_title")) \
            and any(-40 < m.start - meeting[0].end < 40 or -40 < meeting[0].start - m.end < 40
                    for m in summit_names):  # not "hosts the emir, names Qatar a major non-NATO ally"
        # "invites Modi to the SCO meeting": a leaders' gathering, unless ministers are meeting
        sc.propose("summit", GROUPING_MEETING, meeting[0], sc.leader_countries, leaders, 0.45)


def talks(sc: Scene) -> None:
    s, article = sc.s, sc.article
    words = [h for h in sc.triggers.get("talks", ()) if not FOR_BEFORE.search(s.folded, max(0, h.start - 30), h.start)
             and not received_a_thing(s, h)]
    words = [h for h in words if not near_not_diplomatic(s, h)]  # "YPF is in talks with Eni", "coalition talks"
    if not words or sc.negative or sc.phone:
        return
    if s.contains("the two leaders") >= 0 or s.contains("both leaders") >= 0:
        return  # "the two leaders had also discussed regional developments": their meeting, not talks
    is_meeting = sc.found("leader_meeting")
    official_words = any(h.value in OFFICIAL_GROUPS and not SPEAKING.match(s.folded, h.end)
                         for h in s.has("official_title"))
    # a bloc's officials at the leaders' own meeting ("the two leaders were joined for part of the
    # talks by von der Leyen") are part of it, not talks of their own
    with_the_leaders = (is_meeting or s.has("coref_pair")) and all(o.country == "EU" for o in sc.officials)
    people_countries = unique(m.country for m in sc.people)
    if sc.officials and not with_the_leaders and (len(people_countries) >= 2 or len(sc.all_countries) >= 2):
        sc.propose("talks", OFFICIALS_TALK, words[0], people_countries or sc.all_countries, sc.people, 0.55)
    elif (not is_meeting and len(sc.all_countries) >= 2
          and not (article.main_pair and s.folded[:words[0].start].endswith("the "))  # the leaders' talks again
          and (official_words or (not sc.leaders and any(s.contains(w) >= 0 for w in lexicon.STATE_TALKS_WORDS)))
          and (not sc.leaders or len(sc.leader_countries) < 2)):
        # "the U.S. and Iran held talks"; "Modi to hold White House talks" is a leader's, not officials'
        sc.propose("talks", STATES_TALK, words[0], sc.all_countries, sc.people, 0.45)
    elif not is_meeting and s.has("official_title") and s.has("multilateral") and not sc.leaders:
        # "G7 finance ministers discussed debt": a ministerial meeting, not a leaders' summit
        sc.propose("talks", MINISTERIAL, words[0], sc.all_countries, sc.people, 0.45)
    elif not is_meeting and official_words and len(sc.all_countries) < 2 and (
            article.main_pair or article.context_pair) and not sc.leaders:
        # "preparing for talks between senior officials": the article's two states
        sc.propose("talks", ARTICLE_OFFICIALS_TALK, words[0], article.main_pair or article.context_pair or (),
                   sc.people, 0.35)
    elif named_states(s) and (
            named := next((h for h in words if named_negotiations(sc, h) and (
                not is_meeting or topical_talks(s, h))), None)):
        sc.propose("talks", NAMED_NEGOTIATIONS, named, sc.all_countries, sc.people, 0.45)


NEGOTIATION_NOUNS = frozenset(("talks", "negotiations", "peace talks", "round of talks", "discussions"))
# named by their subject already: "U.S. will pause Ukraine peace efforts", "Iran rejects U.S. nuclear deal offer";
# the headline's shorthand for negotiations, which a body uses for commentary ("a devastating blow to peace
# efforts"): talks only in the headline or the lead
HEADLINE_NEGOTIATIONS = frozenset(("peace efforts", "peace push", "peace terms", "peace process", "peace plan",
                                   "peace proposal", "trade overtures", "trade offer", "trade proposal",
                                   "nuclear proposal", "deal offer", "talk peace"))
TOPICAL_NEGOTIATIONS = frozenset(("peace talks", "round of talks")) | HEADLINE_NEGOTIATIONS
NEGOTIATION_WORDS = NEGOTIATION_NOUNS | TOPICAL_NEGOTIATIONS | {"negotiate", "negotiates", "negotiated",
                                                                "negotiating", "negotiators", "negotiator"}
# "talks with Washington", "negotiations between Kyiv and Moscow", "negotiating with Iran"
WITH_AFTER = re.compile(r" (?:with|between) ")


def near_not_diplomatic(s: Sentence, hit: Hit) -> bool:
    """A company's, party's or union's words right by the talks word: "the refinery is in talks with traders"."""
    return any(-40 < h.start - hit.end < 40 or -40 < hit.start - h.end < 40 for h in s.has("not_diplomatic"))


def named_states(s: Sentence) -> tuple[str, ...]:
    """States the sentence names itself, not through "the president" of an earlier sentence."""
    return unique(m.country for m in s.mentions if m.rule_id != TITLE_COREFERENCE)


def named_negotiations(sc: Scene, hit: Hit) -> bool:
    """Negotiations named by their subject or their parties: "trade talks", "Ukraine talks", "talks with
    Washington"; not a bare "talks" that could be anyone's. Where leaders are named, only talks named by
    their subject ("Trump blames Zelensky as peace talks stall"): "talks with Putin" is the leaders' own."""
    s = sc.s
    word = s.folded[hit.start:hit.end]
    if word not in NEGOTIATION_WORDS or (word in HEADLINE_NEGOTIATIONS and s.position > 1):
        return False
    clause_start, _ = clause(s.folded, hit.start, hit.end)
    if s.folded[clause_start:].lstrip().startswith(lexicon.BACKGROUND_OPENERS):
        return False  # "with the stalemate in nuclear negotiations ...": the setting, not the news
    before = s.folded[max(0, hit.start - 40):hit.start]
    if word in TOPICAL_NEGOTIATIONS or TALKS_SUBJECT.search(before):
        return True
    if sc.leaders:
        return False
    if word in NEGOTIATION_NOUNS and any(0 <= hit.start - m.end <= 3 for m in s.mentions):
        return True  # "U.S.-China talks", "Canada negotiations"
    return bool(WITH_AFTER.match(s.folded, hit.end)) and any(hit.end < m.start <= hit.end + 30 for m in s.mentions)


def calls(sc: Scene) -> None:
    phone, s = sc.phone, sc.s
    if phone and (sc.people or len(sc.all_countries) >= 2) and not sc.negative and not CEREMONY_BY_VIDEO.search(
            s.folded, max(0, phone[0].start - 90), phone[0].start) and not s.folded[:phone[0].start].endswith(
            ("leaked ", "hacked ", "intercepted ", "recorded ")):
        sc.propose("phone_call", CALL, phone[0], unique(m.country for m in sc.people) or sc.all_countries, sc.people,
                   0.6)


def agreements(sc: Scene) -> None:
    s, main_pair = sc.s, sc.article.main_pair
    found = [h for h in sc.triggers.get("agreement", ())
             if agrees_between_states(s, h, sanctioning=bool(sc.triggers.get("sanctions")))]
    if not found or sc.negative:
        return
    if not sc.found("talks") and not sc.found("leader_meeting") and (
            making := next((h for h in found if deal_in_the_making(sc, h)), None)):
        sc.propose("talks", DEAL_IN_THE_MAKING, making, named_states(s), sc.people, 0.4)
    # a truce or a trade deal counts only as named news ("agreed a ceasefire"); "called for a ceasefire" is not;
    # nor does one hoped for, sought or demanded ("is expected to sign", "agreed to negotiate a trade deal")
    words = [h for h in found if s.folded[h.start:h.end] not in NAMED_ONLY and not deal_hedged(s, h)]
    if not words or not s.has("signing"):
        if deal := next((h for h in found if named_deal(sc, h)), None):
            sc.propose("agreement", NAMED_DEAL, deal, sc.all_countries, sc.people, 0.45)
        return
    parties = sc.all_countries
    if len(parties) < 2 and main_pair and set(parties) <= set(main_pair):
        parties = main_pair  # "the two leaders signed ...", "they also signed a joint communique"
    if len(parties) >= 2:  # a deal between states: one state's deal with its own parties is not
        sc.propose("agreement", AGREEMENT, words[0], parties, sc.people, 0.5)
    elif deal := next((h for h in found if named_deal(sc, h)), None):
        sc.propose("agreement", NAMED_DEAL, deal, sc.all_countries, sc.people, 0.45)
    signing = [h for h in words if s.folded[h.start:h.end] in ("signed", "sign", "signing", "inked")]
    if signing and len(sc.leader_countries) >= 2 and not sc.phone and not sc.found("leader_meeting") and \
            modality_of(s, signing[0], sc.article.day)[0] not in ("denied", "cancelled", "potential"):
        # leaders of two states signing together met to do it
        sc.propose("leader_meeting", SIGNED_TOGETHER, signing[0], sc.leader_countries, sc.leaders, 0.45)


DEAL_NOUNS = frozenset(("deal", "pact", "truce", "agreement", "accord", "treaty", "cease-fire", "ceasefire",
                        "trade deal", "trade pact", "trade truce", "armistice"))
NAMED_ONLY = frozenset(("cease-fire", "ceasefire", "trade deal", "trade pact", "trade truce", "armistice"))
# hedges that reach across a whole clause: "demanded that Russia agree to an unconditional 30-day ceasefire",
# "paused negotiations last week on an early-progress trade agreement"
STRONG_HEDGE = re.compile(r"\b(?:demand|demands|demanded|demanding|urge|urges|urged|urging|called on|calls on|"
                          r"call for|calls for|called for|seek|seeks|seeking|sought|push(?:es|ed|ing)? for|"
                          r"hope[sd]?|hoping|want(?:s|ed)?|propos\w*|"
                          r"pressure on|persuad\w*|convinc\w*|pursue|pursuing|start work|meant to)\b")
CONCLUDED_TALKS = re.compile(r"\b(?:concluded|conclude|concludes|completed|complete|completes|wrapped up|"
                             r"finali[sz]ed|finali[sz]es?) (?:the |their )?(?:negotiations|talks)\b")
VERB_DEAL = re.compile(r"\b(?:to|will|would|must|can|could|should|cannot|can't) $")
TRUCES = frozenset(("cease-fire", "ceasefire", "truce", "armistice", "trade truce"))
DEAL_HEDGE = re.compile(r"\b(?:" + "|".join(re.escape(h) for h in lexicon.DEAL_HEDGES) + r")\b")
DEAL_MAYBE = re.compile(r"\b(?:" + "|".join(re.escape(h) for h in lexicon.DEAL_MAYBES) + r")\b")
# "U.K. and France Strike Deal", "the EU reached a trade agreement", "Japan seals a deal"
REACHED_BEFORE = re.compile(r"\b(?:strike|strikes|struck|reach|reaches|reached|seal|seals|sealed|clinch|clinches|"
                            r"clinched|sign|signs|signed|ink|inks|inked|forge|forges|forged|agree|agrees|agreed|"
                            r"finalize[sd]?|finalise[sd]?|conclude[sd]?|brokered|announce[sd]?|unveil(?:s|ed)?)"
                            r"(?: [a-z0-9'’%$.,-]+){0,4} $")


def deal_hedged(s: Sentence, hit: Hit) -> bool:
    """A deal hoped for, sought, demanded or negotiated, not reached: "closes in on a deal", "is expected to
    sign", "demanded that Russia agree to a ceasefire", "produced no agreement"."""
    before = s.folded[max(0, hit.start - 45):hit.start]
    clause_start, _ = clause(s.folded, hit.start, hit.end)
    if CONCLUDED_TALKS.search(before):
        return False  # "concluded negotiations on a free trade agreement": the deal is done
    return bool(DEAL_HEDGE.search(before) or DEAL_HEDGE.match(s.folded, hit.end + 1) or STRONG_HEDGE.search(
        s.folded, max(clause_start, hit.start - 100), hit.start) or s.folded.startswith(" off", hit.end))


# a deal being worked out: "close to a nuclear deal", "closes in on a trade deal", "ironing out the details"
IN_PROGRESS = re.compile(r"\b(?:close to|closer to|closes? in on|closing in on|nears?|nearing|finali[sz]ing|"
                         r"ironing out|work(?:s|ing)? on|seek(?:s|ing)?|sought|push(?:es|ing)? for|wants?|"
                         r"talks on|talks over|negotiat\w*|to reach|reaching|to strike|to secure|secure|unlock|"
                         r"hopes? (?:of|for)|getting)\b")


NOT_BEFORE_PROGRESS = re.compile(r"\b(?:not|n't|never|no longer)\s+(?:[a-z]+\s+)?$")


def deal_in_the_making(sc: Scene, hit: Hit) -> bool:
    """A deal between states being negotiated: talks, not yet an agreement."""
    s = sc.s
    if s.position > 1 or s.folded[hit.start:hit.end] not in DEAL_NOUNS or s.has("not_diplomatic") or \
            not named_states(s):
        return False  # in the headline or the lead: the body speaks of deals in the making as commentary
    if s.folded[hit.start:hit.end] == "deal" and VERB_DEAL.search(s.folded[max(0, hit.start - 10):hit.start]):
        return False  # "to deal with"
    if len(named_states(s)) < 2 and not TALKS_SUBJECT.search(s.folded, max(0, hit.start - 30), hit.start):
        return False  # one state's deal is a state's deal with someone, unless it is a trade or peace deal
    clause_start, _ = clause(s.folded, hit.start, hit.end)
    progress = IN_PROGRESS.search(s.folded, max(clause_start, hit.start - 60), hit.start)
    return progress is not None and \
        not NOT_BEFORE_PROGRESS.search(s.folded, max(0, progress.start() - 12), progress.start())


def named_deal(sc: Scene, hit: Hit) -> bool:
    """A deal between states named as done: between two states named right before it ("the U.S.-China
    trade deal"), struck by a state ("U.K. and France strike deal"), or "with" a state ("Japan's deal with
    the U.S."); not one hoped for, sought or under negotiation ("closes in on a deal")."""
    s = sc.s
    if s.folded[hit.start:hit.end] not in DEAL_NOUNS or len(sc.all_countries) < 2 or s.has("not_diplomatic"):
        return False
    if s.text[hit.start:hit.start + 1].isupper() and not title_case(s.text):
        return False  # "the U.S.-Mexico-Canada Agreement": a treaty's name, not news of a deal
    before = s.folded[max(0, hit.start - 45):hit.start]
    clause_start, _ = clause(s.folded, hit.start, hit.end)
    if deal_hedged(s, hit) or DEAL_MAYBE.search(s.folded, max(clause_start, hit.start - 80), hit.start):
        return False
    if REACHED_BEFORE.search(before):
        return True
    if s.folded[hit.start:hit.end] in TRUCES:
        return False  # "called for a ceasefire", "declares an Easter cease-fire": only one agreed is a deal
    if s.folded[hit.start:hit.end] == "deal" and VERB_DEAL.search(before):
        return False  # "to deal with the conflict": the verb
    if any(0 <= hit.start - m.end <= 2 and m.rule_id == CAPITAL for m in s.mentions):
        return False  # "the Ottawa treaty", "the Paris agreement": a treaty named after a city
    adjacent = [m for m in s.mentions if 0 <= hit.start - m.end <= 14]  # "U.S.-China trade deal", "Japan deal"
    if len({m.country for m in s.mentions if 0 <= hit.start - m.end <= 25}) >= 2 and adjacent:
        return True
    return bool(adjacent or s.folded.startswith((" with ", " between "), hit.end))


def sanctions(sc: Scene) -> None:
    s = sc.s
    if (words := sc.triggers.get("sanctions")) and not s.has("sports") and s.has("sanction_act"):
        hit = words[0]
        clause_start, _ = clause(s.folded, hit.start, hit.end)
        background = s.folded[clause_start:].lstrip().startswith(lexicon.BACKGROUND_OPENERS)
        if not background and (sc.all_countries or s.contains("eu") >= 0 or s.contains("un") >= 0):
            sc.propose("sanctions", SANCTIONS, hit, sc.all_countries, sc.people, 0.55)


def expulsions(sc: Scene) -> None:
    s = sc.s
    expulsion = sc.triggers.get("expulsion")
    if expulsion and (s.has("diplomat") or (s.contains("persona non grata") >= 0 and not s.has("negative"))):
        sc.propose("diplomatic_expulsion", EXPULSION, expulsion[0], sc.all_countries, sc.people, 0.6)


def ambassadors(sc: Scene) -> None:
    s = sc.s
    if (ambassador := sc.triggers.get("ambassador")) and s.has("ambassador_word") and not s.has("negative"):
        sc.propose("ambassador_summoned_or_recalled", AMBASSADOR, ambassador[0], sc.all_countries, sc.people, 0.6)


def agrees_between_states(s: Sentence, hit: Hit, sanctioning: bool) -> bool:
    """Is this agreement word about a deal between states, not "agreed to meet", "signed an order",
    "a sign of", "its refusal to agree to" or "agreed on a sanctions package"?"""
    word, folded = s.folded[hit.start:hit.end], s.folded
    if word.endswith(" to") and not folded[hit.end:hit.end + 40].lstrip().startswith(lexicon.AGREED_TO_A_DEAL):
        return False
    if word in ("signed", "sign", "signing", "signs") and DOMESTIC_ACT.match(folded, hit.end):
        return False
    if word in ("sign", "signs") and (SIGN_NOUN.search(folded[:hit.start]) or SIGN_NOUN_AFTER.match(folded, hit.end)):
        return False
    if UNDONE_BEFORE.search(folded, max(0, hit.start - 45), hit.start):
        return False
    return not (sanctioning and word in ("agreed to", "agree to", "agreed on"))
