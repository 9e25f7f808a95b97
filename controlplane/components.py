"""What the status page and the SLA report measure: the platform's components.

A registry, so an app that adds a capability (a new channel, say) registers its component in its
`AppConfig.ready()` instead of editing this list. `critical` components make up "the platform"
whose availability the contract promises (REQ 6.2.2): a citizen cannot be served while any of them
is down. Reports are not critical: they can be produced again later without loss.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Component:
    key: str
    name: str | Promise
    description: str | Promise
    critical: bool = True
    order: int = 100


_COMPONENTS: dict[str, Component] = {}


def register_component(component: Component, *, replace: bool = False) -> None:
    if component.key in _COMPONENTS and not replace:
        raise ValueError(f"component {component.key!r} is already registered")
    _COMPONENTS[component.key] = component


def components() -> list[Component]:
    return sorted(_COMPONENTS.values(), key=lambda component: (component.order, component.key))


def component_keys() -> list[str]:
    return [component.key for component in components()]


def component_get(key: str) -> Component | None:
    return _COMPONENTS.get(key)


def component_name(key: str) -> str:
    component = _COMPONENTS.get(key)
    return str(component.name) if component else key


def critical_component_keys() -> list[str]:
    return [component.key for component in components() if component.critical]


WEB = "web"
API = "api"
INTAKE = "intake"
REPORTS = "reports"
CHANNEL_PREFIX = "channel."

# The channels the contract names (DESIGN.md), each with its own delivery component.
CHANNELS: list[tuple[str, str]] = [
    ("whatsapp", "WhatsApp"),
    ("telegram", "Telegram"),
    ("webchat", "WebChat"),
    ("instagram", "Instagram"),
    ("messenger", "Messenger"),
    ("teams", "Microsoft Teams"),
    ("google_chat", "Google Chat"),
    ("email", "E-mail"),
    ("sms", "SMS"),
]


def channel_component_keys() -> list[str]:
    return [key for key in component_keys() if key.startswith(CHANNEL_PREFIX)]


def _register_builtin() -> None:
    register_component(
        Component(
            WEB,
            _("Console web"),
            _("Telas de atendimento, supervisão e administração no navegador."),
            order=10,
        )
    )
    register_component(
        Component(API, _("API REST"), _("Integração com sistemas externos."), order=20)
    )
    register_component(
        Component(
            INTAKE,
            _("Recebimento de mensagens"),
            _("Webhooks dos provedores de canal: mensagens dos cidadãos chegando à plataforma."),
            order=30,
        )
    )
    for position, (slug, label) in enumerate(CHANNELS):
        register_component(
            Component(
                f"{CHANNEL_PREFIX}{slug}",
                format_lazy(_("Entrega — {channel}"), channel=label),
                format_lazy(
                    _("Envio de mensagens aos cidadãos pelo canal {channel}."), channel=label
                ),
                order=40 + position,
            )
        )
    register_component(
        Component(
            REPORTS,
            _("Relatórios"),
            _("Painéis e relatórios de consumo e desempenho."),
            critical=False,
            order=90,
        )
    )


_register_builtin()
