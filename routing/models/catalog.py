"""Lists a tenant admin keeps: dispositions (6.5.29), canned replies per team (6.5.37.1), and
the words that never start a flow (6.5.54) or may not be sent by an agent (6.5.55)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Disposition(models.Model):
    """A tabulação: why a conversation ended (segunda via de IPTU, denúncia, …)."""

    name = models.CharField(_("nome"), max_length=120, unique=True)
    # Empty: offered in every team.
    teams = models.ManyToManyField(
        "desk.Team", verbose_name=_("equipes"), blank=True, related_name="dispositions"
    )
    is_active = models.BooleanField(_("ativa"), default=True)
    created_at = models.DateTimeField(_("criada em"), auto_now_add=True)

    class Meta:
        verbose_name = _("tabulação")
        verbose_name_plural = _("tabulações")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CannedReply(models.Model):
    """A predefined message an agent inserts instead of typing it again (6.5.37.1)."""

    team = models.ForeignKey(
        "desk.Team",
        verbose_name=_("equipe"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        help_text=_("Vazio: disponível em todas as equipes."),
    )
    shortcut = models.SlugField(_("atalho"), max_length=40, allow_unicode=True)
    title = models.CharField(_("título"), max_length=120)
    text = models.TextField(_("texto"))
    is_active = models.BooleanField(_("ativa"), default=True)
    created_at = models.DateTimeField(_("criada em"), auto_now_add=True)

    class Meta:
        verbose_name = _("mensagem pré-definida")
        verbose_name_plural = _("mensagens pré-definidas")
        ordering = ["shortcut"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "shortcut"],
                name="canned_reply_shortcut_per_team",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class WordKind(models.TextChoices):
    START_STOP = "start_stop", _("Não inicia atendimento")
    BLOCKED = "blocked", _("Proibida para atendentes")


class RestrictedWord(models.Model):
    """One word or phrase of a list; `normalized` (lower case, no accents, single spaces) is
    what is compared."""

    kind = models.CharField(_("lista"), max_length=10, choices=WordKind.choices)
    term = models.CharField(_("palavra ou expressão"), max_length=120)
    normalized = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("incluída em"), auto_now_add=True)

    class Meta:
        verbose_name = _("palavra restrita")
        verbose_name_plural = _("palavras restritas")
        ordering = ["kind", "normalized"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "normalized"], name="restricted_word_once")
        ]

    def __str__(self) -> str:
        return self.term
