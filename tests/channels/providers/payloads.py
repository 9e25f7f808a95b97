"""Read the recorded provider payloads kept beside each adapter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import channels.providers

PROVIDERS_DIR = Path(channels.providers.__file__).parent


def fixture_path(provider: str, name: str) -> Path:
    return PROVIDERS_DIR / provider / "fixtures" / f"{name}.json"


def fixture_bytes(provider: str, name: str) -> bytes:
    return fixture_path(provider, name).read_bytes()


def fixture_json(provider: str, name: str) -> Any:
    return json.loads(fixture_bytes(provider, name))


def fixture_names(provider: str) -> list[str]:
    return sorted(path.stem for path in (PROVIDERS_DIR / provider / "fixtures").glob("*.json"))
