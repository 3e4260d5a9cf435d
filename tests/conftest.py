"""Shared fixtures: fresh small models for every test, and a private HOME for Jupyter & co."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# In CI every property test draws the same examples each run: a red build is then always
# reproducible, never a one-off draw. Locally hypothesis keeps exploring new examples.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

import workbench as wb
from workbench.examples import random_model

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "mental_health_strategy"


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory, monkeypatch):
    """Jupyter, IPython, matplotlib and Chromium write to HOME: keep them out of the user's."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def example_model() -> wb.Model:
    return wb.load(EXAMPLE)


@pytest.fixture
def example_folder(tmp_path) -> Path:
    """A private copy of the worked example, safe to edit or break."""
    target = tmp_path / "model"
    shutil.copytree(EXAMPLE, target)
    return target


@pytest.fixture
def small_model() -> wb.Model:
    return random_model(8, seed=1, funding=True, group_limits=True)
