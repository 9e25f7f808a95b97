"""The control plane's settings, each with its default (config/settings.py may override them)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def _get(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def base_url() -> str:
    port = f":{settings.PUBLIC_PORT}" if getattr(settings, "PUBLIC_PORT", "") else ""
    return f"{settings.PUBLIC_SCHEME}://{settings.BASE_DOMAIN}{port}"


def probe_failures_to_open() -> int:
    """Consecutive failed checks (30 s apart) before a probe records an outage."""
    return int(_get("STATUS_PROBE_FAILURES_TO_OPEN", 3))


def probe_timeout_seconds() -> float:
    return float(_get("STATUS_PROBE_TIMEOUT_SECONDS", 5.0))


def probe_web_url() -> str:
    return str(_get("STATUS_PROBE_WEB_URL", "") or f"{base_url()}/conta/entrar/")


def probe_api_url() -> str:
    return str(_get("STATUS_PROBE_API_URL", "") or f"{base_url()}/api/health")


def probe_intake_url() -> str:
    """Where the intake probe POSTs its signed webhook: the public host, as a provider would."""
    return str(_get("STATUS_PROBE_INTAKE_URL", "") or f"{base_url()}/webhooks/whatsapp")


def delivery_stuck_seconds() -> int:
    """A channel's delivery is down when an unsent outbox row is older than this."""
    return int(_get("STATUS_DELIVERY_STUCK_SECONDS", 600))


def delivery_window_minutes() -> int:
    """The window of recent sends whose failure ratio the delivery probes judge."""
    return int(_get("STATUS_DELIVERY_WINDOW_MINUTES", 15))


def delivery_max_failure_ratio() -> float:
    return float(_get("STATUS_DELIVERY_MAX_FAILURE_RATIO", 0.5))


def delivery_min_sample() -> int:
    """Fewer finished sends than this in the window never make a ratio failure."""
    return int(_get("STATUS_DELIVERY_MIN_SAMPLE", 10))


def report_probe_template() -> str:
    return str(_get("STATUS_PROBE_REPORT_TEMPLATE", "controlplane/probes/report_probe.html"))


def probe_result_retention_days() -> int:
    return int(_get("STATUS_PROBE_RESULT_RETENTION_DAYS", 90))


def queue_lag_limit_seconds() -> int:
    return int(_get("STATUS_QUEUE_LAG_LIMIT_SECONDS", 120))


def watched_queues() -> list[str]:
    return list(_get("STATUS_WATCHED_QUEUES", ["celery"]))


def webhook_allow_private_addresses() -> bool:
    """Only for development and tests: lets subscribers' webhooks point at private addresses."""
    return bool(_get("STATUS_WEBHOOK_ALLOW_PRIVATE", False))


def dashboard_active_minutes() -> int:
    return int(_get("DASHBOARD_ACTIVE_SESSION_MINUTES", 15))


def backup_dir() -> str:
    return str(_get("BACKUP_DIR", settings.BASE_DIR / ".data" / "backups"))


def backup_encryption_key() -> str:
    return str(_get("BACKUP_ENCRYPTION_KEY", ""))


def backup_retention_days() -> int:
    return int(_get("BACKUP_RETENTION_DAYS", 35))


def read_only_minimum_days() -> int:
    """REQ 6.2.15: read-only access for at least 30 days after the contract ends."""
    return max(30, int(_get("CONTRACT_READ_ONLY_DAYS", 30)))
