from __future__ import annotations

import pytest

from medchat.knowledge import KnowledgeBase, open_knowledge_base
from medchat.safety.pii import PIIDetector, get_detector


@pytest.fixture(scope="session")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The bundled knowledge base, opened once: its BM25 index and jieba load are paid a single time."""
    return open_knowledge_base(data_dir=tmp_path_factory.mktemp("kb-data"))


@pytest.fixture(scope="session")
def detector() -> PIIDetector:
    """The real Presidio-based detector (seconds to build): the process-wide one the assistant also uses."""
    return get_detector()
