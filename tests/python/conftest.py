"""Shared fixtures for the cross-language checks: the path of the built `herald` binary."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def herald_bin() -> str:
    """The herald CLI, built once (tests/run builds it before pytest)."""
    path = os.environ.get("HERALD_BIN") or str(ROOT / "target" / "debug" / "herald")
    if not os.path.exists(path):
        subprocess.run(["cargo", "build", "-q", "-p", "herald"], cwd=ROOT, check=True)
    return path
