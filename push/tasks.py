"""Celery tasks of Web Push. Thin: load, call a service. Queued after commit by
`push.services.push_on_event` with the tenant's schema in the `_schema_name` header."""

from __future__ import annotations

from celery import shared_task

from push import services


@shared_task(name="push.tasks.conversation_assigned_push")
def conversation_assigned_push(conversation_id: int, user_id: int) -> int:
    return services.conversation_assigned_notify(
        conversation_id=conversation_id, user_id=user_id
    ).sent


@shared_task(name="push.tasks.conversation_invited_push")
def conversation_invited_push(conversation_id: int) -> int:
    return services.conversation_invited_notify(conversation_id=conversation_id).sent


@shared_task(name="push.tasks.message_received_push")
def message_received_push(message_id: int) -> int:
    return services.message_received_notify(message_id=message_id).sent
