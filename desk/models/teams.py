from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    """A group of agents with its own queue. Minimal here; routing extends it."""

    name = models.CharField(_("nome"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("criada em"), auto_now_add=True)

    class Meta:
        verbose_name = _("equipe")
        verbose_name_plural = _("equipes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
