"""Shared fixtures: the packaged knowledge base and compiled model, and the shared/ folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from lumbar.engine.model import CompiledModel, default_model
from lumbar.kb.check import find_shared_dir
from lumbar.kb.loader import KnowledgeBase, default_knowledge_base

REPO = Path(__file__).resolve().parents[1]
DEV_VIGNETTES = REPO / "vignettes" / "dev"
EXTERNAL_VIGNETTES = REPO / "vignettes" / "external"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return default_knowledge_base()


@pytest.fixture(scope="session")
def model() -> CompiledModel:
    return default_model()


@pytest.fixture(scope="session")
def shared_dir() -> Path | None:
    return find_shared_dir(REPO)
