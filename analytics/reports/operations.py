"""The reports of the operation (6.5.48.3-8, 11, 12) and of consumption, all read from
`events` (analytics/tables.py); 6.5.48.11 reads the internal chat (`chat.message`) and, as a
second report, the transfers and invitations between agents. TMA and TME are defined in docs/analytics.md:

- a *wait* (`conversation.wait`) runs from the event that put a conversation in a team's queue
  to the first event in another state; TME averages the waits that ended with an agent
  (state `assigned`), counted on the day they ended, in the team the conversation waited in;
- a *handling* (`conversation.handling`) runs while one agent owns the conversation; TMA
  averages handlings, counted on the day they ended, for the agent and the team they were for.

Every report filters by period (São Paulo days), channel and team where its rows have them
(6.5.48.2), and a supervisor reads only their teams (analytics/scoping.py).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from analytics.reports.base import (
    CHANNEL_FILTER,
    PERIOD,
    TEAM_FILTER,
    Dimension,
    IdFilter,
    Measure,
    Report,
    TextFilter,
)
from routing.models import TeamMembership

MESSAGE = "kind = 'message'"
OPENED = "kind = 'conversation.opened'"
CLOSED = "kind = 'conversation.closed'"
WAIT_ENDED_WITH_AGENT = "kind = 'conversation.wait' AND state = 'assigned'"
WAIT = "kind = 'conversation.wait'"
HANDLING = "kind = 'conversation.handling'"


def average_seconds(condition: str) -> str:
    """Average duration in whole seconds of the rows matching `condition`; NULL when none."""
    return (
        f"if(countIf({condition}) = 0, NULL, "
        f"toUInt64(round(avgIf(duration_ms, {condition}) / 1000)))"
    )


def total_seconds(condition: str) -> str:
    return f"toUInt64(round(sumIf(duration_ms, {condition}) / 1000))"


CHANNEL = Dimension(
    key="canal", label=_("Canal"), kind="text", expression="channel_id", labels="channel"
)
TEAM = Dimension(key="equipe", label=_("Equipe"), kind="text", expression="team_id", labels="team")
AGENT = Dimension(
    key="agente", label=_("Atendente"), kind="text", expression="agent_id", labels="agent"
)

MESSAGES = Measure(
    key="mensagens", label=_("Mensagens"), kind="int", expression=f"countIf({MESSAGE})"
)
CONVERSATIONS = Measure(
    key="atendimentos", label=_("Atendimentos"), kind="int", expression=f"countIf({OPENED})"
)
TMA = Measure(
    key="tma",
    label=_("TMA (tempo médio de atendimento)"),
    kind="duration",
    expression=average_seconds(HANDLING),
)
TME = Measure(
    key="tme",
    label=_("TME (tempo médio de espera)"),
    kind="duration",
    expression=average_seconds(WAIT_ENDED_WITH_AGENT),
)


class GlobalTotalsReport(Report):
    """6.5.48.3: messages (received, sent) and conversations (opened, closed)."""

    slug = "totais"
    requirement = "6.5.48.3"
    title = _("Totais globais")
    description = _(
        "Mensagens recebidas e enviadas e atendimentos abertos e encerrados, por dia ou mês "
        "no horário de Brasília."
    )
    capabilities = ("view_reports",)
    table = "events"
    where = f"({MESSAGE} OR {OPENED} OR {CLOSED})"
    scope_column = "team_id"
    dimensions = (PERIOD,)
    measures = (
        MESSAGES,
        Measure(
            key="recebidas",
            label=_("Recebidas"),
            kind="int",
            expression=f"countIf({MESSAGE} AND direction = 'in')",
        ),
        Measure(
            key="enviadas",
            label=_("Enviadas"),
            kind="int",
            expression=f"countIf({MESSAGE} AND direction = 'out')",
        ),
        CONVERSATIONS,
        Measure(
            key="encerrados", label=_("Encerrados"), kind="int", expression=f"countIf({CLOSED})"
        ),
    )
    filters = (CHANNEL_FILTER, TEAM_FILTER)


class ChannelTeamReport(Report):
    """6.5.48.4: per channel and team, messages, conversations, TMA and TME."""

    slug = "canais-equipes"
    requirement = "6.5.48.4"
    title = _("Por canal e equipe")
    description = _(
        "Mensagens, atendimentos, tempo médio de atendimento (TMA) e de espera (TME) por canal "
        "e equipe."
    )
    capabilities = ("view_reports",)
    table = "events"
    where = f"({MESSAGE} OR {OPENED} OR {WAIT} OR {HANDLING})"
    scope_column = "team_id"
    dimensions = (PERIOD, CHANNEL, TEAM)
    measures = (MESSAGES, CONVERSATIONS, TMA, TME)
    filters = (CHANNEL_FILTER, TEAM_FILTER)


class AgentReport(Report):
    """6.5.48.5: per agent, messages they sent, conversations they handled, and TMA."""

    slug = "atendentes"
    requirement = "6.5.48.5"
    title = _("Por atendente")
    description = _(
        "Mensagens enviadas, atendimentos realizados e tempo médio de atendimento (TMA) de "
        "cada atendente."
    )
    capabilities = ("view_reports",)
    table = "events"
    where = f"agent_id != 0 AND ({MESSAGE} OR {HANDLING})"
    scope_column = "agent_id"
    scope_kind = "agent"
    dimensions = (PERIOD, AGENT)
    measures = (
        Measure(
            key="mensagens",
            label=_("Mensagens enviadas"),
            kind="int",
            expression=f"countIf({MESSAGE})",
        ),
        Measure(
            key="atendimentos",
            label=_("Atendimentos"),
            kind="int",
            expression=f"uniqExactIf(conversation_id, {HANDLING})",
        ),
        TMA,
    )
    filters = (CHANNEL_FILTER, TEAM_FILTER)


class PauseReport(Report):
    """6.5.48.6: pauses per agent and reason, with their total and average length."""

    slug = "pausas"
    requirement = "6.5.48.6"
    title = _("Pausas por atendente")
    description = _(
        "Quantas pausas cada atendente fez, por motivo, com o tempo total e o tempo médio. "
        "Uma pausa conta no dia em que terminou."
    )
    capabilities = ("view_reports",)
    table = "events"
    where = "kind = 'agent.pause'"
    scope_column = "agent_id"
    scope_kind = "agent"
    dimensions = (
        PERIOD,
        AGENT,
        Dimension(key="motivo", label=_("Motivo"), kind="text", expression="reason"),
    )
    measures = (
        Measure(key="pausas", label=_("Pausas"), kind="int", expression="count()"),
        Measure(
            key="tempo_total",
            label=_("Tempo total"),
            kind="duration",
            expression="toUInt64(round(sum(duration_ms) / 1000))",
        ),
        Measure(
            key="tempo_medio",
            label=_("Tempo médio"),
            kind="duration",
            expression="if(count() = 0, NULL, toUInt64(round(avg(duration_ms) / 1000)))",
        ),
    )
    filters = (TextFilter(key="motivo", label=_("Motivo"), column="reason"),)


class DispositionReport(Report):
    """6.5.48.7: how conversations were closed (the disposition the agent chose)."""

    slug = "tabulacoes"
    requirement = "6.5.48.7"
    title = _("Tabulações de encerramento")
    description = _(
        "Atendimentos encerrados por tabulação, equipe e canal; encerramentos por inatividade "
        "aparecem sem tabulação."
    )
    capabilities = ("view_reports",)
    table = "events"
    where = CLOSED
    scope_column = "team_id"
    dimensions = (
        PERIOD,
        Dimension(key="tabulacao", label=_("Tabulação"), kind="text", expression="reason"),
        TEAM,
        CHANNEL,
    )
    measures = (
        Measure(key="encerrados", label=_("Encerrados"), kind="int", expression="count()"),
        Measure(
            key="inatividade",
            label=_("Por inatividade"),
            kind="int",
            expression="countIf(event = 'timed_out')",
        ),
    )
    filters = (CHANNEL_FILTER, TEAM_FILTER)


class ProtocolReport(Report):
    """6.5.48.8: one row per conversation (protocol) with what happened in the period."""

    slug = "protocolos"
    requirement = "6.5.48.8"
    title = _("Por protocolo")
    description = _(
        "Cada atendimento pelo protocolo: contato, canal, abertura, mensagens, tempo de "
        "espera e de atendimento, tabulação e nota. Contatos aparecem mascarados para quem "
        "não pode ver dados pessoais."
    )
    capabilities = ("view_reports",)
    table = "events"
    where = (
        f"conversation_id != 0 AND ({MESSAGE} OR {OPENED} OR {WAIT} OR {HANDLING} "
        f"OR {CLOSED} OR kind = 'csat')"
    )
    scope_column = "team_id"
    dimensions = (
        Dimension(key="protocolo", label=_("Protocolo"), kind="text", expression="protocol"),
        Dimension(
            key="contato",
            label=_("Contato"),
            kind="text",
            expression="contact_id",
            labels="contact",
        ),
        CHANNEL,
    )
    measures = (
        Measure(
            key="abertura",
            label=_("Aberto em"),
            kind="text",
            expression=(
                f"if(countIf({OPENED}) = 0, '', formatDateTime(toTimeZone(minIf(occurred_at, "
                f"{OPENED}), 'America/Sao_Paulo'), '%d/%m/%Y %H:%i'))"
            ),
        ),
        MESSAGES,
        Measure(
            key="espera",
            label=_("Tempo de espera"),
            kind="duration",
            expression=total_seconds(WAIT),
        ),
        Measure(
            key="atendimento",
            label=_("Tempo de atendimento"),
            kind="duration",
            expression=total_seconds(HANDLING),
        ),
        Measure(
            key="tabulacao",
            label=_("Tabulação"),
            kind="text",
            expression=f"anyIf(reason, {CLOSED})",
        ),
        Measure(
            key="nota",
            label=_("Nota"),
            kind="decimal",
            expression="if(countIf(kind = 'csat') = 0, NULL, maxIf(score, kind = 'csat'))",
        ),
    )
    filters = (
        TextFilter(key="protocolo", label=_("Protocolo"), column="protocol"),
        CHANNEL_FILTER,
        TEAM_FILTER,
    )


CHAT = "kind = 'chat.message'"
# A pair of people, whoever wrote: the one created first, then the other.
PAIR_FIRST = "least(from_agent_id, agent_id)"
PAIR_SECOND = "greatest(from_agent_id, agent_id)"


class BetweenAgentsReport(Report):
    """6.5.48.11: the internal chat between agents (6.5.58.10), per pair of people: how many
    threads and messages they exchanged. A thread is the messages of a pair without a silence
    longer than 30 minutes (analytics/sources.py CHAT_THREAD_GAP); it counts in every day it
    has a message in, and once in the totals. The text of the messages is never exported."""

    slug = "entre-agentes"
    requirement = "6.5.48.11"
    title = _("Conversas entre atendentes")
    description = _(
        "Conversas pelo chat interno entre dois atendentes (ou outros usuários): quantas "
        "conversas e mensagens cada par trocou. Uma conversa reúne as mensagens dos dois sem "
        "intervalo maior que 30 minutos. O texto das mensagens não entra no relatório."
    )
    capabilities = ("view_reports",)
    table = "events"
    where = CHAT
    scope_column = "agent_id"
    scope_kind = "agent"
    # A supervisor sees the pairs in which at least one is an agent of their teams.
    scope_columns = ("from_agent_id", "agent_id")
    dimensions = (
        PERIOD,
        Dimension(
            key="atendente",
            label=_("Atendente"),
            kind="text",
            expression=PAIR_FIRST,
            labels="agent",
        ),
        Dimension(key="com", label=_("Com"), kind="text", expression=PAIR_SECOND, labels="agent"),
    )
    measures = (
        Measure(
            key="conversas",
            label=_("Conversas"),
            kind="int",
            expression="uniqExact(attributes['thread'])",
        ),
        Measure(key="mensagens", label=_("Mensagens"), kind="int", expression="count()"),
    )
    filters = (
        # Pairs in which one of the two is a member of the team, or is this person.
        IdFilter(key="equipe", label=_("Equipe"), column="", labels="team"),
        IdFilter(key="atendente", label=_("Atendente"), column="", labels="agent"),
    )

    def _filter_condition(
        self, item: TextFilter | IdFilter, value: str, parameters: dict[str, Any]
    ) -> str:
        name = f"filter_{item.key}"
        if item.key == "equipe":
            members = TeamMembership.objects.filter(team_id=int(value) if value.isdigit() else 0)
            parameters[name] = sorted(members.values_list("user_id", flat=True))
            return f"(from_agent_id IN {{{name}:Array(UInt64)}} OR agent_id IN {{{name}:Array(UInt64)}})"
        parameters[name] = int(value) if value.isdigit() else 0
        return f"(from_agent_id = {{{name}:UInt64}} OR agent_id = {{{name}:UInt64}})"


class TransfersBetweenAgentsReport(Report):
    """6.5.48.11, second part: conversations with citizens passed from one agent to another
    (transfers) or shared with another (invitations)."""

    slug = "entre-agentes-transferencias"
    requirement = "6.5.48.11"
    title = _("Transferências e convites entre atendentes")
    description = _(
        "Atendimentos transferidos de um atendente para outro e convites para participar, "
        "por quem passou e quem recebeu."
    )
    capabilities = ("view_reports",)
    table = "events"
    where = (
        "from_agent_id != 0 AND agent_id != 0 AND from_agent_id != agent_id "
        "AND (kind = 'conversation.transferred' OR event = 'invited')"
    )
    scope_column = "team_id"
    dimensions = (
        PERIOD,
        Dimension(key="de", label=_("De"), kind="text", expression="from_agent_id", labels="agent"),
        Dimension(key="para", label=_("Para"), kind="text", expression="agent_id", labels="agent"),
        Dimension(
            key="tipo",
            label=_("Tipo"),
            kind="text",
            expression="event",
            values=(("transferred", _("Transferência")), ("invited", _("Convite"))),
        ),
    )
    measures = (
        Measure(key="vezes", label=_("Vezes"), kind="int", expression="count()"),
        Measure(
            key="atendimentos",
            label=_("Atendimentos"),
            kind="int",
            expression="uniqExact(conversation_id)",
        ),
    )
    filters = (CHANNEL_FILTER, TEAM_FILTER)


class SatisfactionReport(Report):
    """6.5.48.12: the ratings citizens gave (1 to 5), per agent, team and channel."""

    slug = "satisfacao"
    requirement = "6.5.48.12"
    title = _("Notas de atendimento")
    description = _(
        "Respostas à pesquisa de satisfação (1 a 5), nota média e respostas satisfeitas (4 ou "
        "5), por atendente avaliado, equipe e canal."
    )
    capabilities = ("view_reports",)
    table = "events"
    where = "kind = 'csat'"
    scope_column = "team_id"
    dimensions = (PERIOD, AGENT, TEAM, CHANNEL)
    measures = (
        Measure(key="respostas", label=_("Respostas"), kind="int", expression="count()"),
        Measure(
            key="nota_media",
            label=_("Nota média"),
            kind="decimal",
            expression="if(count() = 0, NULL, toDecimal64(avg(score), 2))",
        ),
        Measure(
            key="satisfeitos",
            label=_("Satisfeitos (4 ou 5)"),
            kind="int",
            expression="countIf(score >= 4)",
        ),
    )
    filters = (CHANNEL_FILTER, TEAM_FILTER)


class ConsumptionReport(Report):
    """Messages as the billing ledger meters them (6.6.3): by kind, direction, origin and
    agent. Its figures equal the consumption page's (a test says so)."""

    slug = "consumo"
    requirement = "6.6.3"
    title = _("Consumo de mensagens")
    description = _(
        "Mensagens tarifadas por tipo (sessão ou modelo), direção, origem e atendente, como na "
        "bilhetagem."
    )
    # Like the consumption page: who may see what the contract bills.
    capabilities = ("view_billing",)
    table = "events"
    where = "kind = 'usage'"
    dimensions = (
        PERIOD,
        Dimension(
            key="tipo",
            label=_("Tipo"),
            kind="text",
            expression="billing_kind",
            values=(("session", _("Sessão")), ("template", _("Modelo"))),
        ),
        Dimension(
            key="direcao",
            label=_("Direção"),
            kind="text",
            expression="direction",
            values=(("in", _("Recebida")), ("out", _("Enviada"))),
        ),
        Dimension(key="origem", label=_("Origem"), kind="text", expression="origin"),
        AGENT,
    )
    measures = (
        Measure(key="mensagens", label=_("Mensagens"), kind="int", expression="sum(quantity)"),
    )
