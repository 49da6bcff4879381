"""What a person reads in an alert, shared by the Slack and email channels so both say the same thing.

Everything is read defensively (``.get`` with defaults): the alert shape is documented in
``services.alerter.channels`` and a missing optional field must not cost a delivery. Values come from
the story first (its current state), then from the triggering event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

MODALITY_PHRASES = {
    "potential": "Potential {type}",
    "planned": "Planned {type}",
    "occurred": "{Type} took place",
    "cancelled": "{Type} cancelled",
    "denied": "{Type} denied",
}


def clean(value: Any) -> str:
    """A one-line string: control characters (from feeds) and line breaks become spaces."""
    text = "" if value is None else str(value)
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def story(alert: Mapping[str, Any]) -> Mapping[str, Any]:
    value = alert.get("story")
    return value if isinstance(value, Mapping) else {}


def event(alert: Mapping[str, Any]) -> Mapping[str, Any]:
    value = alert.get("event")
    return value if isinstance(value, Mapping) else {}


def _field(alert: Mapping[str, Any], name: str) -> Any:
    value = story(alert).get(name)
    return value if value not in (None, "", []) else event(alert).get(name)


def type_label(alert: Mapping[str, Any]) -> str:
    """``leader_meeting`` → ``leader meeting``."""
    return clean(_field(alert, "type") or "event").replace("_", " ")


def modality(alert: Mapping[str, Any]) -> str:
    return clean(_field(alert, "modality"))


def countries(alert: Mapping[str, Any]) -> list[str]:
    return [clean(c) for c in (_field(alert, "countries") or [])]


def leaders(alert: Mapping[str, Any]) -> list[str]:
    return [clean(name) for name in (_field(alert, "leaders") or [])]


def modality_path(alert: Mapping[str, Any]) -> list[str]:
    """The modalities the story went through, repeats collapsed: ``["potential", "occurred"]``."""
    path: list[str] = []
    for step in story(alert).get("modality_history") or []:
        value = clean(step.get("modality")) if isinstance(step, Mapping) else ""
        if value and (not path or path[-1] != value):
            path.append(value)
    current = modality(alert)
    if current and (not path or path[-1] != current):
        path.append(current)
    return path


def headline(alert: Mapping[str, Any]) -> str:
    """``Potential leader meeting: KP–RU (Kim Jong Un, Vladimir Putin)``."""
    label = type_label(alert)
    phrase = MODALITY_PHRASES.get(modality(alert), "{Type}").format(type=label, Type=label[:1].upper() + label[1:])
    if where := "–".join(countries(alert)):
        phrase += f": {where}"
    if who := ", ".join(leaders(alert)):
        phrase += f" ({who})"
    return phrase


def sources_count(alert: Mapping[str, Any]) -> int:
    value = story(alert).get("sources_count")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    sources = story(alert).get("sources")
    return len(sources) if isinstance(sources, list) else 1


def change(alert: Mapping[str, Any]) -> str:
    """``New story``, ``Update: modality changed (potential → occurred)`` or ``Update: more sources (4)``."""
    if alert.get("kind") != "update":
        return "New story"
    what = alert.get("change")
    if what == "modality":
        path = modality_path(alert)
        moved = f" ({' → '.join(path[-2:])})" if len(path) >= 2 else ""
        return f"Update: modality changed{moved}"
    if what == "sources":
        return f"Update: more sources ({sources_count(alert)})"
    return "Update"


def evidence(alert: Mapping[str, Any]) -> str:
    """The evidence sentence: the sentence the triggering event was found in (``sentence``, since
    rules-5), else the first evidence span's words."""
    if sentence := clean(event(alert).get("sentence")):
        return sentence
    spans = event(alert).get("evidence") or []
    first = spans[0] if spans and isinstance(spans[0], Mapping) else {}
    return clean(first.get("text"))


def article(alert: Mapping[str, Any]) -> Mapping[str, Any]:
    value = event(alert).get("article")
    return value if isinstance(value, Mapping) else {}


def link(alert: Mapping[str, Any]) -> str | None:
    """The article's address, if it is an http(s) URL (anything else is not offered as a link)."""
    url = clean(article(alert).get("url"))
    return url if url.startswith(("https://", "http://")) else None


def title(alert: Mapping[str, Any]) -> str:
    return clean(story(alert).get("title") or article(alert).get("title") or headline(alert))


def outlets(alert: Mapping[str, Any], limit: int = 5) -> list[str]:
    """Up to ``limit`` outlet names from the story's sources (strings, or objects naming a domain)."""
    names: list[str] = []
    for source in story(alert).get("sources") or []:
        name = source if isinstance(source, str) else (
            source.get("source_domain") or source.get("domain") or source.get("name")
            if isinstance(source, Mapping) else None)
        if name and clean(name) not in names:
            names.append(clean(name))
    return names[:limit]


def when(value: Any) -> str:
    """``2023-11-07T09:01:13.204Z`` → ``2023-11-07 09:01 UTC``; anything unreadable as it is."""
    if not isinstance(value, str):
        return ""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return clean(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def facts(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The label/value lines both Slack and email show, in order; empty values left out."""
    path = modality_path(alert)
    shown_modality = " → ".join(path) if alert.get("kind") == "update" and len(path) > 1 else modality(alert)
    count = sources_count(alert)
    sources = f"{count}" + (f" ({', '.join(outlets(alert))})" if outlets(alert) else "")
    rows = [
        ("Event", type_label(alert).capitalize()),
        ("Modality", shown_modality),
        ("Leaders", ", ".join(leaders(alert))),
        ("Countries", ", ".join(countries(alert))),
        ("Sources", sources),
        ("First seen", when(story(alert).get("first_seen"))),
    ]
    return [(label, value) for label, value in rows if value]


def footer(alert: Mapping[str, Any]) -> str:
    """Which subscription, which story, which alert: what a reader quotes when asking about it."""
    name = clean(alert.get("subscription_name") or alert.get("subscription_id"))
    parts = [f"Subscription: {name}"] if name else []
    if story_id := clean(story(alert).get("story_id")):
        parts.append(f"story {story_id}")
    if alert_id := clean(alert.get("alert_id")):
        parts.append(f"alert {alert_id}")
    return " · ".join(parts)
