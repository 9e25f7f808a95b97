"""Brazilian identifiers: CPF, CNPJ and phone numbers, validated with well-kept libraries.

Error messages are shown to people filling forms, so they say what is wrong in pt-BR.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from validate_docbr import CNPJ, CPF

_DIGITS = re.compile(r"\D")


def only_digits(value: str) -> str:
    return _DIGITS.sub("", value or "")


def normalize_cpf(value: str) -> str:
    """Returns the 11 digits of a valid CPF, or raises ValidationError."""
    digits = only_digits(value)
    if len(digits) != 11:
        raise ValidationError(_("O CPF deve ter 11 dígitos."), code="cpf_length")
    if not CPF().validate(digits):
        raise ValidationError(_("CPF inválido: os dígitos verificadores não conferem."), code="cpf")
    return digits


def normalize_cnpj(value: str) -> str:
    """Returns the 14 digits of a valid CNPJ, or raises ValidationError."""
    digits = only_digits(value)
    if len(digits) != 14:
        raise ValidationError(_("O CNPJ deve ter 14 dígitos."), code="cnpj_length")
    if not CNPJ().validate(digits):
        raise ValidationError(
            _("CNPJ inválido: os dígitos verificadores não conferem."), code="cnpj"
        )
    return digits


def format_cpf(digits: str) -> str:
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def format_cnpj(digits: str) -> str:
    return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-{digits[12:]}"


def normalize_phone(value: str, *, region: str = "BR") -> str:
    """Returns a valid phone number in E.164 (`+5511987654321`) from Brazilian formats."""
    try:
        parsed = phonenumbers.parse(value or "", region)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("Telefone inválido: informe DDD e número, por exemplo (11) 98765-4321."),
            code="phone",
        ) from error
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("Telefone inválido: informe DDD e número, por exemplo (11) 98765-4321."),
            code="phone",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_cpf(value: str) -> None:
    normalize_cpf(value)


def validate_cnpj(value: str) -> None:
    normalize_cnpj(value)


def validate_phone(value: str) -> None:
    normalize_phone(value)
