"""Every write of routing, by concern:

- `entry`: `route_conversation` (a new conversation's queue: hours, holidays, overflow,
  start-stop words), `pause_auto_reply`, `inbound_received` (the pipeline's hook);
- `dispatch`: the fair, race-free assignment and the queue notice;
- `agents`: team login, available, pause, logout, capacity, `agent_freed`;
- `lifecycle`: assign, transfer, invite, leave, close, reopen, inactivity timeout;
- `replies`: an agent's message (blocked words, the agent's name);
- `surveys`: the satisfaction survey;
- `words`: start-stop and blocked words, `outbound_text_check`;
- `teams`, `catalog`: what the tenant admin configures;
- `hours`: whether a business-hours group is open;
- `sweeps`: the beat tasks' loops over tenants.

The pipeline's entry points are re-exported here.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Exported lazily (PEP 562): desk's outbound service imports `routing.services.words`, and an
# eager import of every module here would import desk's outbound service back mid-import.
_EXPORTS = {
    "RoutingOutcome": "routing.services.entry",
    "agent_freed": "routing.services.agents",
    "inbound_received": "routing.services.entry",
    "outbound_text_check": "routing.services.words",
    "route_conversation": "routing.services.entry",
    "start_stop_match": "routing.services.words",
    "survey_answer_conversation": "routing.services.surveys",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'routing.services' has no attribute {name!r}")
