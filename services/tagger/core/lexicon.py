"""Trigger words and modality cues. Matched case-insensitively on folded text by one automaton."""

from __future__ import annotations

# Titles that, with a country adjective or possessive, name an office holder.
LEADER_TITLES = (
    "president", "prime minister", "premier", "chancellor", "leader", "king", "queen", "emir", "sultan",
    "supreme leader", "crown prince", "monarch", "head of state", "strongman", "pm",
)
# Titles that name one state's office holder without a nationality: "the pontiff" leads the Holy See
STATELESS_TITLES = {"pope": "VA", "pontiff": "VA"}
# "the French and German leaders": plural titles name leaders only after a list of nationalities
PLURAL_LEADER_TITLES = {
    "presidents": "president", "leaders": "leader", "prime ministers": "prime minister", "premiers": "premier",
    "heads of state": "head of state", "heads of government": "leader", "chancellors": "chancellor",
}
OFFICIAL_TITLES = (
    "foreign minister", "foreign secretary", "secretary of state", "top diplomat", "defence minister",
    "defense minister", "minister", "envoy", "special envoy", "ambassador", "deputy foreign minister",
    "national security adviser", "national security advisor", "delegation", "negotiators", "officials",
    "diplomats", "vice president", "deputy prime minister",
    # plurals: keys match whole words only
    "ministers", "foreign ministers", "defence ministers", "defense ministers", "finance ministers",
    "trade ministers", "envoys", "delegations", "negotiating teams", "trade teams", "senior officials",
    "counterparts", "foreign secretaries", "mediators", "counterpart", "special representatives",
    "representatives",
)

# Meeting verbs/nouns; value = tense hint ("past" makes modality "occurred" when no other cue).
MEETING_TRIGGERS = {
    "meet": None, "meets": "present", "meeting": None, "meetings": None, "to meet": "future", "met": "past",
    "met with": "past", "meeting with": None, "held talks": "past", "hold talks": None, "holds talks": "present",
    "holding talks": None, "talks with": None, "sat down with": "past", "sit down with": None,
    "hosted": "past", "hosts": "present", "host": None, "welcomed": "past", "welcomes": "present",
    "received": "past", "receives": "present", "shook hands": "past", "shake hands": None, "face-to-face": None,
    "tete-a-tete": None, "bilateral": None, "summit with": None, "summit between": None,
    "summit": None, "held a meeting": "past", "hold a meeting": None, "in-person": None, "encounter": None,
    "meeting between": None, "greeted": "past", "embraced": "past", "talks": None,
    "held a summit": "past", "to host": "future", "will host": "future", "will meet": "future", "sat in": "past",
    "joined them": "past",
}
VISIT_TRIGGERS = {
    "state visit": None, "official visit": None, "visit to": None, "visited": "past", "visits": None,
    "visit": None, "arrived in": "past", "arrives in": None, "arrive in": None, "trip to": None,
    "travel to": None, "travels to": None, "travelled to": "past", "traveled to": "past", "tour of": None,
    "to visit": "future", "will visit": "future", "landed in": "past",
}
MULTILATERAL = (
    "g7", "g-7", "g20", "g-20", "group of seven", "group of 20", "nato", "brics", "asean", "apec", "sco",
    "shanghai cooperation organisation", "shanghai cooperation organization", "european council",
    "eu summit", "eu leaders", "african union", "arab league", "commonwealth", "chogm", "quad",
    "un general assembly", "general assembly", "opec", "gcc", "mercosur", "celac", "cop28", "cop29", "cop27",
    "cop26", "cop30", "francophonie", "eurasian economic union", "csto", "sica", "ecowas", "sadc", "oas",
    "east asia summit", "summit of the americas", "european political community", "g8", "g-8",
    "organisation of islamic cooperation", "organization of islamic cooperation", "oic",
    "asia-pacific economic cooperation", "asia pacific economic cooperation", "group of twenty",
    "group of eight", "association of southeast asian nations", "gulf cooperation council",
    "united nations general assembly", "commonwealth heads of government", "north atlantic treaty organization",
    "collective security treaty organization", "g7 summit", "g20 summit", "nato summit", "brics summit",
    "saarc", "south asian association for regional cooperation", "regional summit", "millennium summit",
)
SUMMIT_TRIGGERS = {"summit": None, "summits": None, "leaders' meeting": None, "leaders meeting": None}
TALKS_TRIGGERS = {
    "talks": None, "negotiations": None, "negotiate": None, "negotiated": "past", "consultations": None,
    "held talks": "past", "hold talks": None, "met": "past", "met with": "past", "meeting": None,
    "meets": None, "meet": None, "dialogue": None, "discussions": None, "round of talks": None,
    "received": "past", "hosted": "past", "mediation": None, "peace talks": None, "discussed": "past",
    "discuss": None, "consulted": "past",
}
PHONE_TRIGGERS = {
    "phone call": None, "phone conversation": None, "telephone call": None, "telephone conversation": None,
    "spoke by phone": "past", "spoke by telephone": "past", "spoke on the phone": "past", "phoned": "past",
    "video call": None, "videoconference": None, "video conference": None, "by phone": None,
    "call with": None, "telephoned": "past", "held a call": "past", "phone": None, "telephone": None,
    "phone talks": None, "virtual meeting": None, "video link": None, "dialled": "past", "dialed": "past",
    "virtual summit": None, "virtual talks": None, "virtually": None, "via video": None, "by video": None,
}
AGREEMENT_TRIGGERS = {
    "signed": "past", "sign": None, "signing": None, "agreement": None, "accord": None, "treaty": None,
    "deal": None, "memorandum of understanding": None, "joint declaration": None, "pact": None,
    "ceasefire agreement": None, "truce": None, "reached an agreement": "past", "memorandums": None,
    "agreed to": "past", "agree to": None, "agreed on": "past", "action plan": None, "roadmap": None,
    "strategic partnership": None, "security partnership": None, "joint communique": None, "communique": None,
    "declaration": None, "framework": None, "memoranda": None, "agreements": None, "deals": None,
    "ratified": "past", "joint statement": None, "mou": None, "framework agreement": None,
}
SANCTIONS_TRIGGERS = {
    "sanctions": None, "sanction": None, "sanctioned": "past", "sanctioning": None, "embargo": None,
    "asset freeze": None, "assets frozen": "past", "blacklisted": "past", "blacklist": None,
    "export controls": None, "punitive measures": None, "travel ban": None, "sanctions package": None,
    "restrictive measures": None,
}
EXPULSION_TRIGGERS = {
    "expelled": "past", "expel": None, "expels": None, "expelling": None, "expulsion": None,
    "expulsions": None, "persona non grata": None, "ordered to leave": "past", "closed its embassy": "past",
    "closure of the embassy": None, "close its embassy": None, "shut its embassy": "past",
    "closed the embassy": "past", "closed its consulate": "past", "closed the consulate": "past",
    "shut down the embassy": "past", "ordered the closure": "past", "close the consulate": None,
    "closure of the consulate": None, "close the embassy": None, "to leave the country": None,
    "ordered out": "past", "kicked out": "past", "declared persona non grata": "past",
}
AMBASSADOR_TRIGGERS = {
    "summoned": "past", "summons": None, "summon": None, "recalled": "past", "recall": None,
    "recalls": None, "recalling": None, "called in": "past", "withdrawing its ambassador": None,
    "withdrew its ambassador": "past", "withdraw its ambassador": None, "pulled its ambassador": "past",
    "bring home its ambassador": None, "brought home its ambassador": "past",
}
DIPLOMAT_WORDS = ("diplomat", "diplomats", "embassy", "embassies", "consulate", "consulates", "envoy", "envoys",
                  "ambassador", "attache",
                  "attaché", "embassy staff", "consul", "military attache", "charge d'affaires", "mission")
AMBASSADOR_WORDS = ("ambassador", "ambassadors", "envoy", "envoys", "charge d'affaires", "chargé d'affaires",
                    "top diplomat", "head of mission", "embassy official", "diplomat", "withdrawing its ambassador",
                    "withdrew its ambassador", "withdraw its ambassador", "pulled its ambassador", "diplomats",
                    "bring home its ambassador")

# Modality cues, strongest first when several apply to one clause.
MODALITY_CUES = {
    "denied": (
        "denied", "denies", "deny", "denying", "no plans to meet", "no plans for", "ruled out", "rules out",
        "dismissed reports", "dismissed speculation", "rejected reports", "not true", "no such meeting",
        "will not meet", "won't meet", "would not meet", "would not travel", "would not visit",
        "has no plans", "had no plans", "have no plans",
        "did not meet", "never met", "refuted", "false reports", "not planning", "no meeting is planned",
        "no meeting was planned", "flatly rejected", "fake news", "no preparations", "nothing of the kind",
        "not being prepared", "no such plans", "no summit is planned", "no truth", "not on the agenda",
        "no concrete plans", "no intention", "groundless", "dismisses report", "dismissed as groundless",
        "dismissing reports", "dismissing speculation", "dismisses speculation", "dismissed the report",
        "rejected an offer", "rejected the offer", "rejects offer", "rejects an offer", "rejected a proposal",
        "rejected the proposal", "rejects proposal", "rejects summit", "rejected a summit", "will reject",
        "turned down", "declined an invitation", "declined the invitation", "not on the cards", "no basis",
        "refused to meet", "refuses to meet", "refusing to meet", "refuse to meet", "not expected to",
        "is not expected to", "are not expected to", "was not expected to", "dismisses talk", "dismissed talk",
        "dismissing talk",
    ),
    "cancelled": (
        "cancelled", "canceled", "cancels", "cancel", "cancellation", "called off", "calls off",
        "call off", "postponed", "postpones", "postpone", "postponement", "postponing", "cancelling", "canceling",
        "scrapped", "scraps", "scrap", "shelved",
        "pulled out of", "pulls out of", "was off", "is off", "axed", "abandoned", "delayed indefinitely",
        "put on hold", "suspended", "walked out", "will no longer take place", "no longer take place",
        "will not go ahead", "would not go ahead", "will not take place", "would not take place",
        "won't take place", "not take place", "did not take place", "fails to take place",
        "failed to take place", "to skip", "will skip", "skips", "skipping", "skipped", "will not attend",
        "dashing hopes", "dashed hopes", "will not travel", "had been due to", "had been expected to",
        "had been scheduled to", "had been set to", "was to have", "were to have", "had planned to",
        "was also to have", "were also to have", "had also been due to", "had also been expected to",
    ),
    "potential": (
        "potential", "possible", "possibly", "may", "might", "could", "if it takes place", "if it goes ahead",
        "considering", "considers", "mulling", "mulls", "weighing", "speculation", "speculated", "rumoured",
        "rumored", "rumours", "rumors", "would", "prospect of", "open to", "hopes to", "hope to", "hoped to",
        "hoping to",
        "seeking a meeting", "proposed", "proposes", "suggested", "floated", "reportedly",
        "likely to", "is likely", "are likely", "seems likely", "unlikely",
        "exploring", "arranging", "trying to arrange", "seeking to arrange", "working to arrange",
        "not ruled out", "does not rule out", "did not rule out", "willing to meet", "ready to meet", "eyeing",
        "not been ruled out", "has not ruled out", "have not ruled out", "hasn't ruled out", "not be ruled out",
        "cannot be ruled out", "can't be ruled out", "could not be ruled out", "would not rule out",
        "wouldn't rule out", "not rule out", "unclear whether", "unclear if", "uncertain whether", "not clear whether",
        "not clear if", "remains unclear", "remained unclear", "will likely", "would likely", "will probably",
        "invitation", "invited", "invites", "inviting", "offered to", "could meet", "might meet",
        "seek a meeting", "seeks a meeting", "seek a summit", "seeks a summit", "seeking a summit", "seek talks",
        "seeks talks", "seeking talks", "push for", "pushing for", "aims to", "aim to",
    ),
    "planned": (
        "will", "to meet", "due to", "scheduled", "set to", "plans to", "planned", "planning to",
        "expected to", "is to", "are to", "next week", "next month", "next year", "upcoming", "later this",
        "announced", "to hold talks", "confirmed", "confirms", "to travel", "to visit", "will travel",
        "is due", "are due", "arrangements", "preparations", "shall", "is slated", "are slated", "agreed to meet",
        "to host", "tomorrow", "this weekend", "on the sidelines of the upcoming", "to hold", "to attend",
        "due at", "due in", "heads to", "head to", "flies to", "en route to", "on his way to", "on her way to",
        "travelling to", "traveling to", "to make", "to pay",
        "will hold", "will host", "will visit", "to sit down", "at the invitation of", "accepted an invitation",
        "accepted the invitation", "accepts invitation", "accepts an invitation",
        "plans for", "being drawn up", "being prepared", "preparing for", "preparations for",
    ),
}
PAST_CUES = ("last week", "yesterday", "earlier this", "last month", "on monday", "on tuesday",
             "on wednesday", "on thursday", "on friday", "on saturday", "on sunday")

# Context that turns a "summit" or "meeting" into something that is not diplomacy.
NEGATIVE_CONTEXT = (
    "cabinet meeting", "party congress", "politburo", "board meeting", "board of directors",
    "shareholders", "mount ", "mountain", "everest", "climbers", "climber", "hikers", "reached the summit",
    "summit of mount", "summit of the mountain", "summit of the peak",
    "football", "soccer", "football match", "cricket match", "tennis match", "match against", "tournament",
    "league", "championship", "olympic", "athletics meet", "track meet", "swim meet", "ceo",
    "chief executive", "film", "movie", "documentary", "brand ambassador", "goodwill ambassador", "fifa",
    "uefa", "ioc", "wada", "doping", "football club", "transfer window", "transfer fee", "head coach",
    "players", "election rally", "campaign rally", "impersonator", "impersonators", "lookalike",
    "lookalikes", "wax figure", "waxwork", "wax figures", "waxworks", "mayors", "governors", "city council",
)
SPORTS_BODIES = ("fifa", "uefa", "ioc", "wada", "fia", "world athletics", "icc", "ncaa", "league",
                 "federation", "football", "olympic", "doping")

# A sanctions trigger counts only with an act of sanctioning nearby, not as background.
SANCTION_ACTS = (
    "impose", "imposed", "imposes", "imposing", "slapped", "slaps", "announced", "announces", "extended",
    "extends", "extend", "lifted", "lifts", "lift", "tightened", "tightens", "tighten", "threatened",
    "threatens", "threaten", "new sanctions", "fresh sanctions", "sanctioned", "targeting", "targets",
    "eased", "eases", "ease", "renewed", "renews", "expanded", "broadened", "adopted", "approved", "unveiled",
    "hit", "hits", "blacklisted", "froze", "freezes", "banned", "bans", "levied", "added", "designated",
    "will sanction", "to sanction", "sanctions on", "sanctions against", "sanctions package", "terminating",
    "terminated", "terminates", "ending", "ended", "scrapped", "removed", "removing", "remove",
)
BACKGROUND_OPENERS = ("as ", "amid ", "under ", "despite ", "given ", "with ", "since ")
