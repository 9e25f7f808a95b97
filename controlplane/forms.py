from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import validate_cnpj
from tenants.models import Tenant


class OnboardingForm(forms.Form):
    name = forms.CharField(label=_("Razão social"), max_length=200)
    cnpj = forms.CharField(
        label=_("CNPJ"),
        max_length=18,
        validators=[validate_cnpj],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "00.000.000/0000-00"}),
    )
    slug = forms.SlugField(
        label=_("Identificador"),
        max_length=40,
        help_text=_("Vira o endereço do órgão: <identificador>.<domínio>."),
    )
    contract_start = forms.DateField(
        label=_("Início do contrato"), widget=forms.DateInput(attrs={"type": "date"})
    )
    contract_end = forms.DateField(
        label=_("Fim do contrato"), widget=forms.DateInput(attrs={"type": "date"})
    )
    admin_name = forms.CharField(label=_("Nome do primeiro administrador"), max_length=150)
    admin_email = forms.EmailField(label=_("E-mail do primeiro administrador"))


def _component_choices() -> list[tuple[str, str]]:
    from controlplane.components import components

    return [(component.key, str(component.name)) for component in components()]


DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"]


class ComponentsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=_component_choices, **kwargs)  # type: ignore[arg-type]


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Título público"), max_length=200)
    impact = forms.ChoiceField(label=_("Impacto"), choices=[])
    components = ComponentsField(label=_("Componentes afetados"))
    started_at = forms.DateTimeField(
        label=_("Início (horário de Brasília)"),
        required=False,
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
        help_text=_(
            "Quando o problema começou. Em branco: agora. Com impacto de "
            "indisponibilidade, conta como tempo indisponível desde este momento."
        ),
    )
    message = forms.CharField(label=_("Mensagem pública"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        from controlplane.models import IncidentImpact

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["impact"].choices = IncidentImpact.choices  # type: ignore[attr-defined]


class IncidentUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Nova situação"), choices=[])
    message = forms.CharField(label=_("Mensagem pública"), widget=forms.Textarea(attrs={"rows": 4}))
    resolved_at = forms.DateTimeField(
        label=_("Restabelecido em (somente ao resolver)"),
        required=False,
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
        help_text=_("Em branco: agora."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        from controlplane.models import IncidentStatus

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["status"].choices = IncidentStatus.choices  # type: ignore[attr-defined]


class MaintenanceForm(forms.Form):
    title = forms.CharField(label=_("Título público"), max_length=200)
    description = forms.CharField(
        label=_("Descrição pública"), widget=forms.Textarea(attrs={"rows": 4})
    )
    components = ComponentsField(label=_("Componentes afetados"))
    starts_at = forms.DateTimeField(
        label=_("Início (horário de Brasília)"),
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
    )
    ends_at = forms.DateTimeField(
        label=_("Fim (horário de Brasília)"), widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )


class ExclusionForm(forms.Form):
    tenant: forms.ModelChoiceField[Tenant] = forms.ModelChoiceField(
        label=_("Cliente que causou"), queryset=Tenant.objects.none()
    )
    justification = forms.CharField(
        label=_("Justificativa"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Aparece no relatório de disponibilidade do cliente."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        from controlplane.selectors import tenant_list_all_tenants

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["tenant"].queryset = tenant_list_all_tenants()  # type: ignore[attr-defined]


class ContractEndForm(forms.Form):
    reason = forms.CharField(label=_("Motivo"), max_length=300)
    read_only_days = forms.IntegerField(
        label=_("Dias em somente leitura"),
        min_value=30,
        initial=30,
        help_text=_("Mínimo de 30 dias (cláusula 6.2.15)."),
    )
    inbound_notice = forms.CharField(
        label=_("Resposta aos cidadãos que escreverem"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Em branco: um aviso padrão de canal encerrado."),
    )


class SubscribeEmailForm(forms.Form):
    email = forms.EmailField(label=_("Seu e-mail"))


class SubscribeWebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Endereço do webhook (https://)"), max_length=500, assume_scheme="https"
    )
