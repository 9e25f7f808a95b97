"""Names for the ids reports group by, read from the tenant's PostgreSQL schema (ClickHouse
keeps ids only: names change, and a citizen's name or phone is personal data).

Contacts are shown by name and phone to users who may see personal data, and by the masked
phone only to everyone else (security.masking, 6.5.23.10)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import User
from channels.models import Channel
from desk.models import Contact, Team
from security.masking import can_see_sensitive, mask_text


def _contacts(ids: list[int], viewer: Any) -> dict[int, str]:
    sensitive = viewer is not None and can_see_sensitive(viewer)
    result: dict[int, str] = {}
    for pk, name, phone, email in Contact.objects.filter(pk__in=ids).values_list(
        "pk", "name", "phone", "email"
    ):
        reach = phone or email
        if sensitive:
            result[pk] = f"{name} ({reach})" if name and reach else name or reach
        else:
            result[pk] = str(mask_text(reach, viewer)) if reach else _("Contato ocultado")
    return result


def labels_for(kind: str, ids: Iterable[int], *, viewer: Any = None) -> dict[int, str]:
    """{id: name} for agents, teams, channels or contacts; 0 (none) gets a word of its own."""
    wanted = sorted({int(pk) for pk in ids if int(pk)})
    if kind == "agent":
        names = dict(User.objects.filter(pk__in=wanted).values_list("pk", "full_name"))
        names[0] = _("Robô ou sistema")
    elif kind == "team":
        names = dict(Team.objects.filter(pk__in=wanted).values_list("pk", "name"))
        names[0] = _("Sem equipe")
    elif kind == "channel":
        names = dict(Channel.objects.filter(pk__in=wanted).values_list("pk", "name"))
        names[0] = _("Sem canal")
    elif kind == "contact":
        names = _contacts(wanted, viewer)
        names[0] = ""
    else:
        raise ValueError(f"unknown label kind {kind!r}")
    missing = _("(removido)")
    return {pk: names.get(pk, f"{missing} #{pk}") for pk in {0, *wanted}}


def choices_for(kind: str, allowed: frozenset[int] | None = None) -> list[tuple[str, str]]:
    """The options of a channel, team or agent filter (a supervisor's teams, or the agents of
    those teams, only)."""
    if kind == "channel":
        return [
            (str(pk), name)
            for pk, name in Channel.objects.order_by("name").values_list("pk", "name")
        ]
    if kind == "team":
        teams = Team.objects.order_by("name")
        if allowed is not None:
            teams = teams.filter(pk__in=allowed)
        return [(str(pk), name) for pk, name in teams.values_list("pk", "name")]
    if kind == "agent":
        people = User.objects.order_by("full_name", "pk")
        if allowed is not None:
            people = people.filter(pk__in=allowed)
        return [(str(pk), name) for pk, name in people.values_list("pk", "full_name")]
    raise ValueError(f"unknown choice kind {kind!r}")
