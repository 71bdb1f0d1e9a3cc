"""Documents and the loaders that turn user files (Markdown, text, HTML, PDF) into them.

A loader returns plain text plus metadata; offsets in search results point into that text, so a
citation can quote exactly what was retrieved.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from medchat.errors import MedchatError
from medchat.language import detect_language

SUPPORTED_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
                      ".html": "html", ".htm": "html", ".pdf": "pdf"}
MAX_FILE_BYTES = 50 * 1024 * 1024


class Document(BaseModel):
    """One source of knowledge: a bundled page or a user's file."""

    id: str  # stable: "bundled/en/asthma", or the file's absolute path
    title: str
    language: str
    text: str
    source: str  # what a citation shows: a path, or the authority's URL for bundled pages
    url: str | None = None
    topic: str | None = None
    authority: str | None = None
    reviewed: str | None = None


class DocumentError(MedchatError):
    """A file that cannot become a document (empty, binary, too large, unreadable...)."""


# -- Markdown ---------------------------------------------------------------------------------------
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_MD_STRIP = [
    # [ \t] rather than \s: a marker pattern must not eat the blank line before it.
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]*", re.M), ""),  # heading markers
    (re.compile(r"^[ \t]*[-*+][ \t]+", re.M), ""),  # bullet markers
    (re.compile(r"^[ \t]*\d+[.)][ \t]+", re.M), ""),  # numbered list markers
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links -> text
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])"), r"\1"),  # italics
    (re.compile(r"`([^`]+)`"), r"\1"),  # inline code
    (re.compile(r"^[ \t]*>[ \t]?", re.M), ""),  # block quotes
]


def parse_front_matter(raw: str) -> tuple[dict[str, str], str]:
    """``key: value`` lines between ``---`` fences, and the body after them."""
    match = _FRONT_MATTER.match(raw)
    if not match:
        return {}, raw
    meta = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, raw[match.end():]


def markdown_to_text(body: str) -> str:
    for pattern, repl in _MD_STRIP:
        body = pattern.sub(repl, body)
    return _tidy(body)


def _first_heading(body: str) -> str | None:
    match = re.search(r"^\s{0,3}#\s+(.+)$", body, re.M)
    return match.group(1).strip() if match else None


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


# -- loaders ----------------------------------------------------------------------------------------
def load_markdown(raw: str, path: Path) -> Document:
    meta, body = parse_front_matter(raw)
    text = markdown_to_text(body)
    return Document(
        id=str(path), title=meta.get("title") or _first_heading(body) or path.stem,
        language=meta.get("language") or detect_language(text), text=text, source=str(path),
        url=meta.get("url"), topic=meta.get("topic"), authority=meta.get("authority"), reviewed=meta.get("reviewed"),
    )


def load_text(raw: str, path: Path) -> Document:
    text = _tidy(raw)
    first = text.split("\n", 1)[0].strip()
    title = first if 0 < len(first) <= 100 else path.stem
    return Document(id=str(path), title=title, language=detect_language(text), text=text, source=str(path))


def load_html(raw: str, path: Path) -> Document:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer", "header", "template", "svg"]):
        tag.decompose()
    title_tag = soup.find("title")
    h1 = soup.find("h1")
    title = (title_tag.get_text(strip=True) if title_tag else "") or (h1.get_text(strip=True) if h1 else "")
    if title_tag:
        title_tag.decompose()
    body = soup.body or soup
    # Block elements end a sentence even when the author omitted the full stop (headings, list items).
    text = _tidy(body.get_text("\n"))
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    lang = (soup.html.get("lang", "") if soup.html else "")[:2].lower()
    language = lang if lang in ("en", "zh") else detect_language(text)
    return Document(id=str(path), title=title or path.stem, language=language, text=text, source=str(path))


def load_pdf(path: Path) -> Document:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs each robustness fix ("EOF marker not found") to stderr; failures become DocumentError here.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentError(f"{path}: the PDF is encrypted", hint="decrypt it first")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except PdfReadError as exc:
        raise DocumentError(f"{path}: not a readable PDF ({exc})") from None
    text = _tidy("\n\n".join(pages))
    if not text:
        raise DocumentError(f"{path}: the PDF has no extractable text", hint="it may be a scan: run OCR first")
    return Document(id=str(path), title=meta_title.strip() or path.stem, language=detect_language(text), text=text,
                    source=str(path))


def load_file(path: Path) -> Document:
    """Load one supported file; every failure is a one-line ``DocumentError``."""
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(f"{path}: unsupported file type {path.suffix or '(none)'}",
                            hint="use .md, .txt, .html or .pdf")
    try:
        size = path.stat().st_size
        if size == 0:
            raise DocumentError(f"{path}: the file is empty")
        if size > MAX_FILE_BYTES:
            raise DocumentError(f"{path}: too large ({size / 1e6:.0f} MB > {MAX_FILE_BYTES / 1e6:.0f} MB)",
                                hint="split it into smaller files")
        if kind == "pdf":
            document = load_pdf(path)
        else:
            data = path.read_bytes()
            if b"\x00" in data[:8192]:
                raise DocumentError(f"{path}: looks binary, not {kind}")
            try:
                raw = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise DocumentError(f"{path}: not UTF-8 text", hint="convert it to UTF-8") from None
            loader = {"markdown": load_markdown, "text": load_text, "html": load_html}[kind]
            document = loader(raw, path)
    except PermissionError:
        raise DocumentError(f"{path}: permission denied") from None
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not document.text.strip():
        raise DocumentError(f"{path}: no text found")
    return document
