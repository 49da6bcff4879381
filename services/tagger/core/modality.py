"""Stage 4: the modality of a proposed event — occurred, planned, potential, cancelled or denied.

Decided per candidate from its own clause: a negation before the event word, the strongest cue word in
the clause (denied > cancelled > potential > planned), the tense of the event word itself, and a few
constructions that overrule them. Each decision is a rule with an id, which the event's evidence names.
"""

from __future__ import annotations

import datetime as dt
import re

from services.tagger.core import lexicon
from services.tagger.core.clauses import clause, new_clause
from services.tagger.core.context import Hit, Sentence
from services.tagger.core.dates import MONTH_NAMES, resolve_date
from services.tagger.core.matcher import MEETING_VERBS
from services.tagger.core.rules import rule

MODALITY_ORDER = ("denied", "cancelled", "potential", "planned", "occurred")

NEGATED = rule("modality.negated", "modality", '"No Putin-Zelensky meeting", "were not holding talks": denied')
NEGATED_UNTIL = rule("modality.negated_until", "modality", '"Will not meet him until ...": a condition, potential')
AFTER_MEETING = rule("modality.after_the_event", "modality", '"Said after meeting Sisi": the event is behind him')
QUESTION = rule("modality.question", "modality", '"Will Modi and Xi meet in Tianjin?": a question, potential')
ARRIVED_TO_MEET = rule("modality.arrived_to_meet", "modality",
                       '"Stepped across the border to meet Moon": the purpose, achieved, occurred')
REPORTED_PLAN = rule("modality.reported_plan", "modality",
                     '"Officials said Xi would meet Kim", "they would hold talks on Wednesday": planned')
REFUSAL_UNTIL = rule("modality.refusal_until", "modality",
                     '"Would not meet Erdogan until Turkey withdraws": a refusal on a condition, potential')
ACCEPTED_INVITATION = rule("modality.accepted_invitation", "modality",
                           '"Invited Xi to visit Moscow, and Xi has accepted": planned')
CUE = rule("modality.cue", "modality",
           "The strongest cue word in the event's clause decides (denied > cancelled > potential > planned)")
COMING_DAY = rule("modality.present_with_coming_day", "modality",
                  '"Ramaphosa arrives in Britain on Monday", written on the Friday before: planned')
PAST_TENSE = rule("modality.past_tense", "modality",
                  'A past or present-tense event word, a past cue ("last week") or "held ... talks": occurred')
FUTURE_TENSE = rule("modality.future_tense", "modality", '"To meet", "will visit" with no other cue: planned')

DATED_HISTORY = rule("veto.dated_history", "veto",
                     'An event word dated months or years back ("in December 2007") is history, not news')
MISLEADING_CUE = rule("veto.misleading_cue", "veto",
                      'Cue words about something else: "a possible ceasefire", "the first leader to visit", '
                      '"at Trump\'s invitation", "a planned signing ceremony was called off", "could trust"')

# "officials said Xi would hold talks": an announced plan, not a hedge
REPORTED = re.compile(r"\b(?:officials|ministry|spokesman|spokeswoman|spokesperson|kremlin|aide) "
                      r"(?:said|says|announced|confirmed) (?:that )?(?:[a-z'-]+ ){0,4}$")
ARRIVED_TO = re.compile(r"\b(?:flew|travelled|traveled|went|came|arrived|arrives|crossed|crosses|stepped|steps|"
                        r"drove|landed|lands|(?:made|makes) (?:an? )?(?:[a-z-]+ ){0,2}(?:visit|trip|stop|stopover|"
                        r"journey))\b[^,;]*$")
# "the two leaders held formal talks": a past verb before a noun trigger
HELD_BEFORE = re.compile(r"\b(?:held|had|hosted|concluded|wrapped up|began|opened|attended)(?: [a-z'-]+){0,3} $")
# parts of a visit whose cancellation or planning says nothing of the meeting itself
_SIDE_EVENTS = (r"(?:signing|ceremony|lunch|dinner|banquet|news conference|press conference|joint statement|"
                r"photo opportunity|walkabout)\b")
SIDE_EVENT = re.compile(r"\b" + _SIDE_EVENTS + r"[^,;]{0,30}$")  # "a signing ceremony was called off"
SIDE_EVENT_AFTER = re.compile(r"(?: [a-z'-]+){0,2} " + _SIDE_EVENTS)  # "a planned working lunch"
# "in December 2007": an event dated months or years back is history
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, 1)}
PAST_YEAR = re.compile(r"\b(?:(?:in|during) (?:(?:early |late |mid-)?(" + "|".join(MONTHS) + r") )?|(?:on )?(?:(" +
                       "|".join(MONTHS) + r") \d{1,2},? |\d{1,2} (" + "|".join(MONTHS) + r"),? ))((?:19|20)\d\d)\b")
# "in March" with no year: months back in the same year (or late last year)
PAST_MONTH = re.compile(r"\b(?:in|during|since|early|late|mid-) (?:early |late )?(" + "|".join(MONTHS) +
                        r")\b(?! \d)(?!,? (?:19|20)\d\d)")
YEAR_BEFORE = re.compile(r"\b((?:19|20)\d\d)(?:'s|’s)?(?: [a-z][a-z'-]*){0,3} $")
LONG_AGO = re.compile(r"\b(?:last year|a year ago|years ago|decades? ago|the previous year|in the past|"
                      r"years earlier|in recent years|over the years|over the summer|earlier this year|several times|"
                      r"many times|dozen times|a number of times|on several occasions|"
                      r"in recent months|(?:over )?the past (?:[a-z]+ )?(?:years|decades))\b")
# "In 2005, ...", "In January 2000, at Shepherdstown, ...": a sentence that opens on its date
DATED_OPENER = re.compile(r"\s*[\"'“]?(?:in|during|back in|by) (?:(?:early |late |mid-)?(" + "|".join(MONTH_NAMES) +
                          r") )?((?:19|20)\d\d)\b")
FUTURE_WORDS = re.compile(r"\b(?:will|would|next|due|scheduled|expected|plans?|planned|set to|expires?|until|by|"
                          r"upcoming|later)\b")
RELATIVE_OPENER = re.compile(r"\s*(?:when|where|which|whereby|after which|with)\b")
# "to make a visit" or "to pay a visit" plans one; "to make contacts" does not
MADE_VISIT = re.compile(r"(?: [a-z'-]+){0,4} (?:visit|trip|stop|stopover|tour|journey)\b")
# after a modal, verbs that are not about meeting: "might sign", "could discuss", "could be operational"
OTHER_VERB_AFTER = re.compile(r" (?:also |still |soon |then )?(?:sign|discuss|focus|address|cover|include|boost|ease|"
                              r"help|pave|cost|affect|announce|unveil|"
                              r"agree|approve|handle|take effect|be (?!held|hosted|organi[sz]ed|arranged|scheduled|"
                              r"the first|their|his|her|a meeting|a summit|a visit|invited|received|welcomed))")
# the verbs after a modal that still speak of the meeting or the trip ("could meet", "may take place")
MODAL_KEEPS = re.compile(
    r"[,.;]| [‘'\"“]?(?:not |also |soon |still |then |probably |possibly |likely |well |even |yet |eventually |"
    r"finally |now |only |[a-z]+ly )*(?:" + MEETING_VERBS + r"|take|happen|come|occur|see|sit|stop|arrive|get|"
    r"start|resume|begin|open|welcome|receive|have|pay|tour|accept|agree|decide|choose|plan|want|like|consider|try|"
    r"use|shake|greet|embrace|reach|lead|go ahead|proceed|convene|gather|summit|chat|confer|engage|love|prefer)")
PRESENT_MOVE_BEFORE = re.compile(r"\b(?:arrives in|travels to|heads to|flies to|visits)\b[^,;]*$")
PLANS_NOUN = re.compile(r"\b(?:concrete|detailed|new|military|defence|defense|contingency|economic|future|"
                        r"ambitious|agree|adopt|approve|its|their) $")
ACCEPTED = re.compile(r"\b(?:accepted|accepts|has accepted|agreed to come|agreed to go)\b")
# "the first prime minister to visit Ireland": a description, not a plan
FIRST_TO = re.compile(r"\b(?:first|second|third|last|only|latest|youngest|oldest)\b(?: [a-z'-]+){0,4} $")
# "at Trump's invitation": the visit is on, the invitation was accepted
AT_INVITATION = re.compile(r"\bat (?:the )?(?:[a-z'-]+ ){0,2}$")
CONDITION = re.compile(r"\b(?:unless|until)\b")  # "as long as he is in power" is a refusal, not a condition
# "were not holding talks", "did not hold a bilateral meeting"
NOT_BEFORE = re.compile(r"\b(?:not|never|n't)(?: yet| currently| now)?(?: (?:hold|have|had|held|a|any|formal|"
                        r"separate|their|planned))* $")
NO_BEFORE = re.compile(r"\bno\s+(?:[a-z'-]+\s+){0,2}$")

HOPING = frozenset(("hoping", "hopes", "hope", "hoped", "aims", "aim", "keen", "eager", "willing", "wants", "want"))
HEDGEABLE = frozenset(("meeting", "visit", "summit", "talks", "phone"))
Modality = tuple[str | None, Hit | None, str | None]  # (modality, the cue that decided it, the rule's id)


def modality_of(s: Sentence, trigger: Hit, day: dt.date) -> Modality:
    """The strongest cue in the trigger's clause; past-tense triggers default to "occurred"."""
    clause_start, clause_end = clause(s.folded, trigger.start, trigger.end)
    if NO_BEFORE.search(s.folded, max(clause_start, trigger.start - 40), trigger.start) or \
            NOT_BEFORE.search(s.folded, max(clause_start, trigger.start - 45), trigger.start):
        # "no Putin-Zelensky meeting", "were not holding talks"; "not meet him until ..." sets a condition
        if CONDITION.search(s.folded, trigger.end, clause_end):
            return "potential", trigger, NEGATED_UNTIL
        return "denied", trigger, NEGATED
    if s.folded[:trigger.start].endswith(("after ", "following ")) and trigger.value[1] is None:
        return "occurred", None, AFTER_MEETING  # "said after meeting Sisi": the meeting is behind him
    if s.text.rstrip(" '\"’”").endswith("?"):
        return "potential", None, QUESTION  # "Will Modi and Xi meet in Tianjin?": a question, not a plan
    cues = [h for h in s.has("cue") if clause_start <= h.start and h.end <= clause_end and not cue_misleads(s, h)
            and not another_events_cue(s, h, trigger) and not elsewhere_ahead(s, h, trigger)]
    tense = trigger.value[1]
    if tense == "past" and s.folded.startswith(" by ", trigger.end):
        tense = None  # "the first state visit hosted by King Charles": a participle, not a past event
    if tense == "future" and FIRST_TO.search(s.folded, max(0, trigger.start - 60), trigger.start + 3):
        tense = None  # "became the first British prime minister to visit Ireland": a description, not a plan
    others = [h for h in cues if (h.start, h.end) != (trigger.start, trigger.end)]
    if tense == "future" and not others and ARRIVED_TO.search(s.folded, max(clause_start, trigger.start - 90),
                                                             trigger.start):
        return "occurred", None, ARRIVED_TO_MEET  # "stepped across the border to meet Moon": the purpose, achieved
    # a cue after a comma past the trigger belongs to another phrase ("..., in what would be the
    # first visit"): it decides only when nothing nearer does
    near = [h for h in cues if h.start < trigger.start or not new_clause(s.folded[trigger.end:h.start])]
    held = HELD_BEFORE.search(s.folded, max(0, trigger.start - 50), trigger.start)
    if near or (cues and tense not in ("past", "present", "future") and not held):
        return _strongest_cue(s, near or cues, clause_start, clause_end)
    move = PRESENT_MOVE_BEFORE.search(s.folded, clause_start, trigger.start)
    if tense in (None, "present") and (s.folded[trigger.start:trigger.end] in lexicon.PRESENT_TENSE_MOVES or move):
        # "Ramaphosa arrives in Britain on Monday", written on the Friday before: the plan of the week
        text = s.text[move.start() if move else trigger.start:clause_end]  # not the dateline
        when = resolve_date(text, day, True)
        if when and when > day and resolve_date(text, day, False) != day:
            return "planned", None, COMING_DAY
    if tense == "future" and not held:
        return "planned", None, FUTURE_TENSE  # "expected in Algiers on Sunday": the weekday is the plan's
    if tense in ("past", "present") or s.has("past_cue") or held:
        return "occurred", None, PAST_TENSE  # "the two leaders held formal talks"
    return None, None, None


def _strongest_cue(s: Sentence, pool: list[Hit], clause_start: int, clause_end: int) -> Modality:
    best = min(pool, key=lambda h: MODALITY_ORDER.index(h.value))
    if best.value == "potential" and s.folded[best.start:best.end] == "would" and (
            resolve_date(s.text[best.start:clause_end], dt.date(2000, 1, 1), True)
            or REPORTED.search(s.folded, clause_start, best.start)):
        # reported plans: "they would hold talks on Wednesday", "officials said Xi would meet Kim"
        return "planned", best, REPORTED_PLAN
    if best.value == "denied" and CONDITION.search(s.folded, best.end, clause_end):
        return "potential", best, REFUSAL_UNTIL  # "would not meet Erdogan until Turkey withdraws": on a condition
    if s.folded[best.start:best.end].startswith("invit") and ACCEPTED.search(s.folded, best.end, clause_end):
        return "planned", best, ACCEPTED_INVITATION  # "invited Xi to visit Moscow, and Xi has accepted": a plan now
    # "to meet" after a denial cue elsewhere in the clause is still a denial
    return best.value, best, CUE


def dated_before(s: Sentence, trigger: Hit, day: dt.date) -> bool:
    """Does the trigger's phrase date it months or years back: "in December 2007", "in 2019", "in March"
    (in July), "the 2015 agreement", "last year"? Such an event is history, not news."""
    clause_start, clause_end = clause(s.folded, trigger.start, trigger.end)
    if (opener := DATED_OPENER.match(s.folded)) and opener.end() <= trigger.start and old_enough(opener, day):
        return True  # "In 2005, Musharraf travelled to Delhi ... holding talks": the whole sentence is history
    # within the trigger's own phrase: "Trump, who met Kim in 2019, will meet him again" is news
    phrase_start = max(clause_start, s.folded.rfind(",", 0, trigger.start) + 1)
    if RELATIVE_OPENER.match(s.folded, phrase_start):
        # "..., when Erdogan visited Athens in December 2023, where the two leaders signed": the phrase
        # hangs on the one before, which dates it
        phrase_start = max(clause_start, s.folded.rfind(",", 0, max(0, phrase_start - 1)) + 1)
    comma = s.folded.find(",", trigger.end)
    clause_end = min(clause_end, comma) if comma != -1 else clause_end
    for match in PAST_YEAR.finditer(s.folded, phrase_start, clause_end):
        if "since" in s.folded[phrase_start:match.start()]:
            continue  # "their first meeting since 2019" is news
        year = int(match.group(4))
        month = MONTHS.get(match.group(1) or match.group(2) or match.group(3) or "", 12)
        if (day.year - year) * 12 + day.month - month > 2:  # weeks-old events are still the news
            return True
    # a month alone dates deals, sanctions and the like ("agreed in March"); a meeting or a visit "in March" is
    # as often the plan as the past
    months = () if trigger.value[0] in ("meeting", "visit") and any(m.is_leader for m in s.mentions) \
        else PAST_MONTH.finditer(
        s.folded, max(phrase_start, trigger.start - 40), min(clause_end, trigger.end + 40))
    for match in months:
        months_back = (day.month - MONTHS[match.group(1)]) % 12
        if 2 < months_back <= 6 and not match.group(0).startswith("since") \
                and not FUTURE_WORDS.search(s.folded, max(phrase_start, match.start() - 30), match.start()):
            return True  # "agreed in March", written in July; not "will host it in May" nor "expires in December"
    if (year_before := YEAR_BEFORE.search(s.folded, max(phrase_start, trigger.start - 40), trigger.start)) and \
            int(year_before.group(1)) < day.year:
        return True  # "the 2015 nuclear deal", "the 1949 treaty"
    return bool(LONG_AGO.search(s.folded, max(phrase_start, trigger.start - 40), min(clause_end, trigger.end + 40)))


def elsewhere_ahead(s: Sentence, cue: Hit, trigger: Hit) -> bool:
    """"Ahead of" plans what follows it ("ahead of the Putin summit"), not the event before it ("met ... ahead of
    a summit")."""
    return s.folded[cue.start:cue.end] == "ahead of" and (
        not cue.end <= trigger.start <= cue.end + 50 or trigger.value[1] in ("past", "present"))


def another_events_cue(s: Sentence, cue: Hit, trigger: Hit) -> bool:
    """A cue after the trigger that holds an event word of its own ("met at the White House and urged him to
    seek talks with Kim") speaks of that event, not this one."""
    return cue.start > trigger.end and any(
        h.kind == "trigger" and cue.start <= h.start and h.end <= cue.end and (h.start, h.end) != (trigger.start,
                                                                                                trigger.end)
        for h in s.hits)


def old_enough(match: re.Match[str], day: dt.date) -> bool:
    year, month = int(match.group(2)), MONTHS.get(match.group(1) or "", 12)
    return (day.year - year) * 12 + day.month - month > 2


def cue_misleads(s: Sentence, cue: Hit) -> bool:
    """Cue words that say nothing about the meeting: "a possible ceasefire", "the first British prime
    minister to visit Ireland", "at Trump's invitation"."""
    word = s.folded[cue.start:cue.end]
    before = s.folded[max(0, cue.start - 60):cue.start]
    if cue.value == "cancelled" and SIDE_EVENT.search(before):
        return True  # "a planned signing ceremony was called off": the meeting itself went ahead
    if SIDE_EVENT_AFTER.match(s.folded, cue.end):
        return True  # "a planned working lunch", "a scheduled news conference"
    if word in lexicon.MODALS and (OTHER_VERB_AFTER.match(s.folded, cue.end) or (
            cue.end < len(s.folded) and not MODAL_KEEPS.match(s.folded, cue.end))):
        return True  # "the two sides might sign a pact", "their countries could trust each other"
    if cue.value == "potential" and word.endswith(" to") and word.split()[0] in HOPING and (
            OTHER_VERB_AFTER.match(s.folded, cue.end) or not MODAL_KEEPS.match(s.folded, cue.end)):
        return True  # "hoping to secure financing during talks with Xi": the hope is the money, not the talks
    if word in ("to make", "to pay") and not MADE_VISIT.match(s.folded, cue.end):
        return True  # "to make a visit" plans one; "agreed to make contacts" does not
    if word.startswith("to ") and (FIRST_TO.search(before) or ARRIVED_TO.search(before)):
        return True  # "the first prime minister to visit", "arrived in Hiroshima to attend": no plan
    if word == "invitation" and AT_INVITATION.search(before):
        return True
    if word in ("plans to", "planned") and PLANS_NOUN.search(before):
        return True  # "calling on NATO to agree concrete plans to defend its flank": not the meeting's plan
    if word not in ("possible", "potential", "planned") or not before.endswith(
            ("a ", "an ", "the ", "any ", "of ", "'s ", "’s ", "its ", "their ")):
        return False  # "as soon as possible", "if possible": about the meeting itself
    window = s.folded[cue.end:cue.end + 30]
    stop = min((i for i in (window.find(","), window.find("."), window.find(";")) if i != -1), default=30)
    if any(word in window[:stop].split() for word in lexicon.HEDGED_OCCASIONS):
        return False
    # "a possible meeting" hedges it; "a possible ceasefire" hedges the ceasefire, not the meeting
    return not any(h.kind == "trigger" and h.value[0] in HEDGEABLE and cue.end < h.start <= cue.end + stop
                   for h in s.hits)
