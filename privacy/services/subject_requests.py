"""Data subject requests under the LGPD: export everything about a contact, and anonymize a
contact on request.

Anonymizing keeps every row that counts or bills (conversations, messages, the usage ledger in
the public schema), so monthly statements and reports stay the same; only the content that
identifies the person is replaced, and the media files are deleted from storage.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.models import Contact, ContactIdentity, Conversation, MediaFile, Message
from privacy.models import AnonymizationRecord, ConsentEvent, ContactPersonalData
from privacy.services.personal_data import contact_cpf_get
from security.actors import Actor
from security.audit import audit_record

logger = logging.getLogger("privacy.subject_requests")

ANONYMIZED_TEXT = "[conteúdo removido a pedido do titular]"


def contact_label(contact: Contact) -> str:
    """How audit entries name a contact: never by name or phone, which anonymizing erases."""
    return f"contato #{contact.pk}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def contact_export_data(contact: Contact) -> dict[str, Any]:
    """Everything stored about the contact, as JSON-ready data."""
    identities = ContactIdentity.objects.filter(contact=contact).select_related("channel")
    conversations = (
        Conversation.objects.filter(contact=contact).select_related("channel").order_by("id")
    )
    messages = Message.objects.filter(conversation__contact=contact).order_by("created_at", "id")
    by_conversation: dict[int, list[dict[str, Any]]] = {}
    for message in messages:
        by_conversation.setdefault(message.conversation_id, []).append(
            {
                "id": message.pk,
                "direction": message.direction,
                "kind": message.kind,
                "text": message.text,
                "sender_name": message.sender_name,
                "origin": message.origin,
                "status": message.status,
                "has_media": message.media_id is not None,
                "created_at": _iso(message.created_at),
            }
        )
    return {
        "generated_at": timezone.now().isoformat(),
        "contact": {
            "id": contact.pk,
            "name": contact.name,
            "phone": contact.phone,
            "email": contact.email,
            "cpf": contact_cpf_get(contact),
            "created_at": _iso(contact.created_at),
            "anonymized": AnonymizationRecord.objects.filter(contact=contact).exists(),
        },
        "identities": [
            {
                "channel": identity.channel.name,
                "channel_type": identity.channel.type,
                "external_id": identity.external_id,
                "display_name": identity.display_name,
                "created_at": _iso(identity.created_at),
                "last_inbound_at": _iso(identity.last_inbound_at),
            }
            for identity in identities
        ],
        "conversations": [
            {
                "protocol": conversation.protocol,
                "channel": conversation.channel.name,
                "status": conversation.status,
                "opened_at": _iso(conversation.opened_at),
                "closed_at": _iso(conversation.closed_at),
                "messages": by_conversation.get(conversation.pk, []),
            }
            for conversation in conversations
        ],
        "consent_history": [
            {
                "channel": event.channel.name,
                "status": event.status,
                "method": event.method,
                "by": event.actor_label,
                "keyword": event.keyword,
                "at": _iso(event.occurred_at),
            }
            for event in ConsentEvent.objects.filter(contact=contact)
            .select_related("channel")
            .order_by("occurred_at", "id")
        ],
    }


def contact_export(*, actor: Actor, contact: Contact) -> dict[str, Any]:
    """The export, audited (who took a copy of whose data)."""
    data = contact_export_data(contact)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="privacy.contact.export",
            target=contact,
            object_repr=contact_label(contact),
        )
    return data


def contact_export_pdf(*, actor: Actor, contact: Contact) -> bytes:
    from weasyprint import HTML

    data = contact_export(actor=actor, contact=contact)
    html = render_to_string("privacy/export_pdf.html", {"data": data})
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def contact_anonymize(*, actor: Actor, contact: Contact) -> AnonymizationRecord:
    """Replaces the contact's identifying data and message content; deletes their media."""
    now = timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        existing = AnonymizationRecord.objects.filter(contact=contact).first()
        if existing is not None:
            return existing
        messages = Message.objects.filter(conversation__contact=contact)
        counts_before = messages.aggregate(total=Count("id"))["total"]
        media_ids = list(
            messages.exclude(media__isnull=True).values_list("media_id", flat=True).distinct()
        )
        cleared = messages.update(text=ANONYMIZED_TEXT, payload={}, sender_name="", error_detail="")
        Message.objects.filter(media_id__in=media_ids).update(media=None)
        media_files = list(MediaFile.objects.filter(pk__in=media_ids))
        stored = [(media.file.storage, media.file.name) for media in media_files if media.file.name]
        MediaFile.objects.filter(pk__in=media_ids).delete()
        for identity in ContactIdentity.objects.filter(contact=contact):
            identity.external_id = f"anonimizado-{identity.pk}"
            identity.display_name = ""
            identity.save(update_fields=["external_id", "display_name"])
        Contact.objects.filter(pk=contact.pk).update(
            name=_("Titular anonimizado"), phone="", email=""
        )
        ContactPersonalData.objects.filter(contact=contact).update(cpf="", cpf_index="")
        record = AnonymizationRecord.objects.create(
            contact=contact,
            requested_by=actor.label[:254],
            messages_cleared=cleared,
            media_deleted=len(media_ids),
            occurred_at=now,
        )
        audit_record(
            actor=actor,
            action="privacy.contact.anonymize",
            target=record,
            object_repr=contact_label(contact),
            after={"messages": counts_before, "media_deleted": len(media_ids)},
        )

        def remove_files() -> None:
            # After commit: a rollback must not leave rows pointing at deleted files.
            for storage, name in stored:
                try:
                    storage.delete(name)
                except OSError:
                    logger.warning("media file not deleted", extra={"name": name})

        transaction.on_commit(remove_files)
    return record
