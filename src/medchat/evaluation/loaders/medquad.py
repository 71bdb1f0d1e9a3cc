"""MedQuAD: consumer health questions with answers from NIH websites, one XML ``Document`` per topic.

``Document`` (attributes ``id``, ``source``, ``url``; a ``Focus`` element naming the topic) holds
``QAPairs`` › ``QAPair`` › ``Question`` (attributes ``qid``, ``qtype``) and ``Answer``. One file or a
directory tree of them is read. Many published pairs have an empty answer (withheld for copyright);
they are skipped and counted in the dataset description rather than warned about.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medchat.evaluation.loaders.build import Loaded, Located, sample_at
from medchat.evaluation.loaders.errors import DatasetError
from medchat.evaluation.loaders.record import Record, plural
from medchat.evaluation.loaders.source import Source


def xml_files(path: Path) -> list[Path]:
    """The file itself, or every ``.xml`` file under the directory in a stable order."""
    if path.is_file():
        return [path]
    return sorted(file for file in path.rglob("*") if file.suffix.lower() == ".xml" and file.is_file())


def _text(element: Any) -> str:
    """An element's text with each line trimmed and runs of blank lines collapsed."""
    lines = [" ".join(line.split()) for line in "".join(element.itertext()).strip().splitlines()]
    paragraphs: list[str] = []
    for line in lines:
        if line or (paragraphs and paragraphs[-1]):
            paragraphs.append(line)
    return "\n".join(paragraphs).strip()


def load_medquad(path: Path, loaded: Loaded, *, name: str) -> None:
    files = xml_files(path)
    if not files:
        raise DatasetError("no .xml files in the directory", file=str(path),
                           hint="point at a MedQuAD folder or one of its XML files")
    empty = 0
    for file in files:
        if path.is_file():
            empty += _load_file(Source(file), loaded, name=name)
            continue
        with loaded.checking():  # in a folder, a file that is not MedQuAD XML is skipped like a record
            empty += _load_file(Source(file), loaded, name=name)
    if not loaded.items and not loaded.skipped:
        raise DatasetError(f"no answered QA pairs ({empty} with an empty answer)", file=str(path),
                           hint="MedQuAD withholds some answers; use a part of it that has them")
    loaded.description = f"MedQuAD: {plural(len(loaded.items), 'QA pair')} from {plural(len(files), 'file')}"
    if empty:
        loaded.description += f"; {plural(empty, 'pair')} with an empty answer skipped"


def _load_file(source: Source, loaded: Loaded, *, name: str) -> int:
    """Adds the file's answered pairs to ``loaded``; returns how many had an empty answer."""
    root = source.xml()
    if root.tag != "Document":
        raise source.error(f"root element is <{root.tag}>, not <Document>", location=f"element <{root.tag}>",
                           field="Document", hint="MedQuAD files hold one <Document> with <QAPairs>")
    document = {key: value for key in ("id", "source", "url") if (value := (root.get(key) or "").strip())}
    focus = root.find("Focus")
    if focus is not None and _text(focus):
        document["focus"] = _text(focus)
    empty = 0
    for number, pair in enumerate(root.findall("./QAPairs/QAPair"), start=1):
        pid = pair.get("pid")
        location = f"QAPair {number}" + (f" (pid {pid})" if pid else "")
        record = Record(source, location, number, {}, hint="each <QAPair> holds a <Question> and an <Answer>")
        with loaded.checking():
            item = _pair(record, pair, document, name=name)
            if item is None:
                empty += 1
            else:
                loaded.add(item)
    return empty


def _pair(record: Record, pair: Any, document: dict[str, str], *, name: str) -> Located | None:
    """The QA pair as a sample; ``None`` when its answer is empty (withheld in the published set)."""
    question = pair.find("Question")
    if question is None:
        raise record.error("missing element <Question>", field="Question")
    text = _text(question)
    if not text:
        raise record.error("element <Question> is empty", field="Question")
    answer = pair.find("Answer")
    answer_text = _text(answer) if answer is not None else ""
    if not answer_text:
        return None
    pid, number = pair.get("pid"), record.number
    qtype = (question.get("qtype") or "").strip()
    fallback = (f"{document['id']}-{pid or number}" if "id" in document
                else f"{name}-{record.source.path.stem}-{number}")
    metadata: dict[str, Any] = {f"document_{key}" if key == "id" else key: value for key, value in document.items()}
    if qtype:
        metadata["qtype"] = qtype
    return sample_at(record, id=(question.get("qid") or "").strip() or fallback, input=text, target=[answer_text],
                     tags=[qtype] if qtype else [], metadata=metadata)
