"""The satisfaction survey sent at close (6.5.32): one per conversation, rating one agent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SurveyStatus(models.TextChoices):
    PENDING = "pending", _("Aguardando resposta")
    ANSWERED = "answered", _("Respondida")
    EXPIRED = "expired", _("Expirada")
    CANCELLED = "cancelled", _("Cancelada")


class SurveyRequest(models.Model):
    conversation = models.OneToOneField(
        "desk.Conversation", on_delete=models.CASCADE, related_name="survey"
    )
    # The agent who closed the conversation, or the last one who served it: after a transfer,
    # the agent the citizen was talking to at the end.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surveys"
    )
    team_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        _("situação"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.PENDING
    )
    score = models.PositiveSmallIntegerField(_("nota"), null=True, blank=True)
    sent_at = models.DateTimeField(_("enviada em"))
    expires_at = models.DateTimeField(_("expira em"))
    answered_at = models.DateTimeField(_("respondida em"), null=True, blank=True)

    class Meta:
        verbose_name = _("pesquisa de satisfação")
        verbose_name_plural = _("pesquisas de satisfação")
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="survey_score_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(score__isnull=False),
                name="survey_answered_has_score",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"], name="survey_pending_due", condition=Q(status="pending")
            ),
            models.Index(fields=["agent", "answered_at"], name="survey_agent"),
        ]

    def __str__(self) -> str:
        return f"survey of conversation {self.conversation_id}"
