"""Reads of the contacts screens: who sees which contacts (6.5.37.9), search by name or phone
(6.5.58.18), filter by channel (6.5.38), and the consent of each contact per channel (6.5.40).

Among agents, a contact imported for a team's exclusive service is seen only by that team's
members (routing's `TeamMembership`); a contact of no team is seen by every agent.
Supervisors and administrators see every contact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from channels.models import Channel
from core.permissions import has_capability
from core.validators import only_digits
from desk.models import Contact, ContactIdentity, ContactTeamAccess, Team
from privacy.models import ConsentState

MIN_PHONE_DIGITS = 4


def sees_every_contact(user: Any) -> bool:
    return has_capability(user, "supervise") or has_capability(user, "manage_settings")


def may_list_contacts(user: Any) -> bool:
    return sees_every_contact(user) or has_capability(user, "serve")


def may_export_contacts(user: Any) -> bool:
    return sees_every_contact(user)


def contacts_visible(user: Any) -> QuerySet[Contact]:
    contacts = Contact.objects.all()
    if sees_every_contact(user):
        return contacts
    if not has_capability(user, "serve"):
        return contacts.none()
    exclusive = ContactTeamAccess.objects.filter(contact=OuterRef("pk"))
    mine = exclusive.filter(team__memberships__user_id=user.pk)
    return contacts.filter(~Exists(exclusive) | Exists(mine))


def contact_list(
    *,
    user: Any,
    query: str = "",
    channel: Channel | None = None,
    team: Team | None = None,
) -> QuerySet[Contact]:
    """The contacts `user` may see, matching the name or phone typed in `query`, present on
    `channel` (an identity there, or a consent recorded for it), exclusive to `team`."""
    contacts = contacts_visible(user)
    query = (query or "").strip()
    if query:
        condition = Q(name__icontains=query)
        digits = only_digits(query)
        if len(digits) >= MIN_PHONE_DIGITS:
            condition |= Q(phone__contains=digits)
        contacts = contacts.filter(condition)
    if channel is not None:
        contacts = contacts.filter(
            Exists(ContactIdentity.objects.filter(contact=OuterRef("pk"), channel=channel))
            | Exists(ConsentState.objects.filter(contact=OuterRef("pk"), channel=channel))
        )
    if team is not None:
        contacts = contacts.filter(
            Exists(ContactTeamAccess.objects.filter(contact=OuterRef("pk"), team=team))
        )
    return contacts.select_related("personal_data").order_by("name", "id")


@dataclass(frozen=True)
class ChannelConsent:
    channel: Channel
    status: str | None  # None: never asked, allowed

    @property
    def allows(self) -> bool:
        return self.status != "opt_out"


@dataclass(frozen=True)
class ContactRow:
    contact: Contact
    cpf: str
    consents: list[ChannelConsent]
    teams: list[Team]


def contact_rows(contacts: Iterable[Contact]) -> list[ContactRow]:
    """Each contact with its CPF, its consent on every channel it is on, and its exclusive
    teams, in four queries whatever the number of contacts."""
    contacts = list(contacts)
    ids = [contact.pk for contact in contacts]
    channels_of: dict[int, dict[int, Channel]] = {pk: {} for pk in ids}
    for identity in ContactIdentity.objects.filter(contact_id__in=ids).select_related("channel"):
        channels_of[identity.contact_id][identity.channel_id] = identity.channel
    status_of: dict[tuple[int, int], str] = {}
    for state in ConsentState.objects.filter(contact_id__in=ids).select_related("channel"):
        channels_of[state.contact_id].setdefault(state.channel_id, state.channel)
        status_of[(state.contact_id, state.channel_id)] = state.status
    teams_of: dict[int, list[Team]] = {pk: [] for pk in ids}
    for access in ContactTeamAccess.objects.filter(contact_id__in=ids).select_related("team"):
        teams_of[access.contact_id].append(access.team)
    rows: list[ContactRow] = []
    for contact in contacts:
        personal = getattr(contact, "personal_data", None)
        consents = [
            ChannelConsent(channel=channel, status=status_of.get((contact.pk, channel.pk)))
            for channel in sorted(channels_of[contact.pk].values(), key=lambda c: (c.name, c.pk))
        ]
        rows.append(
            ContactRow(
                contact=contact,
                cpf=personal.cpf if personal is not None else "",
                consents=consents,
                teams=sorted(teams_of[contact.pk], key=lambda team: team.name),
            )
        )
    return rows


def contact_consents_all_channels(contact: Contact) -> list[ChannelConsent]:
    """The contact's consent on every channel of the tenant, for the admin to change."""
    status_of = dict(
        ConsentState.objects.filter(contact=contact).values_list("channel_id", "status")
    )
    return [
        ChannelConsent(channel=channel, status=status_of.get(channel.pk))
        for channel in Channel.objects.order_by("name", "id")
    ]
