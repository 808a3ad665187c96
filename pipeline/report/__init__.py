"""Each OPCC's annual Equality Report: an editable, accessible Word document on a style template.

The report is built in two steps: `content` words it as plain data (`model`), from the return,
its scores, the framework and the `national` figures; a writer lays that out in a file format
(`word`: .docx on `templates/report.docx`). `files` writes a batch of reports to disk. The names
below are the package's public interface.
"""

from pipeline.national import position as national_position
from pipeline.report.content import (
    APPENDIX_CHOICES,
    DEFAULT_APPENDIX,
    LANGUAGE,
    NOT_ASSESSED,
    PROMPT,
    Appendix,
    ReportError,
    build_content,
)
from pipeline.report.files import (
    REPORT_NAME,
    RenderJob,
    ReportOutcome,
    build_report,
    page_count,
    render_report,
    report_name,
    report_returns,
    write_reports,
)
from pipeline.report.text import link_text, plain, web_address
from pipeline.report.word import (
    CHARACTER_STYLES,
    DEFAULT_TEMPLATE,
    PARAGRAPH_STYLES,
    PROMPT_STYLE,
    TABLE_STYLE,
    TOC_INSTRUCTION,
    render,
    template_bytes,
)

__all__ = [
    "APPENDIX_CHOICES",
    "CHARACTER_STYLES",
    "DEFAULT_APPENDIX",
    "DEFAULT_TEMPLATE",
    "LANGUAGE",
    "NOT_ASSESSED",
    "PARAGRAPH_STYLES",
    "PROMPT",
    "PROMPT_STYLE",
    "REPORT_NAME",
    "TABLE_STYLE",
    "TOC_INSTRUCTION",
    "Appendix",
    "RenderJob",
    "ReportError",
    "ReportOutcome",
    "build_content",
    "build_report",
    "link_text",
    "national_position",
    "page_count",
    "plain",
    "render",
    "render_report",
    "report_name",
    "report_returns",
    "template_bytes",
    "web_address",
    "write_reports",
]
