from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Imagem")
    VIDEO = "video", _("Vídeo")
    AUDIO = "audio", _("Áudio")
    DOCUMENT = "document", _("Documento")
    STICKER = "sticker", _("Figurinha")


class MediaStatus(models.TextChoices):
    NONE = "", _("Sem arquivo")
    PENDING = "pending", _("Baixando")
    STORED = "stored", _("Armazenado")
    FAILED = "failed", _("Falhou")


class MediaFile(models.Model):
    """A file in tenant storage under `<schema>/media/...` (Django default storage)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(_("arquivo"), max_length=255)
    kind = models.CharField(_("tipo"), max_length=10, choices=MediaKind.choices)
    mime_type = models.CharField(_("tipo MIME"), max_length=127)
    size = models.BigIntegerField(_("tamanho (bytes)"))
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(_("nome original"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("criado em"))

    class Meta:
        verbose_name = _("arquivo de mídia")
        verbose_name_plural = _("arquivos de mídia")

    def __str__(self) -> str:
        return self.original_name or str(self.file.name or self.public_id)
