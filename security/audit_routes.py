"""Routes of the foundation (accounts, the URL confs' own) and of the security app that change
nothing worth an audit record, with the reason. Other apps keep theirs in their own
`audit_routes.py` (`EXEMPT`, and `NOT_YET_COVERED` for routes that predate the check); see
security/route_audit.py."""

from __future__ import annotations

_SIGN_IN = "autenticação: registrada no log de acessos (6.2.17), não é alteração de dados"
_READ_ONLY = "somente leitura (a view não trata POST); decore-a com require_safe"
_NO_ROLE_ON_CONTROL_PLANE = (
    "no host do provedor nenhum papel tem esta capacidade: a rota sempre responde 403"
)

EXEMPT: dict[str, str] = {
    "public:home": "redireciona para a lista de clientes; não altera nada",
    "public:login": _SIGN_IN,
    "public:accounts:login": _SIGN_IN,
    "tenant:accounts:login": _SIGN_IN,
    "public:accounts:logout": _SIGN_IN,
    "tenant:accounts:logout": _SIGN_IN,
    "public:account_security:two_factor_verify": _SIGN_IN,
    "tenant:account_security:two_factor_verify": _SIGN_IN,
    "tenant:home": _READ_ONLY,
    "tenant:accounts:user_list": _READ_ONLY,
    "public:accounts:user_list": _READ_ONLY,
    "public:accounts:user_invite": _NO_ROLE_ON_CONTROL_PLANE,
    "public:accounts:user_edit": _NO_ROLE_ON_CONTROL_PLANE,
    "public:accounts:user_invite_resend": _NO_ROLE_ON_CONTROL_PLANE,
    "public:accounts:api_tokens": _NO_ROLE_ON_CONTROL_PLANE,
    "public:accounts:api_token_revoke": _NO_ROLE_ON_CONTROL_PLANE,
}

# Routes of other apps that existed when the check arrived, each waiting for its owner to add an
# `@audits_route` test or an exemption in that app's audit_routes.py. The coverage test fails
# when one of them is resolved and still listed, so this list only shrinks; regenerate it with
# `manage.py audit_routes --pending`.
NOT_YET_COVERED: dict[str, str] = {}
