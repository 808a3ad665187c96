"""The report's words in English or Welsh, from the gettext catalogues in `pipeline/locale/`.

The `.po` files are the source: they are compiled in memory with Babel when first used, so no
binary `.mo` file is kept beside them. `make messages` re-extracts the strings and updates them.
"""

from __future__ import annotations

import functools
import gettext
import io
from dataclasses import dataclass
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "report"
#: The report languages: English, and Welsh for members under the Welsh Language Standards.
LANGUAGES = ("en", "cy")
#: The language tag a document of each language is marked with (Word's w:lang, core properties).
DOCUMENT_LANGUAGE = {"en": "en-GB", "cy": "cy-GB"}
#: The language tag of HTML's lang attribute.
HTML_LANGUAGE = {"en": "en", "cy": "cy"}


def catalogue_path(language: str):
    """The `.po` file of `language`, as an importlib resource."""
    return resources.files("pipeline.locale").joinpath(f"{language}/LC_MESSAGES/{DOMAIN}.po")


@functools.cache
def _translations(language: str) -> gettext.GNUTranslations:
    if language not in LANGUAGES:
        raise ValueError(f"No report catalogue for language {language!r}; use one of {LANGUAGES}.")
    catalog = read_po(io.BytesIO(catalogue_path(language).read_bytes()), locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@dataclass(frozen=True)
class Translator:
    """The report's strings in one language: `_` for a message, `ngettext` for a count."""

    language: str = "en"

    def _(self, message: str) -> str:
        return _translations(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return _translations(self.language).ngettext(singular, plural, count)

    @property
    def tag(self) -> str:
        """The language tag for documents: en-GB or cy-GB."""
        return DOCUMENT_LANGUAGE[self.language]


def translator(language: str = "en") -> Translator:
    """The translator of `language` ("en" or "cy"); an unknown language is refused."""
    _translations(language)
    return Translator(language)
