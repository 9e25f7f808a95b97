from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MaskingRule(models.Model):
    """A tenant-defined pattern of information to hide from users without permission
    (6.5.23.11), beside the built-in CPF, e-mail and phone patterns of the policy."""

    name = models.CharField(_("nome"), max_length=100)
    pattern = models.CharField(_("expressão regular"), max_length=300)
    replacement = models.CharField(_("substituir por"), max_length=50, default="***")
    is_active = models.BooleanField(_("ativa"), default=True)
    created_at = models.DateTimeField(_("criada em"), auto_now_add=True)

    class Meta:
        verbose_name = _("padrão de ocultação")
        verbose_name_plural = _("padrões de ocultação")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
