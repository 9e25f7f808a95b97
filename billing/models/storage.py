from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MediaType(models.TextChoices):
    IMAGE = "image", _("Imagem")
    VIDEO = "video", _("Vídeo")
    AUDIO = "audio", _("Áudio")
    DOCUMENT = "document", _("Documento")


class StorageUsage(models.Model):
    """Bytes in use per media type (6.5.47), reported by the message pipeline."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="+")
    media_type = models.CharField(max_length=8, choices=MediaType.choices)
    bytes_used = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "media_type"], name="billing_storage_one_per_type"
            ),
            models.CheckConstraint(
                condition=Q(bytes_used__gte=0), name="billing_storage_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.media_type}: {self.bytes_used}"
