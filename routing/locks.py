"""The advisory locks of routing, in one place (row locks are taken where rows are read).

Lock order, everywhere: team advisory lock, then the conversation's `ConversationRouting` row,
then `AgentState` rows, then the desk `Conversation` row (by updating it). Nothing takes them in
another order, so two routing transactions cannot deadlock each other.
"""

from __future__ import annotations

from django.db import connection

_TEAM_QUEUE = 0x5251  # "RQ": one team's dispatcher at a time


def lock_team_queue(team_id: int) -> None:
    """Serializes the dispatchers of one team until commit, so the queue head and the least
    busy agent are decided by one transaction at a time (an even spread, never a double
    assignment). The key includes the schema: tenants never wait for each other."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema() || ':' || %s))",
            [_TEAM_QUEUE, str(team_id)],
        )
