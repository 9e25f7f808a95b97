"""What a tenant admin configures per team (grupo de atendimento, 6.5.37) and who may join it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OffHoursAction(models.TextChoices):
    """6.5.35: what happens to a conversation that arrives outside the team's hours."""

    MESSAGE_KEEP = "message_keep", _("Enviar a mensagem e manter na fila")
    MESSAGE_CLOSE = "message_close", _("Enviar a mensagem e encerrar")
    TEAM = "team", _("Encaminhar para outra equipe")


class OverflowAction(models.TextChoices):
    """6.5.37.2: what happens when no agent of the team is available."""

    NONE = "none", _("Aguardar na fila")
    TEAM = "team", _("Transbordar para outra equipe")
    MESSAGE = "message", _("Enviar mensagem e aguardar na fila")


class QueueNotice(models.TextChoices):
    OFF = "off", _("Não informar")
    POSITION = "position", _("Informar a posição na fila")
    ESTIMATE = "estimate", _("Informar a posição e o tempo estimado")


class TeamSettings(models.Model):
    """Routing settings of one desk team; a team without a row uses these defaults.

    Messages may use `{protocolo}`, `{equipe}`, `{agente}`, `{posicao}` and `{minutos}`.
    """

    team = models.OneToOneField(
        "desk.Team", on_delete=models.CASCADE, primary_key=True, related_name="routing_settings"
    )
    description = models.CharField(_("descrição"), max_length=255, blank=True, default="")
    # 6.5.23.14: empty means every channel.
    channels = models.ManyToManyField(
        "channels.Channel",
        verbose_name=_("canais atendidos"),
        blank=True,
        related_name="serving_teams",
        help_text=_("Vazio: a equipe atende todos os canais."),
    )
    business_hours = models.ForeignKey(
        "routing.BusinessHoursGroup",
        verbose_name=_("grupo de horários"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams",
        help_text=_("Vazio: a equipe atende 24 horas por dia."),
    )
    off_hours_action = models.CharField(
        _("fora do expediente"),
        max_length=16,
        choices=OffHoursAction.choices,
        default=OffHoursAction.MESSAGE_KEEP,
    )
    off_hours_team = models.ForeignKey(
        "desk.Team",
        verbose_name=_("equipe fora do expediente"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    overflow_action = models.CharField(
        _("sem atendente disponível"),
        max_length=8,
        choices=OverflowAction.choices,
        default=OverflowAction.NONE,
    )
    overflow_team = models.ForeignKey(
        "desk.Team",
        verbose_name=_("equipe de transbordo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    overflow_message = models.TextField(
        _("mensagem sem atendente disponível"),
        blank=True,
        default=_(
            "No momento não há atendentes disponíveis. Sua mensagem está na fila e será "
            "respondida assim que possível."
        ),
    )
    inactivity_timeout_minutes = models.PositiveIntegerField(
        _("encerrar por inatividade após (minutos)"),
        null=True,
        blank=True,
        help_text=_("Vazio: não encerrar por inatividade."),
    )
    inactivity_message = models.TextField(
        _("mensagem de encerramento por inatividade"),
        blank=True,
        default=_(
            "Como não recebemos resposta, este atendimento foi encerrado por inatividade. "
            "Protocolo: {protocolo}. Se precisar, é só mandar uma nova mensagem."
        ),
    )
    closing_message = models.TextField(
        _("mensagem de encerramento"),
        blank=True,
        default=_("Atendimento encerrado. Protocolo: {protocolo}. Obrigado pelo contato!"),
    )
    announce_agent = models.BooleanField(
        _("informar ao cidadão o nome do atendente que assume"), default=True
    )
    announce_message = models.TextField(
        _("mensagem ao assumir"),
        blank=True,
        default=_("Olá! Meu nome é {agente} e vou continuar o seu atendimento."),
    )
    agent_name_on_messages = models.BooleanField(
        _("mostrar o nome do atendente nas mensagens"), default=True
    )
    queue_notice = models.CharField(
        _("aviso de fila"), max_length=8, choices=QueueNotice.choices, default=QueueNotice.OFF
    )
    queue_notice_message = models.TextField(
        _("mensagem de fila"),
        blank=True,
        default=_("Você está na posição {posicao} da fila de atendimento."),
    )
    queue_estimate_message = models.TextField(
        _("mensagem de fila com estimativa"),
        blank=True,
        default=_(
            "Você está na posição {posicao} da fila. Tempo estimado de espera: {minutos} minutos."
        ),
    )
    average_handling_minutes = models.PositiveIntegerField(
        _("tempo médio de atendimento para a estimativa (minutos)"),
        default=5,
        help_text=_("Usado enquanto a equipe não tem atendimentos encerrados para medir."),
    )
    disposition_required = models.BooleanField(_("exigir tabulação ao encerrar"), default=False)
    survey_enabled = models.BooleanField(_("enviar pesquisa de satisfação"), default=False)
    survey_message = models.TextField(
        _("pergunta da pesquisa"),
        blank=True,
        default=_(
            "Como você avalia o atendimento de {agente}? Responda com uma nota de 1 (péssimo) "
            "a 5 (ótimo)."
        ),
    )
    survey_expiry_minutes = models.PositiveIntegerField(
        _("prazo para responder a pesquisa (minutos)"), default=1440
    )
    updated_at = models.DateTimeField(_("atualizado em"), auto_now=True)

    class Meta:
        verbose_name = _("configuração da equipe")
        verbose_name_plural = _("configurações das equipes")

    def __str__(self) -> str:
        return f"settings of team {self.team_id}"


class TeamMembership(models.Model):
    """6.5.37.6: the agents allowed to join a team, and whether each is logged into it now."""

    team = models.ForeignKey("desk.Team", on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    is_logged_in = models.BooleanField(_("conectado"), default=False)
    logged_in_at = models.DateTimeField(_("conectado em"), null=True, blank=True)
    created_at = models.DateTimeField(_("incluído em"), auto_now_add=True)

    class Meta:
        verbose_name = _("membro da equipe")
        verbose_name_plural = _("membros das equipes")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_membership_once")
        ]
        indexes = [models.Index(fields=["team", "is_logged_in"], name="membership_logged_in")]

    def __str__(self) -> str:
        return f"team {self.team_id} user {self.user_id}"
