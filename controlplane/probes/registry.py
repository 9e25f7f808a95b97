"""The probe registry. An app registers its own probe in `AppConfig.ready()`:

    register_probe(Probe(key="intake", label=..., components=(INTAKE,), check=my_round_trip),
                   replace=True)

A check returns a `ProbeOutcome` (or raises: any exception is a failure with its message). It must
finish within a few seconds: probes run every 30 seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class OutcomeKind(StrEnum):
    OK = "ok"
    FAILED = "failed"
    NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True)
class ProbeOutcome:
    kind: OutcomeKind
    detail: str = ""
    latency_ms: int | None = None

    @classmethod
    def ok(cls, detail: str = "", latency_ms: int | None = None) -> ProbeOutcome:
        return cls(OutcomeKind.OK, detail, latency_ms)

    @classmethod
    def failed(cls, detail: str, latency_ms: int | None = None) -> ProbeOutcome:
        return cls(OutcomeKind.FAILED, detail, latency_ms)

    @classmethod
    def not_configured(cls, detail: str) -> ProbeOutcome:
        return cls(OutcomeKind.NOT_CONFIGURED, detail)


@dataclass(frozen=True)
class Probe:
    key: str
    label: str
    components: tuple[str, ...]
    check: Callable[[], ProbeOutcome] = field(compare=False)


_PROBES: dict[str, Probe] = {}


def register_probe(probe: Probe, *, replace: bool = False) -> None:
    if probe.key in _PROBES and not replace:
        raise ValueError(f"probe {probe.key!r} is already registered")
    if not probe.components:
        raise ValueError("a probe must name the components it watches")
    _PROBES[probe.key] = probe


def unregister_probe(key: str) -> None:
    _PROBES.pop(key, None)


def probes() -> list[Probe]:
    return [_PROBES[key] for key in sorted(_PROBES)]


def probe_get(key: str) -> Probe | None:
    return _PROBES.get(key)


def monitored_components() -> set[str]:
    return {component for probe in _PROBES.values() for component in probe.components}
