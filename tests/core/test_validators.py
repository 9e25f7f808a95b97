from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.validators import format_cnpj, format_cpf, normalize_cnpj, normalize_cpf, normalize_phone


@pytest.mark.parametrize("value", ["529.982.247-25", "52998224725", " 529 982 247 25 "])
def test_valid_cpf_is_normalized(value: str) -> None:
    assert normalize_cpf(value) == "52998224725"
    assert format_cpf("52998224725") == "529.982.247-25"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("529.982.247-24", "dígitos verificadores"),
        ("111.111.111-11", "dígitos verificadores"),
        ("1234", "11 dígitos"),
        ("", "11 dígitos"),
    ],
)
def test_invalid_cpf_says_why(value: str, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        normalize_cpf(value)
    assert message in error.value.messages[0]


def test_cnpj() -> None:
    assert normalize_cnpj("11.222.333/0001-81") == "11222333000181"
    assert format_cnpj("11222333000181") == "11.222.333/0001-81"
    with pytest.raises(ValidationError, match="dígitos verificadores"):
        normalize_cnpj("11.222.333/0001-82")


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("(11) 98765-4321", "+5511987654321"),
        ("11 98765 4321", "+5511987654321"),
        ("+55 21 3456-7890", "+552134567890"),
        ("061987654321", "+5561987654321"),
    ],
)
def test_brazilian_phone_formats_become_e164(value: str, e164: str) -> None:
    assert normalize_phone(value) == e164


@pytest.mark.parametrize("value", ["123", "(00) 1234-5678", "telefone", ""])
def test_invalid_phone(value: str) -> None:
    with pytest.raises(ValidationError, match="Telefone inválido"):
        normalize_phone(value)
