"""The channels step of the onboarding checklist (REQ 6.7.1.2), checked in the client's schema.

Done once the client has at least one active production channel: a sandbox channel talks to the
provider simulator only, so it shows that setup has started but serves no citizen.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from channels.models import Channel, ChannelMode, ChannelType
from controlplane.onboarding import StepResult, register_onboarding_check
from tenants.models import Tenant


def channels_configured(tenant: Tenant) -> StepResult:
    active = Channel.objects.filter(is_active=True)
    live = list(active.filter(mode=ChannelMode.LIVE).values_list("type", flat=True))
    sandbox = active.filter(mode=ChannelMode.SANDBOX).count()
    by_type = ", ".join(
        f"{label}: {live.count(value)}" for value, label in ChannelType.choices if value in live
    )
    if live:
        detail = _("Em produção — %(types)s.") % {"types": by_type}
        if sandbox:
            detail += " " + _("%(n)d de teste.") % {"n": sandbox}
        return StepResult.done(detail)
    if sandbox:
        return StepResult.pending(
            _("Só canais de teste (%(n)d), nenhum em produção.") % {"n": sandbox}
        )
    return StepResult.pending(_("Nenhum canal ativo."))


def register() -> None:
    register_onboarding_check("channels", channels_configured)
