"""Office zips: the same entries give the same bytes, whether an entry is deflated afresh or its
deflated form is re-used from an earlier file of the batch."""

from __future__ import annotations

import io
import random
import zipfile

from pipeline import outputs


def entries() -> list[tuple[str, bytes]]:
    shuffled = random.Random(7)
    styles = b"".join(b"<w:style w:styleId='S%d'/>" % n for n in range(20_000))
    noise = bytes(shuffled.randrange(256) for _ in range(50_000))  # does not deflate
    return [
        ("[Content_Types].xml", b"<Types/>"),
        ("word/styles.xml", styles),
        ("word/media/image1.png", noise),
        ("word/empty.xml", b""),
        ("word/th\u00e8me.xml", "<th\u00e8me/>".encode()),  # a name that is not ASCII
    ]


def test_reused_entries_give_the_bytes_of_fresh_ones():
    fresh = outputs.office_zip(entries())
    names = {name for name, _ in entries()} - {"[Content_Types].xml"}
    first = outputs.office_zip(entries(), unchanging=names)
    again = outputs.office_zip(entries(), unchanging=names)  # from the deflated ones kept
    assert first == fresh and again == fresh
    with zipfile.ZipFile(io.BytesIO(again)) as archive:
        assert archive.testzip() is None
        assert [(i.filename, archive.read(i)) for i in archive.infolist()] == entries()
        assert {i.date_time for i in archive.infolist()} == {outputs.ZIP_EPOCH}


def test_an_entry_named_unchanging_with_new_data_is_deflated_afresh():
    names = {"word/styles.xml"}
    outputs.office_zip(entries(), unchanging=names)
    changed = [(n, d + b"<more/>" if n == "word/styles.xml" else d) for n, d in entries()]
    made = outputs.office_zip(changed, unchanging=names)
    assert made == outputs.office_zip(changed)
    with zipfile.ZipFile(io.BytesIO(made)) as archive:
        assert archive.read("word/styles.xml").endswith(b"<more/>")
