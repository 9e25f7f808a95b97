"""Routes of the channels app that need no audit record, with the reason (security/route_audit.py).

The audit log (6.2.18, 6.5.23.15) records what staff and API tokens change. These routes are
called by providers, by anonymous citizens in the WebChat widget, or by the provider simulator
acting as one of them; what they bring is kept as data of its own: the raw event in the inbox
(unique key, body, headers, remote IP), the message in its conversation.
"""

from __future__ import annotations

_PROVIDER = (
    "chamada do provedor (webhook): o evento bruto fica na caixa de entrada com chave única, "
    "corpo, cabeçalhos e IP; não é alteração feita por pessoa da equipe ou token"
)
_VISITOR = (
    "visitante anônimo do WebChat (cidadão): o que envia vira mensagem da conversa; não é "
    "alteração feita por pessoa da equipe ou token"
)
_SIMULATOR = (
    "simulador de provedor: age como o cidadão ou o provedor, pelo mesmo caminho público do "
    "webhook; o que chega fica registrado como evento e mensagem, como chegaria do provedor"
)

EXEMPT: dict[str, str] = {
    "public:intake:telegram": _PROVIDER,
    "public:intake:webchat": _VISITOR,
    "public:intake:whatsapp": _PROVIDER,
    "public:sandbox:provider_api": _SIMULATOR,
    "tenant:webchat:config": _VISITOR,
    "tenant:webchat:conversation": _VISITOR,
    "tenant:webchat:events": _VISITOR,
    "tenant:webchat:messages": _VISITOR,
    "tenant:webchat:token": _VISITOR,
    "tenant:webchat:upload": _VISITOR,
    "tenant:channels:simulator_citizen": _SIMULATOR,
    "tenant:channels:simulator_failure": _SIMULATOR,
    "tenant:channels:simulator_send": _SIMULATOR,
}
