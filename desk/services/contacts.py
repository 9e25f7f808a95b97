from __future__ import annotations

from datetime import datetime

from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest

from channels.models import Channel
from desk.models import Contact, ContactIdentity


def identity_for_inbound(
    *,
    channel: Channel,
    external_id: str,
    name: str | None,
    phone: str | None,
    now: datetime,
) -> tuple[ContactIdentity, bool]:
    """The sender's identity on this channel, creating the contact on first contact.

    The caller holds `locks.lock_sender(channel, external_id)`, so the look-up and the creation
    cannot interleave with another transaction's for the same sender; the unique constraint on
    (channel, external_id) backs that up.
    """
    identity = (
        ContactIdentity.objects.select_related("contact")
        .filter(channel=channel, external_id=external_id)
        .first()
    )
    if identity is not None:
        if name and not identity.contact.name:
            Contact.objects.filter(pk=identity.contact_id).update(name=name[:200])
            identity.contact.name = name[:200]
        return identity, False
    contact = Contact.objects.create(name=(name or "")[:200], phone=phone or "", created_at=now)
    identity = ContactIdentity.objects.create(
        contact=contact,
        channel=channel,
        external_id=external_id,
        display_name=(name or "")[:200],
        created_at=now,
    )
    return identity, True


def identity_window_extend(identity: ContactIdentity, anchor: datetime) -> None:
    """6.6.3.5: every inbound message opens or extends the 24-hour session; an older message
    processed late never moves the anchor back."""
    ContactIdentity.objects.filter(pk=identity.pk).update(
        last_inbound_at=Greatest(Coalesce("last_inbound_at", Value(anchor)), Value(anchor))
    )
    if identity.last_inbound_at is None or identity.last_inbound_at < anchor:
        identity.last_inbound_at = anchor
