"""Text that came from outside (feeds, topics) made safe to store and to print."""

from __future__ import annotations

# C0 and C1 control characters (ESC starts terminal escape sequences) and bidirectional overrides (they
# make a title read backwards) never belong in article text; \r, \v and \f are just spaces
_CONTROL: dict[int, str | None] = {c: None for c in [*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0),
                              0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}
_CONTROL.update({0x0D: " ", 0x0B: " ", 0x0C: " "})
_CONTROL_TABLE = str.maketrans(_CONTROL)


def clean_text(text: str) -> str:
    """``text`` without control characters: what a feed sends must not drive the reader's terminal."""
    return text.translate(_CONTROL_TABLE)
