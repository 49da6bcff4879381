"""OPML 2.0 in and out: the subscription list format every feed reader imports and exports."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path

import defusedxml.ElementTree as DET
from defusedxml import EntitiesForbidden, ExternalReferenceForbidden


class OpmlError(ValueError):
    pass


@dataclass(frozen=True)
class Outline:
    url: str
    title: str


def read_opml(path: Path) -> list[Outline]:
    """Every outline with an ``xmlUrl``, at any depth (folders are flattened), in document order."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise OpmlError(f"{path}: cannot read: {exc.strerror}") from exc
    try:  # defusedxml: entity declarations and external references refused in any encoding
        root = DET.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise OpmlError(f"{path}: declares XML entities ({exc}); refused") from exc
    except ET.ParseError as exc:
        raise OpmlError(f"{path}: not well-formed XML: {exc}") from exc
    if root.tag != "opml" or root.find("body") is None:
        raise OpmlError(f"{path}: not an OPML document (no <opml><body>)")
    outlines, seen = [], set()
    for node in root.iter("outline"):
        url = (node.get("xmlUrl") or node.get("xmlurl") or "").strip()
        if url and url not in seen:
            seen.add(url)
            outlines.append(Outline(url, (node.get("title") or node.get("text") or url).strip()))
    return outlines


def write_opml(outlines: list[Outline], title: str = "Attaché feeds") -> str:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(dt.datetime.now(dt.UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    for outline in outlines:
        ET.SubElement(body, "outline", type="rss", text=outline.title, title=outline.title, xmlUrl=outline.url)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
