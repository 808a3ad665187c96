"""Email in and out: returns collected from saved messages, feedback sent back as draft messages.

`messages` reads saved messages (.eml, .mbox, and Outlook .msg through `msg`) into one neutral
form; `collect` saves their workbook attachments into an input folder with their provenance;
`record` carries each return's contact and provenance into run.json; `drafts` writes the replies.
Nothing here sends mail, runs an attachment or renders a message body.
"""
