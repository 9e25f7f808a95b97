from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

KEY_MAX_LENGTH = 50
LABEL_MAX_LENGTH = 120
VALUE_MAX_LENGTH = 500


class CaptureSource(models.TextChoices):
    FLOW = "flow", _("Fluxo de atendimento")
    AGENT = "agent", _("Atendente")
    API = "api", _("Integração (API)")


class CapturedData(models.Model):
    """One piece of structured data captured during a conversation (6.5.48.10): the
    neighbourhood a citizen typed in a flow, the kind of request an agent picked.

    Append-only: a new value for the same (conversation, key) is a new row, and the latest row
    (highest id) is the current value. The earlier rows are the history, and every row is a
    fact analytics exports exactly once (analytics/sources.py). `value` may hold personal
    data: it is shown through security.masking to users without `view_sensitive_data`.
    """

    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.CASCADE, related_name="captured_data"
    )
    key = models.SlugField(_("campo"), max_length=KEY_MAX_LENGTH, allow_unicode=False)
    label = models.CharField(_("nome do campo"), max_length=LABEL_MAX_LENGTH, blank=True)
    value = models.CharField(_("valor"), max_length=VALUE_MAX_LENGTH)
    source = models.CharField(_("origem"), max_length=8, choices=CaptureSource.choices)
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registrado por"),
    )
    captured_at = models.DateTimeField(_("registrado em"))

    class Meta:
        verbose_name = _("dado capturado")
        verbose_name_plural = _("dados capturados")
        indexes = [
            models.Index(fields=["conversation", "key", "-id"], name="captured_data_current"),
        ]

    def __str__(self) -> str:
        return f"{self.key}"
