"""equality: the APCC Equality Framework self-assessment, from workbook to Word report."""

__version__ = "0.1.0"
