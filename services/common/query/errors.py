"""The one exception the query language raises: where the query is wrong, why, and what to write instead.

Every refusal (a query that does not parse, a field events do not have, a value that can never match)
is a :class:`QueryError`, so callers (the API, ``attache subscriptions add``, the alerter reading the
subscriptions topic) need one ``except`` and can show the person the position and the reason.
"""

from __future__ import annotations

from typing import Any


class QueryError(ValueError):
    """A query refused, with the 0-based character ``position`` of the offending part and a ``reason``.

    ``field`` names the event field involved (when there is one) and ``suggestion`` is the text to write
    instead (``countries`` for ``countrys``, ``GB`` for ``UK``), so an API can offer a fix, not only a
    complaint. ``line`` and ``column`` (1-based, as editors count) are filled in when the query text is
    known. ``str(exc)`` is a whole sentence.
    """

    def __init__(
        self,
        position: int,
        reason: str,
        field: str | None = None,
        suggestion: str | None = None,
        *,
        query: str | None = None,
        suggestion_label: str | None = None,
    ) -> None:
        self.position = max(0, position)
        self.reason = reason.rstrip(". ")
        self.field = field
        self.suggestion = suggestion
        # How the suggestion is shown in the sentence: "GB (United Kingdom)" rather than "GB".
        self.suggestion_label = suggestion_label or suggestion
        self.query: str | None = None
        self.line: int | None = None
        self.column: int | None = None
        if query is not None:
            self.locate(query)
        super().__init__(self.message)

    def locate(self, query: str) -> QueryError:
        """Record the query text so the message can give line and column; returns self for chaining."""
        self.query = query
        self.position = min(self.position, len(query))
        before = query[: self.position]
        self.line = before.count("\n") + 1
        self.column = self.position - (before.rfind("\n") + 1) + 1
        self.args = (self.message,)
        return self

    @property
    def message(self) -> str:
        where = f"At position {self.position}"
        if self.query is not None and "\n" in self.query:
            where += f" (line {self.line}, column {self.column})"
        text = f"{where}: {self.reason}"
        if self.suggestion is not None:
            return f"{text}; did you mean {self.suggestion_label}?"
        return f"{text}."

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """The error as an API response body: the sentence plus its parts, for a client to highlight."""
        return {
            "message": self.message,
            "reason": self.reason,
            "position": self.position,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "suggestion": self.suggestion,
        }
