from __future__ import annotations

from datetime import datetime

from django.db import connection

from channels.models import Channel
from desk.models import Contact, ContactIdentity


def _identity_extended(
    channel_id: int, external_id: str, anchor: datetime
) -> ContactIdentity | None:
    """The identity (with its contact) whose window was just extended to `anchor`: one
    UPDATE ... FROM ... RETURNING instead of a SELECT and an UPDATE."""
    quote = connection.ops.quote_name
    identity_fields = ContactIdentity._meta.concrete_fields
    contact_fields = Contact._meta.concrete_fields
    identities = quote(ContactIdentity._meta.db_table)
    contacts = quote(Contact._meta.db_table)
    returned = ", ".join(
        [f"i.{quote(str(field.column))}" for field in identity_fields]
        + [f"c.{quote(str(field.column))}" for field in contact_fields]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {identities} AS i"  # noqa: S608 - names from the models, values bound
            " SET last_inbound_at = GREATEST(COALESCE(i.last_inbound_at, %s), %s)"
            f" FROM {contacts} AS c"
            " WHERE c.id = i.contact_id AND i.channel_id = %s AND i.external_id = %s"
            f" RETURNING {returned}",
            [anchor, anchor, channel_id, external_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(identity_fields)
    identity = ContactIdentity.from_db(
        connection.alias, [field.attname for field in identity_fields], row[:split]
    )
    identity.contact = Contact.from_db(
        connection.alias, [field.attname for field in contact_fields], row[split:]
    )
    return identity


def identity_for_inbound(
    *,
    channel: Channel,
    external_id: str,
    name: str | None,
    phone: str | None,
    now: datetime,
    last_inbound_at: datetime | None = None,
) -> tuple[ContactIdentity, bool]:
    """The sender's identity on this channel, creating the contact on first contact.

    `last_inbound_at`: the session-window anchor of this message (6.6.3.5: every inbound
    message opens or extends the 24-hour session). A new identity is created with it; an
    existing one comes back with its window extended to it, in the statement that finds it,
    and never moved back by an older message processed late.

    The caller holds `locks.lock_sender(channel, external_id)`, so the look-up and the creation
    cannot interleave with another transaction's for the same sender; the unique constraint on
    (channel, external_id) backs that up.
    """
    if last_inbound_at is None:
        identity = (
            ContactIdentity.objects.select_related("contact")
            .filter(channel=channel, external_id=external_id)
            .first()
        )
    else:
        identity = _identity_extended(channel.pk, external_id, last_inbound_at)
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
        last_inbound_at=last_inbound_at,
        created_at=now,
    )
    return identity, True
