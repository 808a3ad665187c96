"""Values from a return as display text, and the only addresses that may become links."""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache
from urllib.parse import urlsplit

import pandas as pd

# Characters XML 1.0 cannot hold; ingest drops them, but a report must never fail to save.
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Texts whose display forms each writer remembers, at most: the framework's and the report's
#: own words come back in every report and stay; each member's own text passes through, and a
#: run of thousands of reports must not keep thousands of them.
TEXTS_REMEMBERED = 512
#: White space (as str.isspace has it) or a control character: never in an address we link to.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")


def plain(value: object) -> str:
    """A value from a return as display text, trimmed: blank for missing, dates '1 April 2026'."""
    if type(value) is str:  # most values, and most of them repeated from report to report
        return _plain_str(value)
    return text(value).strip()


def text(value: object) -> str:
    """A value as display text, untrimmed, without characters no document can hold."""
    if type(value) is str:  # most values: spare them the checks below
        return _text_str(value)
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return INVALID_XML.sub("", str(value))


@lru_cache(maxsize=TEXTS_REMEMBERED)
def _text_str(value: str) -> str:
    return INVALID_XML.sub("", value)


@lru_cache(maxsize=TEXTS_REMEMBERED)
def _plain_str(value: str) -> str:
    return INVALID_XML.sub("", value).strip()


def web_address(value: str) -> str | None:
    """The text as an http(s) address we may link to, or None (then it stays plain text)."""
    candidate = plain(value)
    if not candidate or _SPACE_OR_CONTROL.search(candidate):
        return None
    if any(ch in candidate for ch in "<>\"'\\{}|^`"):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return candidate


def link_text(url: str, label: str) -> str:
    """Link text that says where the link goes: 'Evidence for 3.2.b (example.gov.uk/equality)'."""
    parts = urlsplit(url)
    where = (parts.hostname or "") + parts.path.rstrip("/")
    if len(where) > 60:
        where = where[:59] + "…"
    return f"{label} ({where})"


def addresses(value: object) -> list[str]:
    """The addresses in a free-text list (separated by spaces, commas or semicolons)."""
    return [token for token in re.split(r"[\s,;]+", plain(value)) if token]
