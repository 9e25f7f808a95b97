"""The onboarding checklist of each client (REQ 6.7.1.1-6.7.1.7), ticked from what exists.

Each step is declared here; an evaluator that looks at the client's schema makes it checkable.
Steps whose app does not exist yet have no evaluator and show "not available yet" — never a tick
nobody earned. The app that owns the thing registers its evaluator in `AppConfig.ready()`:

    register_onboarding_check("teams", lambda tenant: StepResult.done(...) or StepResult.pending(...))

Evaluators run inside the client's schema (`schema_context`), so they query their own models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import schema_context, schema_exists

from tenants.models import Tenant


class StepState(StrEnum):
    DONE = "done"
    PENDING = "pending"
    NOT_AVAILABLE = "not_available"


@dataclass(frozen=True)
class StepResult:
    state: StepState
    detail: str = ""

    @classmethod
    def done(cls, detail: str = "") -> StepResult:
        return cls(StepState.DONE, detail)

    @classmethod
    def pending(cls, detail: str = "") -> StepResult:
        return cls(StepState.PENDING, detail)


Evaluator = Callable[[Tenant], StepResult]


NOT_AVAILABLE_YET = gettext_lazy("Ainda não disponível na plataforma.")


@dataclass(frozen=True)
class Step:
    key: str
    requirement: str
    label: str | Promise
    # Shown while no app checks this step: what is missing from the platform, said plainly.
    not_available: str | Promise = NOT_AVAILABLE_YET


STEPS: list[Step] = [
    Step("environment", "6.7.1.1", gettext_lazy("Ambiente criado e configurado")),
    Step("channels", "6.7.1.2", gettext_lazy("Canais de atendimento configurados")),
    Step("admin_accounts", "6.7.1.3", gettext_lazy("Contas de administradores e supervisores")),
    Step("teams", "6.7.1.4", gettext_lazy("Grupos de atendimento criados")),
    Step("agents", "6.7.1.5", gettext_lazy("Atendentes cadastrados")),
    Step(
        "flows",
        "6.7.1.6",
        gettext_lazy("Fluxo de atendimento para cada canal"),
        gettext_lazy(
            "Ainda não disponível na plataforma: não há fluxos automáticos (robô) por canal; "
            "cada conversa vai direto para a fila da equipe do canal."
        ),
    ),
    Step(
        "standard_messages",
        "6.7.1.7",
        gettext_lazy("Mensagens padrão de início e encerramento do atendimento"),
    ),
]
_EVALUATORS: dict[str, Evaluator] = {}


def register_onboarding_check(key: str, evaluator: Evaluator) -> None:
    if key not in {step.key for step in STEPS}:
        raise ValueError(f"unknown onboarding step {key!r}")
    _EVALUATORS[key] = evaluator


@dataclass(frozen=True)
class ChecklistItem:
    step: Step
    result: StepResult


def onboarding_checklist(tenant: Tenant) -> list[ChecklistItem]:
    items = []
    for step in STEPS:
        evaluator = _EVALUATORS.get(step.key)
        if evaluator is None:
            result = StepResult(StepState.NOT_AVAILABLE, str(step.not_available))
        elif not schema_exists(tenant.schema_name):
            result = StepResult.pending(_("O esquema do cliente não existe."))
        else:
            with schema_context(tenant.schema_name):
                result = evaluator(tenant)
        items.append(ChecklistItem(step, result))
    return items


# --- Evaluators for what exists today --------------------------------------------------------


def _environment(tenant: Tenant) -> StepResult:
    from tenants.schemas import missing_tables

    domain = tenant.domains.filter(is_primary=True).first()
    if domain is None:
        return StepResult.pending(_("Sem endereço de acesso."))
    missing = missing_tables(tenant.schema_name)
    if missing:
        return StepResult.pending(_("Faltam %(n)d tabelas no esquema.") % {"n": len(missing)})
    return StepResult.done(
        _("Esquema %(schema)s em %(domain)s.")
        % {"schema": tenant.schema_name, "domain": domain.domain}
    )


def _active_role_count(role: str) -> int:
    from accounts.models import User

    return User.objects.filter(is_active=True, groups__name=role).distinct().count()


def _admin_accounts(tenant: Tenant) -> StepResult:
    from accounts.roles import Role

    admins = _active_role_count(Role.ADMIN)
    supervisors = _active_role_count(Role.SUPERVISOR)
    detail = _("%(admins)d administrador(es), %(supervisors)d supervisor(es).") % {
        "admins": admins,
        "supervisors": supervisors,
    }
    if admins and supervisors:
        return StepResult.done(detail)
    return StepResult.pending(detail)


def _agents(tenant: Tenant) -> StepResult:
    from accounts.roles import Role

    agents = _active_role_count(Role.AGENT)
    detail = _("%(n)d atendente(s) ativo(s).") % {"n": agents}
    return StepResult.done(detail) if agents else StepResult.pending(detail)


def _register_builtin() -> None:
    register_onboarding_check("environment", _environment)
    register_onboarding_check("admin_accounts", _admin_accounts)
    register_onboarding_check("agents", _agents)


_register_builtin()
