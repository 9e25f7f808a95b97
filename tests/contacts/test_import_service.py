"""The contact import service (6.5.39, 6.5.37.9, 6.5.40): reading CSV and XLSX, the layout
chosen for the columns, normalization, per-row errors, idempotency, limits and the worker path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from desk.models import Contact, ContactImport, ContactTeamAccess, ImportStatus
from desk.services.contact_import import (
    ImportField,
    ImportRejected,
    contact_import_map,
    contact_import_preview,
    contact_import_run,
    contact_import_start,
    contact_import_upload,
    mapping_guess,
)
from privacy.models import ConsentEvent, ConsentMethod, ConsentState, ConsentStatus
from privacy.services import contact_cpf_get
from security.actors import Actor
from security.models import AuditEntry
from tenants.models import Tenant
from tests.contacts.conftest import (
    CPF_DIGITS,
    PHONE,
    Directory,
    csv_bytes,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

ADMIN = Actor(user_id=None, label="admin@alfa.gov.br", via="web", ip="10.0.0.7")

HEADER = ["Nome", "Celular", "E-mail", "CPF"]
ROWS = [
    HEADER,
    ["Ana Lima", "(11) 98888-7777", "ANA@exemplo.com.br", "529.982.247-25"],
    ["Bruno Reis", "21 3456-7890", "", ""],
    ["Carla", "12345", "carla@exemplo", "111.111.111-11"],
    ["Davi", "+55 (31) 99876-5432", "", "11144477735"],
    ["", "", "", ""],
    ["Sem identificador", "", "", ""],
]


def _import(
    content: bytes,
    *,
    file_name: str = "contatos.csv",
    mapping: dict[int, str] | None = None,
    **options: Any,
) -> ContactImport:
    job = contact_import_upload(actor=ADMIN, file_name=file_name, content=content)
    chosen = mapping if mapping is not None else {int(k): v for k, v in job.mapping.items()}
    return contact_import_start(
        actor=ADMIN,
        job=job,
        mapping=chosen,
        team=options.get("team"),
        consent_channel=options.get("consent_channel"),
    )


@pytest.mark.req("6.5.39")
def test_a_csv_is_imported_with_phones_in_e164_and_bad_rows_reported_by_number(
    tenant_alfa: Tenant,
) -> None:
    with schema_context(tenant_alfa.schema_name):
        # Given a semicolon CSV with Brazilian phone formats, one bad row and a row without
        # any identifier
        content = csv_bytes(ROWS)

        # When it is imported with the layout guessed from its header
        job = _import(content)

        # Then the good rows became contacts, normalized, and each bad row says why
        assert job.status == ImportStatus.DONE
        assert (job.total_rows, job.processed_rows) == (5, 5)
        assert (job.created_count, job.updated_count, job.unchanged_count) == (3, 0, 0)
        assert job.error_count == 2
        assert [error["row"] for error in job.errors] == [4, 7]
        assert "telefone “12345”" in job.errors[0]["reason"]
        assert "e-mail “carla@exemplo” inválido" in job.errors[0]["reason"]
        assert "CPF “111.111.111-11”" in job.errors[0]["reason"]
        assert job.errors[1]["reason"] == "sem telefone, e-mail ou CPF para identificar o contato"
        imported = {c.name: c for c in Contact.objects.all()}
        assert sorted(imported) == ["Ana Lima", "Bruno Reis", "Davi"]
        assert imported["Ana Lima"].phone == "+5511988887777"
        assert imported["Ana Lima"].email == "ana@exemplo.com.br"
        assert imported["Bruno Reis"].phone == "+552134567890"
        assert imported["Davi"].phone == "+5531998765432"
        assert contact_cpf_get(imported["Ana Lima"]) == CPF_DIGITS
        assert contact_cpf_get(imported["Davi"]) == "11144477735"
        # The file's bytes are not kept once imported.
        assert bytes(ContactImport.objects.get(pk=job.pk).content) == b""


@pytest.mark.req("6.5.39")
def test_importing_the_same_file_twice_creates_nothing_new(tenant_alfa: Tenant) -> None:
    with schema_context(tenant_alfa.schema_name):
        content = csv_bytes(ROWS)
        _import(content)
        before = list(Contact.objects.order_by("id").values_list("id", "name", "phone", "email"))

        again = _import(content)

        assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
        assert again.error_count == 2
        after = list(Contact.objects.order_by("id").values_list("id", "name", "phone", "email"))
        assert after == before


def test_a_row_matching_an_existing_contact_updates_only_what_differs(
    tenant_alfa: Tenant, directory: Directory
) -> None:
    with schema_context(tenant_alfa.schema_name):
        # Maria is known by her phone; the file brings a new e-mail and her CPF in another
        # spelling, and a second row repeats the first (same phone)
        content = csv_bytes(
            [
                ["nome", "telefone", "email", "cpf"],
                ["Maria S.", "11 98765-4321", "maria@novo.com.br", "52998224725"],
                ["Maria S.", "+55 11 98765-4321", "maria@novo.com.br", "529.982.247-25"],
            ]
        )

        job = _import(content)

        assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)
        assert Contact.objects.count() == 2
        maria = Contact.objects.get(pk=directory.maria.pk)
        assert (maria.name, maria.phone, maria.email) == ("Maria S.", PHONE, "maria@novo.com.br")


def test_phone_and_cpf_of_different_contacts_is_a_row_error(
    tenant_alfa: Tenant, directory: Directory
) -> None:
    with schema_context(tenant_alfa.schema_name):
        # João's phone with Maria's CPF
        content = csv_bytes([["telefone", "cpf"], ["(21) 91234-5678", "529.982.247-25"]])

        job = _import(content)

        assert job.errors == [
            {
                "row": 2,
                "reason": "o telefone e o CPF pertencem a contatos diferentes já cadastrados",
            }
        ]
        assert contact_cpf_get(Contact.objects.get(pk=directory.joao.pk)) == ""


@pytest.mark.req("6.5.39")
def test_an_xlsx_with_numbers_typed_as_numbers_is_read_with_a_chosen_layout(
    tenant_alfa: Tenant,
) -> None:
    with schema_context(tenant_alfa.schema_name):
        # Given a spreadsheet whose headers say nothing a guess could use, with the phone
        # and the CPF stored as numbers
        content = xlsx_bytes(
            [
                ["Coluna A", "Coluna B", "Coluna C", "Observação"],
                [11987651234, "Helena Prado", 52998224725, "ignorada"],
                [None, None, None, None],
                [5511912349876, "Igor", None, "ignorada"],
            ]
        )
        job = contact_import_upload(actor=ADMIN, file_name="Lista.XLSX", content=content)
        assert (job.file_format, job.total_rows, job.mapping) == ("xlsx", 2, {})

        # When the admin says A is the phone, B the name, C the CPF, and ignores D
        job = contact_import_start(
            actor=ADMIN,
            job=job,
            mapping={0: ImportField.PHONE, 1: ImportField.NAME, 2: ImportField.CPF, 3: ""},
            team=None,
            consent_channel=None,
        )

        assert (job.created_count, job.error_count) == (2, 0)
        helena = Contact.objects.get(name="Helena Prado")
        assert helena.phone == "+5511987651234"
        assert contact_cpf_get(helena) == CPF_DIGITS
        assert Contact.objects.get(name="Igor").phone == "+5511912349876"


def test_a_windows_1252_csv_with_commas_is_read(tenant_alfa: Tenant) -> None:
    with schema_context(tenant_alfa.schema_name):
        content = csv_bytes(
            [["Nome", "Telefone"], ["José Conceição", "(85) 98765-1111"]],
            delimiter=",",
            encoding="cp1252",
        )

        job = _import(content)

        assert job.created_count == 1
        assert Contact.objects.get().name == "José Conceição"


def test_the_preview_shows_the_first_rows_as_they_would_be_imported(
    tenant_alfa: Tenant,
) -> None:
    with schema_context(tenant_alfa.schema_name):
        job = contact_import_upload(actor=ADMIN, file_name="c.csv", content=csv_bytes(ROWS))

        preview = contact_import_preview(job, limit=3)

        assert [(row.number, row.name, row.phone, row.errors == []) for row in preview] == [
            (2, "Ana Lima", "+5511988887777", True),
            (3, "Bruno Reis", "+552134567890", True),
            (4, "Carla", "", False),
        ]
        assert Contact.objects.count() == 0


def test_the_layout_guess_reads_portuguese_headers() -> None:
    assert mapping_guess(["NOME", "WhatsApp", "e-mail", "CPF do cidadão", "Aceita receber"]) == {
        0: "name",
        1: "phone",
        2: "email",
        3: "cpf",
        4: "consent",
    }


@pytest.mark.parametrize(
    ("file_name", "content", "code"),
    [
        ("contatos.pdf", b"%PDF", "import_format"),
        ("contatos.csv", b"", "import_empty"),
        ("contatos.csv", b"nome;telefone\r\n", "import_no_rows"),
        ("contatos.xlsx", b"not a zip", "import_unreadable"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(
    tenant_alfa: Tenant, file_name: str, content: bytes, code: str
) -> None:
    with schema_context(tenant_alfa.schema_name):
        with pytest.raises(ImportRejected) as refused:
            contact_import_upload(actor=ADMIN, file_name=file_name, content=content)

        assert refused.value.code == code
        assert ContactImport.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(tenant_alfa: Tenant, settings: Any) -> None:
    settings.CONTACT_IMPORT_MAX_BYTES = 1_048_576
    with schema_context(tenant_alfa.schema_name):
        with pytest.raises(ImportRejected) as refused:
            contact_import_upload(
                actor=ADMIN, file_name="c.csv", content=b"nome;telefone\r\n" + b"x" * 1_600_000
            )

        assert refused.value.code == "import_too_large"
        assert refused.value.message == (
            "O arquivo tem 1,5 MB; o limite é 1 MB. Divida-o em arquivos menores."
        )
        assert ContactImport.objects.count() == 0


def test_a_file_over_the_row_limit_is_refused(tenant_alfa: Tenant, settings: Any) -> None:
    settings.CONTACT_IMPORT_MAX_ROWS = 3
    rows = [["telefone"]] + [[f"11 98765-000{i}"] for i in range(4)]
    with schema_context(tenant_alfa.schema_name):
        with pytest.raises(ImportRejected) as refused:
            contact_import_upload(actor=ADMIN, file_name="c.csv", content=csv_bytes(rows))

        assert refused.value.code == "import_too_many_rows"


@pytest.mark.parametrize(
    ("mapping", "code"),
    [
        ({0: ImportField.NAME}, "mapping_no_identifier"),
        ({0: ImportField.PHONE, 1: ImportField.PHONE}, "mapping_duplicate"),
        ({0: ImportField.PHONE, 1: ImportField.CONSENT}, "mapping_consent_channel"),
    ],
)
def test_an_unusable_layout_is_refused(
    tenant_alfa: Tenant, mapping: dict[int, str], code: str
) -> None:
    with schema_context(tenant_alfa.schema_name):
        job = contact_import_upload(
            actor=ADMIN, file_name="c.csv", content=csv_bytes([["a", "b"], ["1", "2"]])
        )
        with pytest.raises(ImportRejected) as refused:
            contact_import_map(
                actor=ADMIN, job=job, mapping=mapping, team=None, consent_channel=None
            )

        assert refused.value.code == code
        assert ContactImport.objects.get(pk=job.pk).mapping == {}


@pytest.mark.req("6.5.40")
def test_a_consent_column_records_opt_in_and_opt_out_with_who_when_and_how(
    tenant_alfa: Tenant, directory: Directory
) -> None:
    with schema_context(tenant_alfa.schema_name):
        content = csv_bytes(
            [
                ["telefone", "aceita receber"],
                ["(11) 98765-4321", "não"],
                ["(11) 97777-1111", "Sim"],
                ["(11) 97777-2222", "talvez"],
            ]
        )

        job = _import(content, consent_channel=directory.portal)

        assert job.errors == [{"row": 4, "reason": "consentimento “talvez”: use sim ou não"}]
        states = dict(
            ConsentState.objects.filter(channel=directory.portal).values_list(
                "contact__phone", "status"
            )
        )
        assert states == {PHONE: ConsentStatus.OPT_OUT, "+5511977771111": ConsentStatus.OPT_IN}
        event = ConsentEvent.objects.get(contact=directory.maria)
        assert (event.method, event.actor_label) == (ConsentMethod.IMPORT, "admin@alfa.gov.br")
        assert event.note == f"Importação #{job.pk} (contatos.csv), linha 2"

        # A second import of the same answers records nothing new
        _import(content, consent_channel=directory.portal)
        assert ConsentEvent.objects.count() == 2


@pytest.mark.req("6.5.37.9")
def test_an_import_bound_to_a_team_makes_its_contacts_exclusive_to_that_team(
    tenant_alfa: Tenant, directory: Directory
) -> None:
    with schema_context(tenant_alfa.schema_name):
        content = csv_bytes([["nome", "telefone"], ["Paciente", "(11) 95555-0000"]])

        job = _import(content, team=directory.team)
        _import(content, team=directory.team)

        patient = Contact.objects.get(name="Paciente")
        access = ContactTeamAccess.objects.get()
        assert (access.contact_id, access.team_id, access.source_import_id) == (
            patient.pk,
            directory.team.pk,
            job.pk,
        )


@pytest.mark.req("6.5.39")
def test_a_large_file_is_imported_by_the_worker_in_the_tenant_schema(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    settings: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    settings.CONTACT_IMPORT_INLINE_ROWS = 2
    rows = [["telefone", "nome"]] + [[f"(11) 9{7000 + i}-{1000 + i}", f"P{i}"] for i in range(250)]
    with schema_context(tenant_alfa.schema_name):
        job = contact_import_upload(actor=ADMIN, file_name="grande.csv", content=csv_bytes(rows))

        # When the admin starts it, the job is queued and the worker runs after the commit
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            started = contact_import_start(
                actor=ADMIN,
                job=job,
                mapping={0: ImportField.PHONE, 1: ImportField.NAME},
                team=None,
                consent_channel=None,
            )
            assert started.status == ImportStatus.QUEUED

        assert len(callbacks) == 1
        job.refresh_from_db()
        assert (job.status, job.processed_rows, job.created_count) == (ImportStatus.DONE, 250, 250)
        assert Contact.objects.count() == 250
        actions = list(
            AuditEntry.objects.filter(object_id=str(job.pk), object_type="desk.contactimport")
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == [
            "contact.import.upload",
            "contact.import.map",
            "contact.import.start",
            "contact.import.finish",
        ]
        # A second delivery of the task changes nothing
        assert contact_import_run(job.pk) == "skipped"
        assert Contact.objects.count() == 250
    with schema_context(tenant_beta.schema_name):
        assert Contact.objects.count() == 0
        assert ContactImport.objects.count() == 0


def test_a_run_interrupted_after_a_chunk_continues_where_it_stopped(tenant_alfa: Tenant) -> None:
    rows = [["telefone"]] + [[f"(11) 9{7000 + i}-{1000 + i}"] for i in range(150)]
    with schema_context(tenant_alfa.schema_name):
        job = contact_import_upload(actor=ADMIN, file_name="c.csv", content=csv_bytes(rows))
        contact_import_map(
            actor=ADMIN, job=job, mapping={0: ImportField.PHONE}, team=None, consent_channel=None
        )
        # A worker that died after committing the first chunk of 100 rows
        first = [[f"(11) 9{7000 + i}-{1000 + i}"] for i in range(100)]
        _import(csv_bytes([["telefone"], *first]))
        ContactImport.objects.filter(pk=job.pk).update(
            status=ImportStatus.RUNNING, processed_rows=100, created_count=100
        )

        assert contact_import_run(job.pk) == "done"

        job.refresh_from_db()
        assert (job.processed_rows, job.created_count, job.unchanged_count) == (150, 150, 0)
        assert Contact.objects.count() == 150


def test_agents_see_exclusive_contacts_only_in_their_team(
    tenant_alfa: Tenant, directory: Directory, make_user: Callable[..., User]
) -> None:
    from desk.contact_selectors import contact_list
    from routing.models import TeamMembership

    member = make_user(tenant_alfa, Role.AGENT)
    outsider = make_user(tenant_alfa, Role.AGENT)
    supervisor = make_user(tenant_alfa, Role.SUPERVISOR)
    auditor = make_user(tenant_alfa, Role.AUDITOR)
    with schema_context(tenant_alfa.schema_name):
        TeamMembership.objects.create(team=directory.team, user=member)
        _import(
            csv_bytes([["nome", "telefone"], ["Paciente", "(11) 95555-0000"]]), team=directory.team
        )

        def names(user: User) -> list[str]:
            return [contact.name for contact in contact_list(user=user)]

        assert names(member) == ["João Souza", "Maria da Silva", "Paciente"]
        assert names(outsider) == ["João Souza", "Maria da Silva"]
        assert names(supervisor) == ["João Souza", "Maria da Silva", "Paciente"]
        assert names(auditor) == []


def test_an_unreadable_queued_file_fails_with_a_reason(tenant_alfa: Tenant) -> None:
    with schema_context(tenant_alfa.schema_name):
        job = contact_import_upload(
            actor=ADMIN, file_name="c.csv", content=csv_bytes([["telefone"], ["11987654321"]])
        )
        contact_import_map(
            actor=ADMIN, job=job, mapping={0: ImportField.PHONE}, team=None, consent_channel=None
        )
        ContactImport.objects.filter(pk=job.pk).update(
            status=ImportStatus.QUEUED, file_format="xlsx"
        )

        assert contact_import_run(job.pk) == "failed"

        job.refresh_from_db()
        assert job.status == ImportStatus.FAILED
        assert job.failure.startswith("Não foi possível ler o arquivo XLSX")
        assert Contact.objects.count() == 0


@pytest.mark.req("6.5.39")
def test_a_file_with_the_same_columns_starts_from_the_layout_used_last_time(
    tenant_alfa: Tenant,
) -> None:
    with schema_context(tenant_alfa.schema_name):
        # Given a first import where the admin said "Coluna A" is the phone, "Coluna B" the name
        layout = {0: ImportField.PHONE, 1: ImportField.NAME}
        _import(csv_bytes([["Coluna A", "Coluna B"], ["11987654321", "Ana"]]), mapping=layout)

        # When next month's file, with the same columns, arrives, and another one does not
        same = contact_import_upload(
            actor=ADMIN,
            file_name="dezembro.csv",
            content=csv_bytes([["Coluna A", "Coluna B"], ["11977776666", "Bia"]]),
        )
        other = contact_import_upload(
            actor=ADMIN,
            file_name="outra.csv",
            content=csv_bytes([["Coluna B", "Coluna A"], ["Caio", "11955554444"]]),
        )

        # Then the first starts from that layout, the second from the guess (none here)
        assert same.mapping == {"0": "phone", "1": "name"}
        assert other.mapping == {}


def test_an_upload_never_started_expires_and_loses_its_bytes(tenant_alfa: Tenant) -> None:
    from datetime import timedelta

    from django.utils import timezone

    with schema_context(tenant_alfa.schema_name):
        old = contact_import_upload(
            actor=ADMIN, file_name="c.csv", content=csv_bytes([["telefone"], ["11987654321"]])
        )
        ContactImport.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(hours=25)
        )

        contact_import_upload(
            actor=ADMIN, file_name="d.csv", content=csv_bytes([["telefone"], ["11987654322"]])
        )

        old.refresh_from_db()
        assert (old.status, bytes(old.content)) == (ImportStatus.FAILED, b"")
        assert old.failure == "Expirou: não foi iniciada em até 24 horas após o envio."
