"""The report's message catalogues: `messages.pot` and one `<language>/LC_MESSAGES/report.po`
per language, compiled in memory by `pipeline.i18n` (no binary .mo is kept)."""
