import os
from pathlib import Path

import pytest

from medchat.knowledge import documents
from medchat.knowledge.documents import DocumentError, load_file, parse_front_matter


def make_pdf(lines: list[str], *, title: str | None = None) -> bytes:
    """A minimal valid one-page PDF: Helvetica text in one content stream, xref offsets computed."""
    shown = " ".join(f"({line}) Tj T*" for line in lines)
    content = f"BT /F1 12 Tf 72 720 Td 14 TL {shown} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    if title:
        objects.append(b"<< /Title (%s) >>" % title.encode("latin-1"))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"/Size %d /Root 1 0 R" % (len(objects) + 1) + (b" /Info %d 0 R" % len(objects) if title else b"")
    out += b"trailer\n<< " + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(DocumentError) as info:
        load_file(path)
    message = str(info.value)
    assert "\n" not in message  # one line, for the CLI's "skipped PATH: reason"
    assert message.startswith(f"{path}: ")
    return message


# -- Markdown ---------------------------------------------------------------------------------------
MARKDOWN = """---
title: "Hand hygiene"
language: en
topic: hygiene
url: https://example.org/hands
authority: Example Health Service
reviewed: 2025-01-31
---

# Washing hands

## Why it matters

- **Soap** removes germs from the skin.
* See [the guide](https://example.org/guide) for details.
1. Wet your hands with *warm* water.
2) Rub them for `twenty` seconds.
> Dry them with a clean towel.
![a sink](sink.png)
"""


def test_markdown_front_matter_is_parsed(tmp_path):
    doc = load_file(write(tmp_path, "hands.md", MARKDOWN))
    assert doc.title == "Hand hygiene"  # quotes stripped
    assert (doc.language, doc.topic, doc.url, doc.authority, doc.reviewed) == (
        "en", "hygiene", "https://example.org/hands", "Example Health Service", "2025-01-31")
    assert doc.id == doc.source == str(tmp_path / "hands.md")
    assert "title:" not in doc.text and "---" not in doc.text


def test_markdown_markup_is_stripped(tmp_path):
    doc = load_file(write(tmp_path, "hands.md", MARKDOWN))
    assert [line for line in doc.text.splitlines() if line] == [
        "Washing hands",
        "Why it matters",
        "Soap removes germs from the skin.",
        "See the guide for details.",
        "Wet your hands with warm water.",
        "Rub them for twenty seconds.",
        "Dry them with a clean towel.",
        "a sink",
    ]


def test_markdown_without_front_matter_takes_its_title_from_the_first_heading(tmp_path):
    doc = load_file(write(tmp_path, "water.md", "Intro line.\n\n# 多喝水\n\n每天应该喝足够的水。\n"))
    assert doc.title == "多喝水"
    assert doc.language == "zh"  # detected, not declared
    assert (doc.url, doc.topic) == (None, None)


def test_markdown_without_any_title_uses_the_file_name(tmp_path):
    assert load_file(write(tmp_path, "notes.markdown", "Just a sentence.\n")).title == "notes"


def test_parse_front_matter_without_fences_returns_the_text_unchanged():
    assert parse_front_matter("title: x\n\nbody") == ({}, "title: x\n\nbody")


def test_utf8_byte_order_mark_is_dropped(tmp_path):
    doc = load_file(write(tmp_path, "bom.md", "\ufeff---\ntitle: BOM\n---\nText here.\n".encode()))
    assert doc.title == "BOM" and doc.text == "Text here."


# -- plain text -------------------------------------------------------------------------------------
def test_text_title_is_its_first_line(tmp_path):
    doc = load_file(write(tmp_path, "cold.txt", "Common cold\r\n\r\n\r\n\r\nRest and drink fluids.   \r\n"))
    assert doc.title == "Common cold"
    assert doc.text == "Common cold\n\nRest and drink fluids."  # newlines normalised, blank runs collapsed
    assert doc.language == "en"


def test_text_with_a_long_first_line_is_titled_by_file_name(tmp_path):
    doc = load_file(write(tmp_path, "long.text", "word " * 40 + "\nsecond line"))
    assert doc.title == "long"


def test_chinese_text_is_detected(tmp_path):
    assert load_file(write(tmp_path, "zh.txt", "感冒\n多休息，多喝水。")).language == "zh"


# -- HTML -------------------------------------------------------------------------------------------
HTML = """<!doctype html>
<html lang="zh-CN">
<head><title>Page title</title><style>body { color: red }</style><script>var secret = "hidden";</script></head>
<body>
<nav>Menu Home About</nav>
<h1>Drinking water</h1>
<p>Drink water <b>every</b> day.</p>
<ul><li>Carry a bottle.</li><li>Drink before you are thirsty.</li></ul>
<noscript>Enable JavaScript</noscript>
<footer>Copyright</footer>
</body>
</html>
"""


def test_html_title_text_and_removed_elements(tmp_path):
    doc = load_file(write(tmp_path, "water.html", HTML))
    assert doc.title == "Page title"
    for gone in ("Page title", "color", "secret", "Menu", "JavaScript", "Copyright"):
        assert gone not in doc.text
    lines = doc.text.splitlines()
    # block elements become their own lines, so headings and list items end sentences
    assert "Drinking water" in lines and "Carry a bottle." in lines and "Drink before you are thirsty." in lines
    assert "every" in doc.text


def test_html_lang_attribute_wins_over_detection(tmp_path):
    assert load_file(write(tmp_path, "a.html", HTML)).language == "zh"  # English text, lang="zh-CN"
    english = HTML.replace('lang="zh-CN"', 'lang="en"').replace("Drink water", "喝水喝水喝水喝水")
    assert load_file(write(tmp_path, "b.htm", english)).language == "en"


def test_html_without_lang_or_title(tmp_path):
    doc = load_file(write(tmp_path, "c.html", "<html><body><h1>感冒</h1><p>多休息，多喝水。</p></body></html>"))
    assert doc.language == "zh"
    assert doc.title == "感冒"  # falls back to the first <h1>
    doc = load_file(write(tmp_path, "d.html", "<p>Only a paragraph.</p>"))
    assert doc.title == "d" and doc.text == "Only a paragraph."


# -- PDF --------------------------------------------------------------------------------------------
def test_pdf_text_is_extracted(tmp_path):
    path = write(tmp_path, "hygiene.pdf", make_pdf(["Hand washing stops germs.", "Use soap and water."]))
    doc = load_file(path)
    assert doc.text == "Hand washing stops germs.\nUse soap and water."
    assert doc.title == "hygiene" and doc.language == "en" and doc.source == str(path)


def test_pdf_title_comes_from_its_metadata(tmp_path):
    doc = load_file(write(tmp_path, "x.pdf", make_pdf(["Some text here."], title="Hygiene leaflet")))
    assert doc.title == "Hygiene leaflet"


def test_pdf_with_garbage_bytes(tmp_path):
    assert "not a readable PDF" in load_error(write(tmp_path, "bad.pdf", b"this is not a pdf \x01\x02" * 20))


def test_pdf_truncated(tmp_path):
    pdf = make_pdf(["Hand washing stops germs."])
    assert "not a readable PDF" in load_error(write(tmp_path, "cut.pdf", pdf[: len(pdf) // 2]))


def test_pdf_without_text(tmp_path):
    message = load_error(write(tmp_path, "scan.pdf", make_pdf([])))
    assert "no extractable text" in message and "OCR" in message


def test_pdf_warnings_are_not_logged(tmp_path, caplog):
    load_error(write(tmp_path, "bad.pdf", b"garbage"))
    # pypdf's "EOF marker not found" would reach stderr around the CLI's one-line "skipped" message
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []


# -- errors -----------------------------------------------------------------------------------------
def test_empty_file(tmp_path):
    assert "empty" in load_error(write(tmp_path, "empty.md", ""))


def test_markdown_with_only_front_matter_has_no_text(tmp_path):
    assert "no text found" in load_error(write(tmp_path, "meta.md", "---\ntitle: x\n---\n\n"))


def test_binary_data_in_a_text_file(tmp_path):
    assert "looks binary" in load_error(write(tmp_path, "data.txt", b"abc\x00def" * 10))


def test_text_that_is_not_utf8(tmp_path):
    message = load_error(write(tmp_path, "latin1.txt", "Café au lait, crème brûlée.".encode("latin-1")))
    assert "not UTF-8" in message and "convert it to UTF-8" in message


@pytest.mark.parametrize("name", ["report.docx", "README"])
def test_unsupported_suffix(tmp_path, name):
    message = load_error(write(tmp_path, name, "text"))
    assert "unsupported file type" in message and ".md, .txt, .html or .pdf" in message


def test_suffix_is_case_insensitive(tmp_path):
    assert load_file(write(tmp_path, "NOTES.TXT", "Hello there.")).text == "Hello there."


def test_too_large_file(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "MAX_FILE_BYTES", 10)
    message = load_error(write(tmp_path, "big.txt", "x" * 11))
    assert "too large" in message and "split it" in message
    assert load_file(write(tmp_path, "small.txt", "x" * 10)).text == "x" * 10  # the limit itself is fine


def test_missing_file(tmp_path):
    assert "cannot read" in load_error(tmp_path / "gone.md")


def test_unreadable_file(tmp_path):
    path = write(tmp_path, "secret.md", "Private notes.")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop reading (see test_permission_error_is_reported)")
        assert "permission denied" in load_error(path)
    finally:
        path.chmod(0o644)


def test_permission_error_is_reported(tmp_path, monkeypatch):
    path = write(tmp_path, "secret.txt", "Private notes.")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert "permission denied" in load_error(path)
