"""Stage 2: who and which states a sentence names, resolved on the article's date.

Leaders and officials are named in full ("Vladimir Putin"), by surname once the article has named
them ("Putin"), or by title with a nationality ("the Russian president", "Chinese Premier Li"); states
by name, adjective, capital or seat of power ("the Kremlin"). The same words name different people on
different days: "the Russian president" in 1995 is Boris Yeltsin. Every mention carries the id of the
rule that made it, which evidence spans repeat.
"""

from __future__ import annotations

import re
from collections import defaultdict

from services.tagger.core import lexicon
from services.tagger.core.context import Article, Hit, Mention, Sentence
from services.tagger.core.dates import MONTH_NAMES, WEEKDAY_NAMES
from services.tagger.core.knowledge import Knowledge, Leader
from services.tagger.core.rules import rule
from services.tagger.core.text import fold

FULL_NAME = rule("mention.full_name", "mention",
                 "A person named in full (any alias), the one in office that day when several share the name")
SURNAME = rule("mention.surname", "mention",
               "A surname alone: whoever the article named in full, else the only office holder of that name")
STATELESS_TITLE = rule("mention.stateless_title", "mention", '"The pontiff": the holder of that office that day')
LEADERS_OF_STATES = rule("mention.leaders_of_listed_states", "mention",
                         '"The presidents of Congo and Rwanda": one leader for each state listed')
OFFICIALS_OF_STATES = rule("mention.officials_of_listed_states", "mention",
                           '"Ministers from the United States, Russia and China": officials of every state listed')
LISTED_NATIONALITY_LEADERS = rule("mention.leaders_of_listed_nationalities", "mention",
                                  '"The French and German leaders": the leader of every state listed')
LISTED_NATIONALITY_OFFICIALS = rule("mention.officials_of_listed_nationalities", "mention",
                                    '"Russian and Ukrainian delegations": officials of every state listed')
HEIR = rule("mention.heir", "mention", '"The Saudi crown prince" before he governs: an heir, who counts as an official')
TITLED_LEADER = rule("mention.titled_leader", "mention",
                     '"The Russian president", "the emir of Qatar": the office holder of that state that day')
TITLE_COREFERENCE = rule("mention.title_coreference", "mention",
                         '"The president", "the chancellor" with no state: the last leader the article named who holds '
                         "that title")
COUNTERPART = rule("mention.counterpart", "mention",
                   '"Modi met his Chinese counterpart": a leader\'s peer leads too, a minister\'s is a minister')
TITLED_OFFICIAL = rule("mention.titled_official", "mention",
                       '"The Chinese foreign minister": an official of that state')
STATE_NAME = rule("mention.state_name", "mention", 'A state named outright: "Russia", "Russia\'s"')
NATIONALITY = rule("mention.nationality", "mention", 'A state named by its adjective: "Russian"')
CAPITAL = rule("mention.capital", "mention", 'A state named by its capital: "Moscow"')
SEAT_OF_POWER = rule("mention.seat_of_power", "mention", 'A state named by its seat of power: "the Kremlin"')
STATE_RULES = {"country": STATE_NAME, "country_poss": STATE_NAME, "adj": NATIONALITY, "capital": CAPITAL,
               "metonym": SEAT_OF_POWER}

FORMER = rule("veto.former", "veto", '"Former", "ex-", "the late" before a name or title: not in office')
RELATIVE = rule("veto.relative", "veto",
                '"First lady Melania Trump", "his son Hunter Biden": the family, not the leader')
GIVEN_NAME = rule("veto.given_name", "veto", '"Abbas Kamel": a leader\'s surname used as someone else\'s first name')
PROXY = rule("veto.proxy", "veto", '"Putin\'s envoy", "a message from Trump", "an adviser to Lula": someone else acts')
BLOC_PRESIDENT = rule("veto.bloc_president", "veto", "The EU's presidents lead a bloc, not a state")
OPPOSITION = rule("veto.opposition", "veto", '"The opposition leader": not the office holder')

# Surnames that are also names of days and months ("Friday"): a leader only after the full name came up
WORDLIKE_SURNAMES = frozenset((*WEEKDAY_NAMES, *MONTH_NAMES))
OFFICIAL_GROUPS = lexicon.OFFICIAL_GROUPS
OFFICIAL_PLURALS = OFFICIAL_GROUPS | {t for t in lexicon.OFFICIAL_TITLES if t.endswith(("ministers", "secretaries"))}
# "Putin's envoy", "Trump's son-in-law": the leader is named, someone else acts
PROXY_AFTER = re.compile(r"(?:'s|’s) (?:[a-z-]+ ){0,3}(?:envoys?|emissary|aides?|advis[eo]rs?|"
                         r"spokes(?:man|woman|person)|representatives?|chief of staff|son|daughter|wife|husband|"
                         r"brother|sister|son-in-law|negotiators?|ministers?|officials|government|administration|"
                         r"office|party|team)\b")
MESSAGE_FROM = re.compile(r"\b(?:(?:message|letter|note|greetings|invitation)s? from|(?:message|letter|note)s? to|"
                          r"on behalf of|"
                          r"(?:advis[eo]r|aide|envoy|emissary|spokes(?:man|woman|person)|representative|negotiator)s? "
                          r"(?:to|of|for)) (?:[a-z'’.-]+ ){0,3}$")
# "Netanyahu's office said he would meet ...": the spokespeople speak, the leader meets
SPOKESPEOPLE_AFTER = re.compile(r"(?:'s|’s) (?:[a-z-]+ )?(?:office|spokes(?:man|woman|person)|aides?|"
                                r"press secretary)\b")
HE_WOULD_MEET = re.compile(r"\b(?:he|she) (?:would |will |is to |was to |plans to |planned to |could |might |may |"
                           r"had )?(?:meet|visit|travel|hold talks|sit down)\b")
BARE_PROXY_AFTER = re.compile(r" (?:envoys?|emissary|aides?|advis[eo]rs?|negotiators?|officials|administration)\b")
RELATIVE_BEFORE = re.compile(r"\b(?:first lady|wife|husband|son|daughter|brother|sister|mother|father|widow|"
                             r"nephew|niece|grandson|granddaughter),? [a-z]+ $")


class MentionFinder:
    """Names people and states in sentences, for one knowledge base."""

    def __init__(self, knowledge: Knowledge, families: list[str | None]) -> None:
        self.knowledge = knowledge
        self.families = families
        self._surnames: dict[str, list[Leader]] = defaultdict(list)
        self._by_name = {leader.name: leader for leader in knowledge.leaders}
        for leader in knowledge.leaders:
            self._surnames[fold(leader.surname)].append(leader)

    def learn_families(self, sentences: list[Sentence], article: Article) -> None:
        """A headline's "Aliyev" is the Ilham Aliyev its body names in full: family names shared by several
        office holders are learnt from the whole article first."""
        for sentence in sentences:
            for hit in sentence.hits:
                if hit.kind == "leader" and (family := self.families[hit.value]) is not None \
                        and (leader := self.knowledge.leaders[hit.value]).is_official_on(article.day):
                    article.seen_surnames.setdefault(family, leader)

    def find(self, sentence: Sentence, article: Article) -> list[Mention]:
        """Who and which states a sentence names: leaders (by name, surname or title) and countries."""
        naming = _Naming(self, sentence, article)
        naming.full_names()
        naming.surnames()
        naming.titles()
        naming.drop_proxies()
        naming.states()
        # leaders this sentence named in person, for "the president" in the sentences after it
        article.named_leaders.extend(self._by_name[m.name] for m in naming.mentions
                                     if m.is_leader and m.name in self._by_name and m.rule_id != TITLE_COREFERENCE)
        naming.mentions.sort(key=lambda m: m.start)
        return naming.mentions


class _Naming:
    """One sentence being named: the mentions so far and the spans already claimed by one."""

    def __init__(self, finder: MentionFinder, sentence: Sentence, article: Article) -> None:
        self.finder, self.knowledge, self.s, self.article = finder, finder.knowledge, sentence, article
        self.day = article.day
        self.mentions: list[Mention] = []
        self.claimed: list[tuple[int, int]] = []

    def former_before(self, start: int) -> bool:
        window = self.s.folded[max(0, start - 25):start]
        return "former" in window or "ex-" in window or "late " in window or window.endswith(("then ", "then-"))

    def is_claimed(self, start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in self.claimed)

    def add(self, span: tuple[int, int], country: str, name: str | None, is_leader: bool, is_official: bool,
            label: str, rule_id: str, claim: bool = True) -> Mention:
        mention = Mention(span[0], span[1], country, name, is_leader, is_official, label, rule_id)
        self.mentions.append(mention)
        if claim:
            self.claimed.append(span)
        return mention

    def full_names(self) -> None:
        s, day, leaders = self.s, self.day, self.knowledge.leaders
        for hit in s.hits:
            if hit.kind != "leader" or (hit.start, hit.end) in self.claimed:
                continue  # one mention per name, however many aliases spell it alike
            leader = leaders[hit.value]
            # several people may share an alias: prefer whoever was in office that day
            same_alias = [h.value for h in s.hits if h.kind == "leader" and (h.start, h.end) == (hit.start, hit.end)]
            in_office = [i for i in same_alias if leaders[i].is_official_on(day)]
            if in_office and hit.value != in_office[0]:
                continue
            if not in_office and hit.value != same_alias[0]:
                continue
            is_leader = leader.is_leader_on(day) and not self.former_before(hit.start)
            titled = _title_before(s, hit.start)
            if titled and titled.value in lexicon.LEADER_TITLES and not self.former_before(titled.start):
                is_leader = True
            self.add((hit.start, hit.end), leader.country_on(day), leader.name, is_leader,
                     leader.is_official_on(day) and not is_leader, f"leader:{leader.name}", FULL_NAME)
            self.article.seen_surnames[fold(leader.surname)] = leader
            if (family := self.finder.families[hit.value]) is not None:
                # a family name shared by several office holders ("Trudeau", "Aliyev", "Sharif") names one
                # only after the article has named them in full
                self.article.seen_surnames[family] = leader

    def surnames(self) -> None:
        s, day = self.s, self.day
        for hit in s.hits:
            if hit.kind != "surname" or self.is_claimed(hit.start, hit.end) or (
                    _given_name(s.text, hit.end) and not title_case(s.text)):
                continue  # "Abbas Kamel" is not Mahmoud Abbas; in "Erdogan Meets Putin" every word is capitalised
            leader_or_none = self.article.seen_surnames.get(hit.value)
            named_in_full = leader_or_none is not None
            if leader_or_none is None and hit.value not in WORDLIKE_SURNAMES:  # "Friday" is a day first
                active = [p for p in self.finder._surnames.get(hit.value, []) if p.is_official_on(day)]
                active_leaders = [p for p in active if p.is_leader_on(day)]
                pool = active_leaders or active
                leader_or_none = pool[0] if len(pool) == 1 else None
            if leader_or_none is None or RELATIVE_BEFORE.search(s.folded, max(0, hit.start - 40), hit.start):
                continue  # "first lady Melania Trump", "his son Hunter Biden": the family, not the leader
            if someone_else(s.text, hit, named_in_full):
                continue  # "climate scientist Sarah Carney", "Dr. Carney, a glaciologist": a namesake
            leader = leader_or_none
            is_leader = leader.is_leader_on(day) and not self.former_before(hit.start)
            self.add((hit.start, hit.end), leader.country_on(day), leader.name, is_leader,
                     leader.is_official_on(day) and not is_leader, f"surname:{leader.surname}", SURNAME)

    def titles(self) -> None:
        """Titles with a nationality: "the Russian president", "North Korea's leader", "Chinese Premier Li"."""
        s, day, knowledge = self.s, self.day, self.knowledge
        for hit in s.hits:
            if hit.kind == "stateless_title" and not self.is_claimed(hit.start, hit.end) \
                    and not self.former_before(hit.start):
                holder = knowledge.office_holder(str(hit.value), "leader", day)
                if holder:  # "the pontiff": whoever held the office that day
                    self.add((hit.start, hit.end), str(hit.value), holder.name, True, False,
                             f"title:{fold(s.text[hit.start:hit.end])}", STATELESS_TITLE)
                continue
            if hit.kind == "title_plural" and (listed := _states_after(s, hit)):
                # "the presidents of Congo and Rwanda": one leader for each state listed
                title = lexicon.PLURAL_LEADER_TITLES[hit.value]
                for state in listed:
                    holder = knowledge.office_holder(str(state.value), title, day)
                    self.add((state.start, state.end), str(state.value), holder.name if holder else None, True,
                             False, f"title:{title}", LEADERS_OF_STATES)
                self.claimed.append((hit.start, hit.end))
                continue
            if hit.kind == "official_title" and hit.value in OFFICIAL_PLURALS and (listed := _states_after(s, hit)):
                # "ministers from the United States, Russia and China": officials of every state listed
                for state in listed:
                    self.add((state.start, state.end), str(state.value), None, False, True,
                             f"official:{hit.value}", OFFICIALS_OF_STATES)
                self.claimed.append((hit.start, hit.end))
                continue
            if hit.kind not in ("title", "official_title", "title_plural") or self.is_claimed(hit.start, hit.end):
                continue
            self._titled(hit)

    def _titled(self, hit: Hit) -> None:
        """A singular title (or a plural after a list of nationalities) with the state it belongs to."""
        s, day, knowledge = self.s, self.day, self.knowledge
        nationality = _nationality_before(s, hit.start)
        if nationality is None and hit.kind == "title" and (of_state := _state_after(s, hit)):
            nationality = of_state  # "the emir of Qatar", "the president of France"
            self.claimed.append((of_state.start, of_state.end))
        if nationality is None:
            if hit.kind == "title" and s.position <= 2 and s.folded[max(0, hit.start - 4):hit.start] == "the " \
                    and not s.folded.startswith(" of ", hit.end) \
                    and not self.former_before(hit.start) and (referent := self._last_named(str(hit.value))) \
                    and not any(0 <= m.start - hit.end <= 2 for m in self.mentions):
                # "the president spoke during meetings with Meloni", after a headline naming Trump
                self.add((hit.start, hit.end), referent.country_on(day), referent.name, True, False,
                         f"title:{hit.value}", TITLE_COREFERENCE)
            return
        country = str(nationality.value)
        if self.former_before(hit.start) or "opposition" in s.folded[max(0, hit.start - 20):hit.start]:
            return
        if hit.kind == "title_plural" or (hit.kind == "official_title" and hit.value in OFFICIAL_GROUPS):
            # "the French and German leaders", "Russian and Ukrainian delegations": every state listed
            listed = _coordinated_before(s, nationality)
            if hit.kind == "title_plural":
                if not listed:
                    return  # "Chinese leaders" on their own: nobody in particular
                title = lexicon.PLURAL_LEADER_TITLES[hit.value]
                for state in (*listed, nationality):
                    holder = knowledge.office_holder(str(state.value), title, day)
                    self.add((state.start, state.end), str(state.value), holder.name if holder else None, True,
                             False, f"title:{title}", LISTED_NATIONALITY_LEADERS)
                self.claimed.append((hit.start, hit.end))
                return
            for state in listed:
                self.add((state.start, state.end), str(state.value), None, False, True, f"official:{hit.value}",
                         LISTED_NATIONALITY_OFFICIALS)
        named = [m for m in self.mentions if 0 <= m.start - hit.end <= 2]
        if named:  # "President Putin": the name already counts; the title confirms leadership
            if hit.kind == "title" and hit.value != "crown prince":  # an heir leads only if he governs
                named[0].is_leader, named[0].is_official = True, False
            return
        span = (hit.start, hit.end)
        if hit.kind == "title" and hit.value == "crown prince" and not knowledge.office_holder(country, hit.value, day):
            # "the Saudi crown prince" in 2021: an heir, who meets a leader for talks
            self.add(span, country, None, False, True, "official:crown prince", HEIR)
        elif hit.kind == "title":
            holder = knowledge.office_holder(country, hit.value, day)
            name = holder.name if holder else _unknown_name(s.text, hit.end)
            self.add(span, country, name, True, False, f"title:{hit.value}", TITLED_LEADER)
        elif hit.value == "counterpart" and (peer := next((m for m in reversed(self.mentions) if m.end <= hit.start
                                                           and (m.is_leader or m.is_official)), None)):
            # "Modi met his Chinese counterpart": the peer of a leader leads too, of a minister is a minister
            if peer.is_leader:
                holder = knowledge.office_holder(country, "leader", day)
                self.add(span, country, holder.name if holder else None, True, False, "title:counterpart", COUNTERPART)
            else:
                self.add(span, country, None, False, True, "official:counterpart", COUNTERPART)
        else:
            holder = knowledge.office_holder(country, hit.value, day)
            self.add(span, country, holder.name if holder else None, False, True, f"official:{hit.value}",
                     TITLED_OFFICIAL)

    def _last_named(self, title: str) -> Leader | None:
        """The one leader the article has named who holds ``title`` that day ("president", "prime minister");
        None when it has named several (which president "the president" is, is then anyone's guess)."""
        holders = []
        for leader in dict.fromkeys(self.article.named_leaders):
            roles = [r for r in leader.roles_on(self.day) if r.role in ("head_of_state", "head_of_government")]
            if (title in ("leader", "head of state", "strongman") and roles) or (
                    title in ("prime minister", "premier", "pm") and any(
                        r.role == "head_of_government" and "president" not in r.title.lower() for r in roles)) or any(
                    title in r.title.lower() for r in roles):
                holders.append(leader)
        return holders[0] if len(holders) == 1 else None

    def drop_proxies(self) -> None:
        """"Putin's envoy", "Trump's son-in-law": the leader sends someone, and is not there himself; nor is
        "Saddam Hussein's Iraq", the sender of "a message from President Trump" or "an adviser to Lula"."""
        folded = self.s.folded
        states_at = {h.start for h in self.s.hits if h.kind in ("country", "capital")}
        for mention in self.mentions:
            if mention.is_leader and mention.country == "EU":
                # the EU's presidents lead a bloc, not a state: meeting them is talks, not a leaders' meeting
                mention.is_leader, mention.is_official = False, True
                continue
            if mention.is_leader and SPOKESPEOPLE_AFTER.match(folded, mention.end) and HE_WOULD_MEET.search(
                    folded, mention.end):
                continue  # "Netanyahu's office denied reports that he would meet al-Sharaa": he is the one
            if mention.is_leader and (PROXY_AFTER.match(folded, mention.end) or BARE_PROXY_AFTER.match(
                    folded, mention.end) or MESSAGE_FROM.search(
                    folded, max(0, mention.start - 50), mention.start) or (
                    folded.startswith(("'s ", "’s "), mention.end) and mention.end + 3 in states_at)):
                mention.is_leader = mention.is_official = False

    def states(self) -> None:
        """States named outright or by capital / seat of power."""
        for hit in self.s.hits:
            if hit.kind in STATE_RULES and not self.is_claimed(hit.start, hit.end):
                self.add((hit.start, hit.end), hit.value, None, False, False, f"{hit.kind}:{hit.value}",
                         STATE_RULES[hit.kind], claim=False)


def _title_before(sentence: Sentence, start: int) -> Hit | None:
    for hit in sentence.hits:
        if hit.kind in ("title", "official_title") and 0 <= start - hit.end <= 2:
            return hit
    return None


def _nationality_before(sentence: Sentence, start: int) -> Hit | None:
    """The adjective ("Russian") or possessive ("Russia's") naming a title's country, right before it."""
    for hit in sentence.hits:
        if hit.kind in ("adj", "country_poss", "country") and 0 <= start - hit.end <= 2:
            if hit.kind == "country" and sentence.folded[hit.end:hit.end + 2] not in ("'s", " "):
                continue
            return hit
        if hit.kind in ("adj", "country_poss") and 0 <= start - hit.end <= 12:
            between = sentence.folded[hit.end:start].strip()
            if between in ("'s", "new", "then", "acting", "interim", "incoming", "outgoing", "then-"):
                return hit
    return None


def _coordinated_before(sentence: Sentence, nationality: Hit) -> list[Hit]:
    """Adjectives listed before another with "and" or commas: "Russian, Turkish and Iranian"."""
    listed: list[Hit] = []
    edge = nationality.start
    for hit in sorted(sentence.hits, key=lambda h: -h.start):
        if hit.end > edge or hit.kind not in ("adj", "country_poss"):
            continue
        if sentence.folded[hit.end:edge].strip() not in ("and", ",", ", and", "or", "&"):
            break
        listed.append(hit)
        edge = hit.start
    return listed[::-1]


def _state_after(sentence: Sentence, title: Hit) -> Hit | None:
    """The state named right after a title and "of": "the emir of Qatar" (not a bloc's president)."""
    if not sentence.folded.startswith(" of ", title.end):
        return None
    for hit in sentence.hits:
        if hit.kind == "country" and hit.value != "EU" and hit.start in (title.end + 4, title.end + 8) \
                and sentence.folded[title.end + 4:hit.start] in ("", "the "):
            return hit
    return None


def _states_after(sentence: Sentence, title: Hit) -> list[Hit]:
    """Two or more states listed right after a plural title and "of": "the leaders of Thailand and Cambodia"."""
    if not sentence.folded.startswith((" of ", " from "), title.end):
        return []
    listed: list[Hit] = []
    edge = sentence.folded.index(" ", title.end + 1)
    for hit in sorted(sentence.hits, key=lambda h: h.start):
        if hit.start < edge or hit.kind not in ("country", "country_poss"):
            continue
        gap = sentence.folded[edge:hit.start].strip()
        if gap not in (("", "the") if not listed else ("and", ",", ", and", "and the", ", the", ", and the")):
            break
        listed.append(hit)
        edge = hit.end
    return listed if len(listed) >= 2 else []


def _unknown_name(text: str, end: int) -> str | None:
    """A capitalised name right after a title that the knowledge base does not know."""
    words = []
    for word in text[end:end + 60].split():
        clean = word.strip(",.;:'\"()’")
        if clean[:1].isupper() and clean.replace("-", "").isalpha():
            words.append(clean)
            if word != clean:
                break
        else:
            break
    return " ".join(words[:3]) if words else None


NOT_A_LEADER_BEFORE = re.compile(r"(?:\b(?:prof|professor|coach|judge|justice|bishop|father|sister|brother|"
                                 r"rev|reverend|sir|dame|lady|lord|scientist|researcher|author|novelist|artist|"
                                 r"actor|actress|singer|player|striker|midfielder|goalkeeper|economist|analyst|"
                                 r"journalist|columnist|chef|ceo|founder)\.? (?:[a-z'-]+ )?)$")
OCCUPATION_AFTER = re.compile(r", (?:a|an|the) (?:[a-z-]+ ){0,2}(?:scientist|researcher|glaciologist|professor|author|"
                              r"novelist|artist|actor|actress|singer|player|striker|economist|analyst|journalist|"
                              r"columnist|chef|executive|founder|student|teacher|doctor|lawyer|namesake)\b")


def someone_else(text: str, hit: Hit, named_in_full: bool) -> bool:
    """A surname the leader shares with someone the sentence calls otherwise, when the article never named the
    leader in full: a title no leader holds ("climate scientist Sarah Carney", "Prof. Carney") or an occupation
    after it ("Carney, a glaciologist")."""
    if named_in_full:
        return False  # the article named the leader in full: his surname is his
    before = text[max(0, hit.start - 30):hit.start]
    return bool(NOT_A_LEADER_BEFORE.search(fold(before)) or OCCUPATION_AFTER.match(fold(text[hit.end:hit.end + 60])))


def title_case(text: str) -> bool:
    """"Erdogan Meets Putin In Sochi": nearly every longer word capitalised, not just the many names."""
    words = [w for w in text.split() if len(w) >= 4 and w[:1].isalpha()]
    return bool(words) and sum(1 for w in words if w[:1].isupper()) > 0.85 * len(words)


def _given_name(text: str, end: int) -> bool:
    """Is the matched surname followed by another name ("Abbas Kamel"), so it is someone else's first name?"""
    following = text[end:end + 25].split(maxsplit=1)
    if not following or text[end:end + 1] != " ":
        return False
    word = following[0].strip(",.;:'\"()’")
    return (word[:1].isupper() and word[1:].islower() and word.isalpha()
            and word.lower() not in WORDLIKE_SURNAMES and word not in ("The", "On", "In", "At", "And"))
