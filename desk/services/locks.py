"""The pipeline's transaction-scoped advisory locks, gathered in one place.

Advisory locks are database-wide, so the current schema is part of every key: tenant A's
channel 1 and tenant B's channel 1 never wait for each other. A hash collision only makes two
unrelated keys wait for each other briefly; correctness never depends on the lock alone, the
unique constraints stay the last word.
"""

from __future__ import annotations

from django.db import connection

# First halves of the two-int lock keys (namespaces of this module).
_SENDER = 0x5344  # one (channel, sender): contact, identity and conversation creation
_PROVIDER_MESSAGE = 0x504D  # one (channel, provider message id): statuses vs. the outbox


def _lock(namespace: int, text: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema() || ':' || %s))",
            [namespace, text],
        )


def lock_sender(channel_id: int, external_id: str) -> None:
    """Serializes everything done for one citizen on one channel until commit: two first
    messages arriving at once make one contact and one conversation, in arrival order."""
    _lock(_SENDER, f"{channel_id}:{external_id}")


def lock_provider_message(channel_id: int, provider_message_id: str) -> None:
    """Serializes a status webhook against the outbox storing the same provider id, so a
    status that beats our commit is either applied or adopted, never lost."""
    _lock(_PROVIDER_MESSAGE, f"{channel_id}:{provider_message_id}")
