"""Single rules of the tagger, one sentence at a time: the cases the labelled sets taught us."""

from __future__ import annotations

import datetime as dt

from services.tagger.core import Document, default_tagger
from services.tagger.core.knowledge import load_knowledge
from services.tagger.core.model import TaggedEvent

DAY = dt.datetime(2026, 2, 17, 9, 0, tzinfo=dt.UTC)


def tag(text: str, title: str = "", day: dt.datetime = DAY) -> dict[str, TaggedEvent]:
    return {event.type: event for event in default_tagger().tag(Document("t", title, text, day))}


def test_coordinated_nationalities_before_delegations_all_take_part_in_the_talks() -> None:
    events = tag("Russian and Ukrainian delegations met in Geneva on Tuesday for U.S.-brokered talks.")
    assert events["talks"].countries == ["RU", "UA"]
    assert "leader_meeting" not in events


def test_the_french_and_german_leaders_are_the_office_holders_of_the_day() -> None:
    meeting = tag("The French and German leaders met in Paris on Monday to discuss defence spending.")[
        "leader_meeting"]
    assert meeting.countries == ["DE", "FR"]
    assert meeting.leaders == ["Emmanuel Macron", "Friedrich Merz"]


def test_a_plural_title_without_a_list_of_states_names_nobody() -> None:
    assert "leader_meeting" not in tag("Chinese leaders met in Beijing on Monday for the party plenum.")


def test_an_envoy_is_never_mistaken_for_the_head_of_state() -> None:
    knowledge = load_knowledge()
    assert knowledge.office_holder("RU", "envoy", DAY.date()) is None
    assert knowledge.office_holder("RU", "officials", DAY.date()) is None
    talks = tag("The Russian envoy met the Chinese defence minister in Beijing on Monday.")["talks"]
    assert talks.countries == ["CN", "RU"]
    assert "Vladimir Putin" not in talks.leaders


def test_a_possible_ceasefire_does_not_make_a_held_meeting_speculative() -> None:
    events = tag("Russian President Vladimir Putin met Turkish President Recep Tayyip Erdogan in Sochi on Monday "
                 "to discuss a possible ceasefire.")
    assert events["leader_meeting"].modality == "occurred"


def test_a_possible_trip_is_still_speculative() -> None:
    events = tag("Officials are preparing a possible trip by Putin to meet Erdogan in Ankara.")
    assert events["leader_meeting"].modality == "potential"


def test_a_visit_named_by_its_destination_before_the_word_is_a_visit_there() -> None:
    events = tag("", title="Erdogan postpones UAE visit over Al Nahyan's health")
    assert events["state_visit"].countries == ["AE", "TR"]
    assert events["state_visit"].modality == "cancelled"
    assert events["leader_meeting"].modality == "cancelled"


def test_a_postponement_is_a_cancellation() -> None:
    events = tag("Turkish President Recep Tayyip Erdogan announced the postponement of his visit to Abu Dhabi.")
    assert events["state_visit"].modality == "cancelled"


def test_leaders_opening_a_plant_by_video_link_are_not_calling_each_other() -> None:
    events = tag("Modi and Macron will also inaugurate India's first helicopter assembly line via videoconference "
                 "from Mumbai on Tuesday.")
    assert "phone_call" not in events
    assert "phone_call" in tag("Modi and Macron held a videoconference on Tuesday to discuss the jet deal.")


def test_agreeing_to_keep_talking_is_not_an_agreement_but_agreeing_to_a_ceasefire_is() -> None:
    assert "agreement" not in tag("Carney and Li Qiang agreed to hold regular contacts during their first call.")
    assert "agreement" not in tag("Presidents Trump and Putin agreed to start negotiations on Ukraine on Monday.")
    assert "agreement" in tag("Armenia and Azerbaijan agreed to a ceasefire in Moscow on Saturday.")


def test_signing_an_executive_order_is_not_an_agreement_between_states() -> None:
    assert "agreement" not in tag("President Donald Trump signed an executive order on Monday ending the Syria "
                                  "sanctions programme.")
    assert "agreement" in tag("President Donald Trump and Prime Minister Keir Starmer signed a trade deal on Monday.")


def test_a_deal_inside_one_country_is_not_an_agreement_between_states() -> None:
    assert "agreement" not in tag("Spanish Prime Minister Pedro Sanchez's Socialists reached an agreement with "
                                  "Catalan separatists on Thursday.")


def test_a_leader_named_after_as_in_a_headline_is_not_at_the_meeting() -> None:
    events = tag("", title="Putin meets Witkoff for four hours as Trump tells Moscow to get moving")
    assert "leader_meeting" not in events


def test_a_leaders_envoy_travelling_is_not_the_leader_travelling() -> None:
    events = tag("Witkoff was greeted by Kirill Dmitriev, Putin's envoy on investment, who visited Washington "
                 "last week.")
    assert "state_visit" not in events and "leader_meeting" not in events


def test_a_held_meeting_stays_held_when_a_later_line_says_he_will_not_attend_other_sessions() -> None:
    meeting = default_tagger().tag(Document("t", "Trump and Xi agree trade truce in Busan", (
        "U.S. President Donald Trump and Chinese President Xi Jinping held a face-to-face meeting in Busan on "
        "Thursday. Trump left South Korea after the meeting with Xi and will not attend the main APEC leaders' "
        "sessions on Friday."), DAY))[0]
    assert (meeting.type, meeting.modality) == ("leader_meeting", "occurred")


def test_a_hyphenated_pair_names_who_meets_not_who_speaks_about_it() -> None:
    meeting = tag("", title="Trump says work begun on Putin-Zelensky meeting")["leader_meeting"]
    assert meeting.countries == ["RU", "UA"]


def test_the_first_leader_to_visit_describes_a_visit_that_is_happening() -> None:
    meeting = tag("Keir Starmer became the first British prime minister to visit Ireland in five years on Saturday, "
                  "meeting Taoiseach Simon Harris in Dublin.")["leader_meeting"]
    assert meeting.modality == "occurred"


def test_at_a_leaders_invitation_is_no_hedge() -> None:
    meeting = tag("Ilham Aliyev and Nikol Pashinyan, on working visits at Trump's invitation, shook hands with "
                  "Donald Trump at the White House on Friday.")["leader_meeting"]
    assert meeting.modality == "occurred"


def test_crossing_a_border_to_meet_someone_is_a_meeting_that_happened() -> None:
    meeting = tag("North Korean leader Kim Jong Un stepped across the border at Panmunjom on Friday to meet South "
                  "Korean President Moon Jae-in.", day=dt.datetime(2018, 4, 27, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "occurred"


def test_a_called_off_signing_ceremony_does_not_cancel_the_meeting() -> None:
    meeting = tag("Volodymyr Zelenskiy's meeting with Donald Trump at the White House on Friday descended into a "
                  "shouting match, and a planned signing of a minerals agreement was called off.",
                  day=dt.datetime(2025, 2, 28, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "occurred"


def test_leaders_who_held_formal_talks_met() -> None:
    meeting = tag("Shinzo Abe and Donald Trump played golf on Saturday, a day after the two leaders held formal "
                  "talks at the White House.", day=dt.datetime(2017, 2, 11, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "occurred"


def test_a_visit_dated_years_back_is_history_not_news() -> None:
    events = tag("After his election, he hosted the Libyan leader in Paris in December 2007 for a lavish five-day "
                 "state visit.", day=dt.datetime(2025, 9, 25, tzinfo=dt.UTC))
    assert "state_visit" not in events and "leader_meeting" not in events


def test_a_leader_who_met_someone_years_ago_can_still_be_about_to_meet_them() -> None:
    events = tag("Donald Trump, who met Kim Jong Un three times in 2018 and 2019, will meet him again in Panmunjom "
                 "on Friday.", day=dt.datetime(2025, 10, 27, tzinfo=dt.UTC))
    assert events["leader_meeting"].modality == "planned"


def test_a_leaders_surname_used_as_someone_elses_first_name_is_not_the_leader() -> None:
    events = tag("Qatar's foreign minister and Egyptian intelligence chief Abbas Kamel met an Israeli delegation "
                 "in Doha on Monday.")
    assert "PS" not in events["talks"].countries
    meeting = tag("", title="Erdogan Meets Putin In Sochi As Grain Deal Talks Resume")["leader_meeting"]
    assert meeting.countries == ["RU", "TR"]


def test_may_in_a_title_case_headline_is_the_hedge_not_the_month() -> None:
    meeting = tag("", title="Kim Jong Un May Visit Russia For Talks With Putin",
                  day=dt.datetime(2023, 9, 5, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "potential"
    assert tag("Putin met Xi in May in Beijing.", day=dt.datetime(2024, 8, 1, tzinfo=dt.UTC))[
        "leader_meeting"].modality == "occurred"


def test_a_negated_meeting_is_denied_unless_it_hangs_on_a_condition() -> None:
    assert tag("Beijing said President Xi Jinping and Donald Trump were not holding talks on tariffs.")[
        "leader_meeting"].modality == "denied"
    assert tag("Syrian President Bashar al-Assad said he would not meet Turkish President Tayyip Erdogan until "
               "Turkey withdraws its troops.", day=dt.datetime(2023, 8, 10, tzinfo=dt.UTC))[
        "leader_meeting"].modality == "potential"


def test_a_semicolon_in_a_headline_separates_two_stories() -> None:
    meeting = tag("", title="Putin opens BRICS summit in Kazan; Modi and Xi to hold first formal talks in five years",
                  day=dt.datetime(2024, 10, 22, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.countries == ["CN", "IN"]


def test_a_meeting_being_arranged_is_potential_and_one_reported_by_state_media_happened() -> None:
    meeting = tag("Japan is arranging a meeting between Prime Minister Fumio Kishida and Chinese President Xi Jinping "
                  "next week, Japanese media reported.", day=dt.datetime(2023, 11, 10, tzinfo=dt.UTC))[
        "leader_meeting"]
    assert meeting.modality == "potential"
    held = tag("Cambodian Prime Minister Hun Manet and his Vietnamese counterpart Pham Minh Chinh agreed during their "
               "meeting in Hanoi on Monday to raise trade, Vietnamese state media reported.",
               day=dt.datetime(2023, 12, 12, tzinfo=dt.UTC))["leader_meeting"]
    assert held.modality == "occurred"


def test_a_present_tense_arrival_on_a_coming_day_is_planned() -> None:
    saturday_visit = "Japan's Emperor Naruhito arrives in Britain on Saturday for a three-day state visit."
    thursday, saturday = dt.datetime(2024, 6, 20, tzinfo=dt.UTC), dt.datetime(2024, 6, 22, tzinfo=dt.UTC)
    assert tag(saturday_visit, day=thursday)["state_visit"].modality == "planned"
    assert tag(saturday_visit, day=saturday)["state_visit"].modality == "occurred"


def test_a_question_is_speculation() -> None:
    meeting = tag("", title="Will Modi and Xi meet in Tianjin?", day=dt.datetime(2025, 8, 20, tzinfo=dt.UTC))[
        "leader_meeting"]
    assert meeting.modality == "potential"


def test_a_counterpart_is_the_peer_of_whoever_met_them() -> None:
    day = dt.datetime(2024, 10, 23, tzinfo=dt.UTC)
    meeting = tag("Indian Prime Minister Narendra Modi met his Chinese counterpart in Kazan on Wednesday.", day=day)[
        "leader_meeting"]
    assert meeting.leaders == ["Narendra Modi", "Xi Jinping"]
    events = tag("Foreign Minister Wang Yi met his Indian counterpart in Kazan on Wednesday.", day=day)
    assert "leader_meeting" not in events and events["talks"].countries == ["CN", "IN"]


def test_an_ambassador_recalled_for_consultations_is_a_protest_not_talks() -> None:
    events = tag("France recalled its ambassadors to the United States and Australia for consultations on Friday.")
    assert "talks" not in events and "ambassador_summoned_or_recalled" in events


def test_a_sign_of_warming_ties_is_not_a_signing() -> None:
    assert "agreement" not in tag("Russia and the United States exchanged prisoners on Friday in a sign of "
                                  "thawing ties, officials said.")


def test_agreeing_on_a_sanctions_package_is_sanctions_not_an_agreement() -> None:
    events = tag("EU governments agreed on a 14th package of sanctions against Russia on Thursday, targeting LNG.")
    assert "sanctions" in events and "agreement" not in events
    assert "agreement" in tag("Iran and the United States reached an agreement on Tuesday to curb Tehran's nuclear "
                              "programme in exchange for relief from sanctions.")


def test_a_meeting_that_will_not_take_place_is_cancelled() -> None:
    meeting = tag("A meeting between Mexican President Claudia Sheinbaum and U.S. President Donald Trump will not "
                  "take place after Trump left the G7 early.", day=dt.datetime(2025, 6, 17, tzinfo=dt.UTC))[
        "leader_meeting"]
    assert meeting.modality == "cancelled"


def test_leaders_who_did_not_hold_a_bilateral_did_not_meet() -> None:
    meeting = tag("Brazilian President Luiz Inacio Lula da Silva and Argentine President Javier Milei did not hold a "
                  "bilateral meeting during the Mercosur summit on Thursday.",
                  day=dt.datetime(2025, 7, 4, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "denied"


def test_an_invitation_extended_is_potential_and_one_accepted_is_planned() -> None:
    day = dt.datetime(2023, 6, 14, tzinfo=dt.UTC)
    assert tag("Bolivian President Luis Arce said he had invited Chilean President Gabriel Boric to meet "
               "wherever he wishes.", day=day)["leader_meeting"].modality == "potential"
    assert tag("Chilean President Gabriel Boric accepted an invitation to meet Bolivian President Luis Arce in "
               "La Paz.", day=day)["leader_meeting"].modality == "planned"


def test_a_hedge_on_what_the_leaders_might_sign_does_not_hedge_their_meeting() -> None:
    meeting = tag("Vladimir Putin's talks with Kim Jong Un are scheduled for Wednesday and the two sides might sign a "
                  "strategic partnership agreement.", day=dt.datetime(2024, 6, 17, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "planned"


def test_arriving_on_a_coming_day_for_talks_plans_them_whatever_the_dateline() -> None:
    meeting = tag("TBILISI, March 1 - Georgian Prime Minister Irakli Kobakhidze arrives in Baku on Monday for talks "
                  "with Azerbaijani President Ilham Aliyev, his office said on Friday.",
                  day=dt.datetime(2024, 3, 1, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "planned"


def test_hosting_migrant_centres_is_not_hosting_a_leader() -> None:
    meeting = tag("Italian Prime Minister Giorgia Meloni and her Albanian counterpart Edi Rama signed a memorandum in "
                  "Rome yesterday under which Albania will host two centres for migrants.",
                  day=dt.datetime(2023, 11, 7, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "occurred"


def test_a_refusal_for_as_long_as_someone_rules_is_a_denial_and_a_hope_is_potential() -> None:
    day = dt.datetime(2024, 6, 14, tzinfo=dt.UTC)
    assert tag("Armenian Prime Minister Nikol Pashinyan said he would not meet President Alexander Lukashenko as "
               "long as Lukashenko remains in office.", day=day)["leader_meeting"].modality == "denied"
    assert tag("Ghanaian President John Mahama said he hoped to travel to Ouagadougou soon to meet Burkina Faso's "
               "leader Ibrahim Traore.", day=dt.datetime(2025, 2, 20, tzinfo=dt.UTC))[
        "leader_meeting"].modality == "potential"


def test_a_present_tense_headline_meeting_happened_whatever_the_next_clause_plans() -> None:
    meeting = tag("", title="Bhutan's Tobgay meets Modi, invites him to Thimphu next week",
                  day=dt.datetime(2024, 3, 16, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "occurred"


def test_a_meeting_the_kremlin_confirms_for_a_coming_day_is_planned() -> None:
    meeting = tag("", title="Kremlin confirms Putin talks with Indonesia's Prabowo on Thursday",
                  day=dt.datetime(2025, 6, 17, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "planned"


def test_appearing_in_court_by_video_link_is_not_a_call() -> None:
    assert "phone_call" not in tag("Former Philippine President Rodrigo Duterte appeared by video link before the "
                                   "International Criminal Court in The Hague on Friday.")


def test_after_meeting_someone_the_meeting_happened() -> None:
    meeting = tag("Sudan's army chief Abdel Fattah al-Burhan said the army would not negotiate under pressure after "
                  "meeting Egyptian President Abdel Fattah al-Sisi in El Alamein.",
                  day=dt.datetime(2023, 8, 30, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "occurred"


def test_seeking_a_meeting_under_a_may_is_potential() -> None:
    meeting = tag("South African President Cyril Ramaphosa may seek a meeting with U.S. President Donald Trump to "
                  "repair relations.", day=dt.datetime(2025, 3, 25, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.modality == "potential"


def test_two_meetings_in_one_sentence_keep_their_own_guests() -> None:
    meeting = tag("Chinese President Xi Jinping will hold talks with Kazakh President Kassym-Jomart Tokayev on Tuesday "
                  "and is expected to meet Russian President Vladimir Putin on the sidelines.",
                  day=dt.datetime(2024, 7, 1, tzinfo=dt.UTC))["leader_meeting"]
    assert meeting.countries == ["CN", "KZ"]


def test_officials_who_speak_about_a_meeting_are_not_holding_talks() -> None:
    events = tag("U.S. officials said Chinese President Xi Jinping would hold talks with North Korean leader Kim Jong "
                 "Un in Beijing next week.", day=dt.datetime(2025, 8, 28, tzinfo=dt.UTC))
    assert "talks" not in events and events["leader_meeting"].countries == ["CN", "KP"]
    assert "talks" in tag("U.S. and Iranian officials held talks in Muscat on Saturday.")


def test_mayors_meeting_is_not_diplomacy() -> None:
    assert tag("Mayors from Paris, Bogota and Jakarta met in Copenhagen on Thursday for talks on emissions.") == {}


def test_a_refused_or_failed_signing_is_no_agreement() -> None:
    assert "agreement" not in tag("Turkey recalled its ambassador, citing Israel's refusal to agree to a ceasefire "
                                  "with Hamas and Iran.")
    assert "agreement" not in tag("Donald Trump will meet Vladimir Putin in Alaska, the clearest sign yet of his "
                                  "push to end the war in Ukraine.", day=dt.datetime(2025, 8, 9, tzinfo=dt.UTC))


def test_the_presidents_of_two_states_are_their_office_holders() -> None:
    day = dt.datetime(2025, 3, 18, 18, 0, tzinfo=dt.UTC)
    meeting = tag("The presidents of Congo and Rwanda met in Doha on Tuesday for their first direct talks.",
                  day=day)["leader_meeting"]
    assert meeting.countries == ["CD", "RW"]
    assert meeting.leaders == ["Félix Tshisekedi", "Paul Kagame"]


def test_the_pontiff_is_the_pope_of_the_day() -> None:
    day = dt.datetime(2022, 6, 10, 12, 0, tzinfo=dt.UTC)
    meeting = tag("The pontiff had been due to meet Congolese President Felix Tshisekedi in Kinshasa.",
                  day=day)["leader_meeting"]
    assert meeting.countries == ["CD", "VA"]
    assert "Pope Francis" in meeting.leaders


def test_king_abdullah_after_2015_is_the_king_of_jordan() -> None:
    day = dt.datetime(2023, 10, 17, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Biden will meet King Abdullah in Amman on Wednesday.", day=day)["leader_meeting"]
    assert meeting.countries == ["JO", "US"]


def test_a_leader_who_hosts_or_mediates_the_meeting_takes_part_in_it() -> None:
    day = dt.datetime(2025, 3, 18, 18, 0, tzinfo=dt.UTC)
    meeting = tag("Kagame and Tshisekedi met in Doha on Tuesday in talks hosted by Qatar's emir, "
                  "Sheikh Tamim bin Hamad Al Thani. Kagame and Tshisekedi called for a ceasefire after meeting.",
                  title="Kagame and Tshisekedi meet in Qatar", day=day)["leader_meeting"]
    assert meeting.countries == ["CD", "QA", "RW"]


def test_the_host_of_a_signing_joins_the_two_leaders() -> None:
    day = dt.datetime(1994, 7, 25, 18, 0, tzinfo=dt.UTC)
    meeting = tag("King Hussein of Jordan and Israeli Prime Minister Yitzhak Rabin met at the White House on Monday. "
                  "The two leaders signed the Washington Declaration at a ceremony hosted by President Bill Clinton.",
                  day=day)["leader_meeting"]
    assert meeting.countries == ["IL", "JO", "US"]


def test_a_host_of_talks_last_month_does_not_join_todays_meeting() -> None:
    day = dt.datetime(2025, 1, 12, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Ethiopian Prime Minister Abiy Ahmed hosted Somali President Hassan Sheikh Mohamud in Addis Ababa "
                  "on Saturday. The visit follows talks hosted by Turkish President Tayyip Erdogan in Ankara last "
                  "month, where the two leaders signed a declaration.", day=day)["leader_meeting"]
    assert meeting.countries == ["ET", "SO"]


def test_hosting_leaders_at_a_summit_is_the_summit_not_a_meeting() -> None:
    day = dt.datetime(2019, 12, 17, 12, 0, tzinfo=dt.UTC)
    events = tag("Mahathir will still host the leaders of Turkey, Iran and Qatar at the summit, which opens on "
                 "Wednesday.", day=day)
    assert "leader_meeting" not in events
    assert events["summit"].countries == ["IR", "MY", "QA", "TR"]


def test_a_leader_named_as_the_owner_of_a_state_is_not_at_the_meeting() -> None:
    day = dt.datetime(2002, 4, 8, 12, 0, tzinfo=dt.UTC)
    meeting = tag("British Prime Minister Tony Blair held talks with President George W. Bush in Crawford, "
                  "discussing the threat posed by Saddam Hussein's Iraq.", day=day)["leader_meeting"]
    assert meeting.countries == ["GB", "US"]


def test_the_sender_of_a_message_is_not_at_the_meeting() -> None:
    day = dt.datetime(2019, 6, 13, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Ayatollah Ali Khamenei received Japanese Prime Minister Shinzo Abe in Tehran, but said he would "
                  "not reply to a message from US President Donald Trump.", day=day)["leader_meeting"]
    assert meeting.countries == ["IR", "JP"]


def test_ministers_from_a_list_of_states_are_officials_of_each() -> None:
    day = dt.datetime(2015, 7, 14, 12, 0, tzinfo=dt.UTC)
    talks = tag("Ministers from the United States, Russia and China attended the final session of the "
                "negotiations in Vienna.", day=day)["talks"]
    assert talks.countries == ["CN", "RU", "US"]


def test_delegations_with_no_state_named_meet_for_the_articles_two_states() -> None:
    day = dt.datetime(2025, 5, 14, 12, 0, tzinfo=dt.UTC)
    talks = tag("The Kremlin named its delegation for peace talks with Ukraine in Istanbul. The delegations are due "
                "to meet on Thursday.", day=day)["talks"]
    assert talks.countries == ["RU", "UA"]


def test_two_states_negotiating_hold_talks() -> None:
    day = dt.datetime(2024, 9, 10, 12, 0, tzinfo=dt.UTC)
    talks = tag("The visit comes as Washington and Baghdad negotiate the drawdown of the coalition.", day=day)["talks"]
    assert talks.countries == ["IQ", "US"]


def test_ambassadors_recalled_for_urgent_consultations_are_not_talks() -> None:
    events = tag("Israel recalled its ambassadors to Ireland and Norway for urgent consultations on Wednesday.")
    assert "talks" not in events
    assert events["ambassador_summoned_or_recalled"].countries == ["IE", "IL", "NO"]


def test_a_state_receiving_goods_is_not_receiving_a_visitor() -> None:
    events = tag("Turkey received a second day of deliveries of Russian S-400 missile components on Saturday, "
                 "as U.S. officials warned of sanctions.")
    assert "talks" not in events


def test_a_deal_signed_without_naming_states_is_between_the_meetings_two() -> None:
    day = dt.datetime(2021, 5, 5, 12, 0, tzinfo=dt.UTC)
    events = tag("Kenyan President Uhuru Kenyatta hosted Tanzanian President Samia Suluhu Hassan in Nairobi on "
                 "Tuesday. They also signed a joint communique on cooperation in transport and energy.", day=day)
    assert events["agreement"].countries == ["KE", "TZ"]


def test_hosted_by_is_a_participle_not_a_past_meeting() -> None:
    day = dt.datetime(2022, 11, 18, 12, 0, tzinfo=dt.UTC)  # a Friday
    visit = tag("South African President Cyril Ramaphosa arrives in Britain on Monday for the first state visit "
                "hosted by King Charles III since he became monarch.", day=day)["state_visit"]
    assert visit.modality == "planned"


def test_a_long_sentence_full_of_names_is_not_a_title_case_headline() -> None:
    day = dt.datetime(2024, 8, 16, 12, 0, tzinfo=dt.UTC)
    events = tag("CIA Director William Burns, Qatari Prime Minister Sheikh Mohammed bin Abdulrahman Al Thani and "
                 "Egyptian intelligence chief Abbas Kamel met an Israeli delegation at a Doha hotel.", day=day)
    assert "leader_meeting" not in events
    assert "PS" not in events["talks"].countries


def test_a_sports_word_far_from_the_meeting_does_not_cancel_it() -> None:
    day = dt.datetime(2008, 8, 10, 12, 0, tzinfo=dt.UTC)
    meeting = tag("U.S. President George W. Bush met Chinese President Hu Jintao in Beijing on Sunday and raised "
                  "concerns about religious freedom, while praising China for staging the Olympic Games.",
                  day=day)["leader_meeting"]
    assert meeting.countries == ["CN", "US"]
    assert "leader_meeting" not in tag("The prime minister chaired a cabinet meeting on Monday.")


def test_a_leader_asked_about_a_meeting_is_not_at_it() -> None:
    day = dt.datetime(2024, 3, 9, 12, 0, tzinfo=dt.UTC)
    events = tag("President Joe Biden, asked about the meeting at a campaign event, said Orbán was looking for "
                 "dictatorship.", day=day)
    assert "leader_meeting" not in events


def test_a_shared_family_name_names_whoever_the_article_named_in_full() -> None:
    day = dt.datetime(2019, 5, 14, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Canadian Prime Minister Justin Trudeau arrived in Paris on Monday. Trudeau met Macron at the "
                  "Elysee.", day=day)["leader_meeting"]
    assert meeting.leaders == ["Emmanuel Macron", "Justin Trudeau"]
    assert "leader_meeting" not in tag("Trudeau met Macron at the Elysee.", day=day)  # which Trudeau?


def test_plans_being_drawn_up_are_planned() -> None:
    day = dt.datetime(2024, 5, 14, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Plans for a meeting between Putin and Xi are being drawn up, the Kremlin said.",
                  day=day)["leader_meeting"]
    assert meeting.modality == "planned"


def test_refusing_to_meet_is_a_denial() -> None:
    day = dt.datetime(2024, 7, 8, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Milei snubbed Lula at the Mercosur summit, refusing to meet him.", day=day)["leader_meeting"]
    assert meeting.modality == "denied"


def test_a_relative_clause_does_not_cut_the_visit_from_its_verb() -> None:
    day = dt.datetime(2024, 5, 14, 12, 0, tzinfo=dt.UTC)
    visit = tag("Erdogan's planned visit to Washington, which was to include talks with Biden, has been postponed.",
                day=day)["state_visit"]
    assert visit.modality == "cancelled"


def test_a_title_of_a_state_names_its_office_holder() -> None:
    day = dt.datetime(2023, 9, 13, 12, 0, tzinfo=dt.UTC)
    meeting = tag("The emir of Qatar received the Egyptian president in Doha.", day=day)["leader_meeting"]
    assert meeting.countries == ["EG", "QA"]
    assert meeting.leaders == ["Abdel Fattah el-Sisi", "Tamim bin Hamad Al Thani"]


def test_the_saudi_crown_prince_is_the_prime_minister_since_2022() -> None:
    day = dt.datetime(2023, 9, 13, 12, 0, tzinfo=dt.UTC)
    meeting = tag("The Saudi crown prince met the Indian prime minister in New Delhi.", day=day)["leader_meeting"]
    assert meeting.leaders == ["Mohammed bin Salman", "Narendra Modi"]


def test_seeking_a_meeting_is_potential() -> None:
    day = dt.datetime(2024, 5, 14, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Japanese Prime Minister Fumio Kishida seeks a summit with North Korean leader Kim Jong Un.",
                  day=day)["leader_meeting"]
    assert meeting.modality == "potential"


def test_a_visit_to_a_leader_named_in_the_sentence_is_a_meeting_with_them() -> None:
    day = dt.datetime(2024, 5, 14, 12, 0, tzinfo=dt.UTC)
    events = tag("Macron invited Modi to visit Paris in July.", day=day)
    assert events["leader_meeting"].countries == ["FR", "IN"]
    assert events["leader_meeting"].modality == "potential"


def test_not_expected_to_meet_is_a_denial() -> None:
    day = dt.datetime(2022, 9, 14, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Erdogan is not expected to meet Assad during the summit.", day=day)["leader_meeting"]
    assert meeting.modality == "denied"


def test_a_modal_on_another_verb_does_not_hedge_the_visit() -> None:
    day = dt.datetime(2023, 11, 6, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Chinese President Xi Jinping told Australian Prime Minister Anthony Albanese on Monday that their "
                  "countries could trust each other, as Albanese became the first Australian leader to visit China "
                  "in seven years.", day=day)["leader_meeting"]
    assert meeting.modality == "occurred"
    hedged = tag("Trump said he would 'love' to meet Kim Jong Un during his Asia trip.",
                 day=dt.datetime(2025, 10, 24, 12, 0, tzinfo=dt.UTC))["leader_meeting"]
    assert hedged.modality == "potential"


def test_the_eus_presidents_are_officials_not_national_leaders() -> None:
    day = dt.datetime(2023, 5, 14, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Azerbaijani President Ilham Aliyev and Armenian Prime Minister Nikol Pashinyan held talks in "
                  "Brussels on Sunday hosted by European Council President Charles Michel.", day=day)["leader_meeting"]
    assert meeting.countries == ["AM", "AZ"]


def test_a_headlines_family_name_is_the_leader_its_body_names_in_full() -> None:
    day = dt.datetime(2020, 11, 30, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Russian President Vladimir Putin hosted Azerbaijani President Ilham Aliyev and Armenian Prime "
                  "Minister Nikol Pashinyan in the Kremlin on Monday.",
                  title="Putin hosts Aliyev and Pashinyan for first talks since Karabakh war",
                  day=day)["leader_meeting"]
    assert meeting.countries == ["AM", "AZ", "RU"]


def test_a_headline_stop_to_meet_is_the_meeting_itself() -> None:
    day = dt.datetime(2015, 12, 25, 18, 0, tzinfo=dt.UTC)
    meeting = tag("Indian Prime Minister Narendra Modi made a surprise stopover in Lahore on Friday to meet Nawaz "
                  "Sharif.", title="Modi makes surprise Lahore stop to meet Sharif", day=day)["leader_meeting"]
    assert meeting.modality == "occurred"


def test_a_leader_called_or_on_the_line_is_not_at_the_meeting() -> None:
    day = dt.datetime(2025, 4, 7, 18, 0, tzinfo=dt.UTC)
    meeting = tag("French President Emmanuel Macron, Egyptian President Abdel Fattah al-Sisi and Jordan's King "
                  "Abdullah II met in Cairo on Monday and called U.S. President Donald Trump on Gaza.",
                  day=day)["leader_meeting"]
    assert meeting.countries == ["EG", "FR", "JO"]
    riyadh = tag("Trump met Syria's interim President Ahmed al-Sharaa in Riyadh on Wednesday, with Turkish President "
                 "Tayyip Erdogan on the line.", day=dt.datetime(2025, 5, 14, 18, 0, tzinfo=dt.UTC))["leader_meeting"]
    assert riyadh.countries == ["SY", "US"]


def test_a_leader_named_in_what_the_others_said_is_not_at_the_meeting() -> None:
    day = dt.datetime(2002, 9, 7, 18, 0, tzinfo=dt.UTC)
    meeting = tag("President George W. Bush and British Prime Minister Tony Blair met at Camp David on Saturday, "
                  "with both leaders insisting that the Iraqi president posed a growing threat.",
                  day=day)["leader_meeting"]
    assert meeting.countries == ["GB", "US"]


def test_leaders_who_hosted_the_meeting_join_it() -> None:
    day = dt.datetime(2019, 12, 9, 22, 0, tzinfo=dt.UTC)
    meeting = tag("Russian President Vladimir Putin and Ukrainian President Volodymyr Zelensky met in Paris on Monday. "
                  "French President Emmanuel Macron, who hosted the meeting, and German Chancellor Angela Merkel "
                  "mediated the four-way discussions.", day=day)["leader_meeting"]
    assert meeting.countries == ["DE", "FR", "RU", "UA"]


def test_a_state_named_before_visit_is_where_the_visit_goes() -> None:
    day = dt.datetime(2024, 10, 28, 18, 0, tzinfo=dt.UTC)
    visit = tag("", title="Macron begins Morocco state visit as Algeria row simmers", day=day)["state_visit"]
    assert visit.countries == ["FR", "MA"]


def test_a_leader_who_receives_another_meets_them() -> None:
    day = dt.datetime(2025, 7, 9, 18, 0, tzinfo=dt.UTC)
    meeting = tag("", title="Pope Leo receives Zelensky at Castel Gandolfo, renews offer to host talks",
                  day=day)["leader_meeting"]
    assert meeting.countries == ["UA", "VA"]
    assert meeting.modality == "occurred"


def test_a_leaders_envoy_without_a_possessive_is_still_the_envoy() -> None:
    day = dt.datetime(2025, 4, 11, 18, 0, tzinfo=dt.UTC)
    events = tag("", title="Putin receives Trump envoy Witkoff in St Petersburg", day=day)
    assert "leader_meeting" not in events


def test_a_meeting_planned_after_a_phone_call_is_a_meeting() -> None:
    day = dt.datetime(2025, 10, 16, 22, 0, tzinfo=dt.UTC)
    meeting = tag("", title="Trump says he will meet Putin in Budapest after 'productive' phone call",
                  day=day)["leader_meeting"]
    assert meeting.countries == ["RU", "US"]
    assert meeting.modality == "planned"


def test_a_planned_or_concrete_plan_for_something_else_does_not_plan_the_meeting() -> None:
    day = dt.datetime(1997, 3, 21, 18, 0, tzinfo=dt.UTC)
    meeting = tag("U.S. President Bill Clinton and Russian President Boris Yeltsin met at the Helsinki summit on "
                  "Friday and papered over their dispute over NATO's planned expansion.", day=day)["leader_meeting"]
    assert meeting.modality == "occurred"
    baltic = tag("The presidents of Estonia, Latvia and Lithuania met in Tallinn on Friday and signed a joint "
                 "declaration calling on NATO to agree concrete plans to defend its eastern flank.",
                 day=dt.datetime(2023, 6, 2, 18, 0, tzinfo=dt.UTC))["leader_meeting"]
    assert baltic.modality == "occurred"


def test_seeking_backing_in_talks_is_not_seeking_the_talks() -> None:
    day = dt.datetime(2024, 3, 5, 18, 0, tzinfo=dt.UTC)
    meeting = tag("", title="Andorra's Espot seeks Spanish backing in talks with Sanchez", day=day)["leader_meeting"]
    assert meeting.modality != "potential"


def test_a_bloc_named_far_from_the_meeting_does_not_make_it_a_summit() -> None:
    day = dt.datetime(2022, 1, 31, 18, 0, tzinfo=dt.UTC)
    events = tag("U.S. President Joe Biden hosted Qatar's emir, Sheikh Tamim bin Hamad Al Thani, at the White House on "
                 "Monday and said he would designate Qatar a major non-NATO ally.", day=day)
    assert "summit" not in events
    assert events["leader_meeting"].countries == ["QA", "US"]


def test_envoys_the_leaders_agreed_would_meet_hold_talks_not_the_leaders() -> None:
    day = dt.datetime(2024, 10, 23, 18, 0, tzinfo=dt.UTC)
    events = tag("Prime Minister Narendra Modi and President Xi Jinping agreed that their special representatives on "
                 "the boundary question would meet soon.", day=day)
    assert "leader_meeting" not in events
    assert events["talks"].countries == ["CN", "IN"]


def test_talks_held_are_held_whatever_a_later_clause_announced() -> None:
    day = dt.datetime(2024, 10, 23, 18, 0, tzinfo=dt.UTC)
    meeting = tag("The leaders of India and China held their first formal bilateral talks in five years on Wednesday "
                  "in Kazan, two days after New Delhi announced an agreement on border patrols.",
                  day=day)["leader_meeting"]
    assert meeting.modality == "occurred"


def test_a_leaders_relative_is_not_the_leader() -> None:
    day = dt.datetime(2022, 2, 24, 12, 0, tzinfo=dt.UTC)
    events = tag("US first lady Jill Biden visited Kenya and met President Uhuru Kenyatta.", day=day)
    assert "leader_meeting" not in events


def test_a_crown_prince_leads_only_as_prime_minister() -> None:
    before = tag("The Saudi crown prince met the Indian prime minister in New Delhi.",
                 day=dt.datetime(2019, 2, 20, 12, 0, tzinfo=dt.UTC))
    assert "leader_meeting" not in before
    assert before["talks"].countries == ["IN", "SA"]
    after = tag("The Saudi crown prince met the Indian prime minister in New Delhi.",
                day=dt.datetime(2023, 9, 11, 12, 0, tzinfo=dt.UTC))["leader_meeting"]
    assert after.leaders == ["Mohammed bin Salman", "Narendra Modi"]


def test_a_king_represented_by_his_heir_is_not_there() -> None:
    day = dt.datetime(2021, 1, 5, 17, 0, tzinfo=dt.UTC)
    events = tag("Qatar's Emir Sheikh Tamim bin Hamad Al Thani was embraced on the tarmac by Saudi Crown Prince "
                 "Mohammed bin Salman, who chaired the summit on behalf of King Salman.", day=day)
    assert "leader_meeting" not in events


def test_another_nations_visit_is_not_the_hosts_trip() -> None:
    day = dt.datetime(2023, 5, 16, 18, 0, tzinfo=dt.UTC)
    events = tag("China's special envoy Li Hui held talks with Ukrainian President Volodymyr Zelensky in Kyiv on "
                 "Tuesday, the highest-level Chinese visit to Ukraine since the invasion.", day=day)
    assert "leader_meeting" not in events
    assert events["talks"].countries == ["CN", "UA"]


def test_a_former_leaders_visit_is_not_the_hosts_trip() -> None:
    day = dt.datetime(2024, 3, 9, 12, 0, tzinfo=dt.UTC)
    events = tag("Hungarian Prime Minister Viktor Orban met former President Donald Trump during a visit to "
                 "Florida on Friday.", day=day)
    assert "leader_meeting" not in events


def test_a_summit_of_many_leaders_is_a_summit_whoever_is_named() -> None:
    day = dt.datetime(2016, 9, 5, 12, 0, tzinfo=dt.UTC)
    events = tag("The two were due to meet on the sidelines of a summit of Southeast Asian leaders in Vientiane.",
                 day=day)
    assert "summit" in events
    assert "summit" not in tag("Biden and Xi will hold a summit in San Francisco on Wednesday.",
                               day=dt.datetime(2023, 11, 13, 12, 0, tzinfo=dt.UTC))


def test_a_trip_to_attend_a_summit_is_not_a_state_visit() -> None:
    day = dt.datetime(2023, 8, 21, 12, 0, tzinfo=dt.UTC)
    events = tag("Indian Prime Minister Narendra Modi travels to South Africa this week for the BRICS summit.", day=day)
    assert "state_visit" not in events
    assert "summit" in events
    annual = tag("Russian President Vladimir Putin will visit India on December 4-5 for the annual summit with "
                 "Prime Minister Narendra Modi.", day=dt.datetime(2025, 11, 28, 12, 0, tzinfo=dt.UTC))
    assert "state_visit" in annual


def test_a_blocs_officials_at_the_leaders_meeting_are_not_talks_of_their_own() -> None:
    day = dt.datetime(2024, 5, 6, 18, 0, tzinfo=dt.UTC)
    events = tag("French President Emmanuel Macron hosted Chinese President Xi Jinping at the Elysee on Monday. "
                 "The two leaders were joined for part of the talks by European Commission President Ursula von der "
                 "Leyen, who raised concerns about Chinese subsidies.", day=day)
    assert "talks" not in events
    assert events["leader_meeting"].countries == ["CN", "FR"]


def test_hedges_that_keep_a_meeting_potential() -> None:
    day = dt.datetime(2024, 5, 14, 12, 0, tzinfo=dt.UTC)
    for sentence in ("It is unclear whether Putin will meet Xi.", "Putin and Xi will likely meet at the summit.",
                     "A Putin-Xi meeting has not been ruled out."):
        assert tag(sentence, day=day)["leader_meeting"].modality == "potential", sentence


def test_an_accepted_invitation_is_a_plan() -> None:
    day = dt.datetime(2024, 5, 14, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Putin has invited Xi to visit Moscow, and Xi has accepted.", day=day)["leader_meeting"]
    assert meeting.modality == "planned"


def test_a_leader_who_sat_in_or_hosted_joins_and_one_who_phoned_in_does_not() -> None:
    day = dt.datetime(2025, 5, 14, 18, 0, tzinfo=dt.UTC)
    meeting = tag("U.S. President Donald Trump met Syria's interim President Ahmed al-Sharaa in Riyadh on Wednesday. "
                  "Saudi Crown Prince and Prime Minister Mohammed bin Salman hosted the roughly 30-minute meeting, "
                  "and Turkish President Tayyip Erdogan joined by telephone.", day=day)["leader_meeting"]
    assert meeting.countries == ["SA", "SY", "US"]


def test_an_adviser_to_a_leader_is_not_the_leader() -> None:
    day = dt.datetime(2023, 12, 14, 18, 0, tzinfo=dt.UTC)
    meeting = tag("Guyana's Irfaan Ali and Venezuela's Nicolas Maduro met in Kingstown on Thursday. Celso Amorim, "
                  "chief foreign policy adviser to Brazilian President Luiz Inacio Lula da Silva, sat in.",
                  day=day)["leader_meeting"]
    assert meeting.countries == ["GY", "VE"]


def test_meeting_one_leader_here_and_another_there_is_two_meetings() -> None:
    day = dt.datetime(2022, 6, 10, 12, 0, tzinfo=dt.UTC)
    events = tag("The pontiff had been due to meet Congolese President Felix Tshisekedi in Kinshasa and South "
                 "Sudanese President Salva Kiir in Juba.", day=day)
    assert events["leader_meeting"].countries in (["CD", "VA"], ["SS", "VA"])


def test_talks_with_one_leader_before_travelling_on_to_meet_another_are_two_meetings() -> None:
    day = dt.datetime(2024, 10, 8, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Biden had been due to hold talks with Chancellor Olaf Scholz in Berlin before travelling on to "
                  "Luanda to meet President Joao Lourenco.", day=day)["leader_meeting"]
    assert len(meeting.countries) == 2


def test_a_leader_who_joined_them_joins_the_meeting() -> None:
    day = dt.datetime(2019, 6, 30, 12, 0, tzinfo=dt.UTC)
    meeting = tag("Trump stepped across the demarcation line at Panmunjom to shake hands with North Korean leader Kim "
                  "Jong Un. South Korean President Moon Jae-in joined them for a brief three-way conversation.",
                  day=day)["leader_meeting"]
    assert meeting.countries == ["KP", "KR", "US"]
