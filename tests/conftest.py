"""Shared test fixtures.

Tests run single-threaded: tiny networks on a busy 2-core machine slow down by an order of
magnitude with intra-op threading, and one thread keeps timings and results reproducible.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)

_SHARED_REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """The folder of published reference solutions (../shared/reference beside the repo)."""
    if not _SHARED_REFERENCE.is_dir():
        pytest.skip(f"published reference data not found at {_SHARED_REFERENCE}")
    return _SHARED_REFERENCE
