"""A government client's contract (6.6.2) and its unit prices over time (6.6.4.6, 6.6.4.7)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InvoicingMode(models.TextChoices):
    STRIPE = "stripe", _("Fatura pelo Stripe")
    STATEMENT_ONLY = "statement_only", _("Somente extrato (pagamento por empenho)")


class OveragePolicy(models.TextChoices):
    SERVE_AND_REPORT = "serve_and_report", _("Continuar atendendo e informar o excedente")
    REFUSE_TEMPLATES = "refuse_templates", _("Recusar mensagens de modelo (template)")


class Contract(models.Model):
    """The volume is for the whole term, whatever the channel (6.6.2); prices live in
    `PriceSchedule` so that a price change never rewrites what was already metered."""

    tenant = models.OneToOneField(
        "tenants.Tenant",
        on_delete=models.PROTECT,
        related_name="billing_contract",
        verbose_name=_("cliente"),
    )
    reference = models.CharField(_("número do contrato"), max_length=60)
    term_start = models.DateField(_("início da vigência"))
    term_end = models.DateField(_("fim da vigência"))
    contracted_messages = models.BigIntegerField(_("mensagens contratadas (vigência inteira)"))
    storage_quota_bytes = models.BigIntegerField(_("armazenamento contratado (bytes)"))
    invoicing = models.CharField(
        _("faturamento"),
        max_length=16,
        choices=InvoicingMode.choices,
        default=InvoicingMode.STATEMENT_ONLY,
    )
    overage_policy = models.CharField(
        _("ao atingir 100%"),
        max_length=20,
        choices=OveragePolicy.choices,
        default=OveragePolicy.SERVE_AND_REPORT,
    )
    billing_email = models.EmailField(_("e-mail de cobrança"), blank=True, default="")
    created_at = models.DateTimeField(_("criado em"), auto_now_add=True)
    updated_at = models.DateTimeField(_("atualizado em"), auto_now=True)

    class Meta:
        verbose_name = _("contrato")
        verbose_name_plural = _("contratos")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("term_start")), name="billing_contract_term_order"
            ),
            models.CheckConstraint(
                condition=Q(contracted_messages__gt=0), name="billing_contract_volume_positive"
            ),
            models.CheckConstraint(
                condition=Q(storage_quota_bytes__gte=0),
                name="billing_contract_storage_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.tenant_id})"


class PriceSchedule(models.Model):
    """Unit prices in force from `effective_from` (a São Paulo date) until the next row."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="prices", verbose_name=_("contrato")
    )
    effective_from = models.DateField(_("vigente a partir de"))
    session_price = models.DecimalField(
        _("preço da mensagem de sessão (R$)"), max_digits=12, decimal_places=4
    )
    template_price = models.DecimalField(
        _("preço da mensagem de modelo (R$)"), max_digits=12, decimal_places=4
    )
    created_at = models.DateTimeField(_("registrado em"), auto_now_add=True)

    class Meta:
        verbose_name = _("tabela de preços")
        verbose_name_plural = _("tabelas de preços")
        ordering = ["contract", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "effective_from"], name="billing_price_one_per_date"
            ),
            models.CheckConstraint(
                condition=Q(session_price__gte=0) & Q(template_price__gte=0),
                name="billing_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}: {self.session_price} / {self.template_price}"
