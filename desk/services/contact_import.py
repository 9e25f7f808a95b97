"""Contact import from CSV or XLSX with a column layout chosen on screen (6.5.39), optionally
exclusive to one team (6.5.37.9), with the contacts' consent when the file carries it (6.5.40).

The flow is upload (`contact_import_upload`: size, format and header checked, bytes kept on the
job), mapping (`contact_import_map`: which column is which field, the team, the consent
channel; `contact_import_preview` shows the first rows as they would be imported), then
`contact_import_start`, which runs small files at once and queues large ones for the worker
(`desk.tasks.contact_import_run`) while the screen shows the progress.

Each row is validated on its own: a bad row is reported (row number as the spreadsheet shows
it, reason) and skipped, never half imported. Re-importing a file creates nothing new: a row is
matched to an existing contact by phone (E.164), then CPF (blind index), then e-mail, and only
the values that differ are written.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from channels.models import Channel
from core.validators import normalize_cpf, normalize_phone
from desk.errors import DeskError
from desk.models import (
    Contact,
    ContactImport,
    ContactTeamAccess,
    ImportFormat,
    ImportStatus,
    Team,
)
from desk.tenancy import current_schema
from privacy.models import CPF_INDEX, ConsentMethod, ConsentState, ConsentStatus
from privacy.services.consent import consent_set
from privacy.services.personal_data import contact_cpf_set
from security.actors import Actor
from security.audit import audit_record

logger = logging.getLogger("desk.contact_import")

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000
# Files up to this many rows are imported during the request; larger ones by the worker.
DEFAULT_INLINE_ROWS = 200
MAX_COLUMNS = 60
CHUNK_ROWS = 100
ERRORS_KEPT = 500
PREVIEW_ROWS = 10
UPLOAD_TTL = timedelta(hours=24)
CSV_DELIMITERS = ";,\t|"
# Two imports creating the same phone at once must not make two contacts: imports take this
# transaction-level advisory lock around each chunk of writes.
_IMPORT_LOCK_KEY = 640_539


class ImportField:
    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    CPF = "cpf"
    CONSENT = "consent"

    CHOICES = (
        (NAME, gettext_lazy("Nome")),
        (PHONE, gettext_lazy("Telefone")),
        (EMAIL, gettext_lazy("E-mail")),
        (CPF, gettext_lazy("CPF")),
        (CONSENT, gettext_lazy("Aceita receber mensagens (opt-in)")),
    )
    IDENTIFIERS = (PHONE, EMAIL, CPF)
    ALL = tuple(code for code, _label in CHOICES)


# Header words (without accents, lower case) that suggest a field.
_GUESSES = {
    ImportField.NAME: ("nome", "name", "nome completo", "cidadao", "contato"),
    ImportField.PHONE: (
        "telefone",
        "celular",
        "whatsapp",
        "fone",
        "phone",
        "tel",
        "numero",
        "telefone celular",
    ),
    ImportField.EMAIL: ("email", "e-mail", "e mail", "correio eletronico"),
    ImportField.CPF: ("cpf", "documento", "cpf do cidadao"),
    ImportField.CONSENT: ("opt-in", "optin", "opt in", "consentimento", "aceita receber"),
}
_YES = {"sim", "s", "yes", "y", "1", "x", "opt-in", "optin", "opt in", "aceita", "aceito"}
_YES |= {"true", "verdadeiro"}
_NO = {"nao", "n", "no", "0", "opt-out", "optout", "opt out", "recusa", "recusou"}
_NO |= {"false", "falso", "nao aceita"}


class ImportRejected(DeskError):
    """The file or the mapping cannot be used; nothing was imported."""


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return _setting("CONTACT_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_rows() -> int:
    return _setting("CONTACT_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def inline_rows() -> int:
    return _setting("CONTACT_IMPORT_INLINE_ROWS", DEFAULT_INLINE_ROWS)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip().lower()


# --- reading files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    headers: list[str]
    # (row number as the spreadsheet shows it, cells), empty rows left out.
    rows: list[tuple[int, list[str]]]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sim" if value else "não"
    if isinstance(value, float) and value.is_integer():
        # Spreadsheets store phone numbers and CPFs typed as numbers as floats.
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in pt-BR saves "CSV" as Windows-1252.
        return content.decode("cp1252", errors="replace")


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(content)
    sample = text[:8192]
    stream = io.StringIO(text, newline="")
    try:
        reader = csv.reader(stream, csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS))
    except csv.Error:
        first_line = sample.splitlines()[0] if sample else ""
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(stream, delimiter=delimiter)
    for number, row in enumerate(reader, start=1):
        yield number, [cell.strip() for cell in row]


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in row]
    finally:
        workbook.close()


def table_read(content: bytes, file_format: str) -> Table:
    """The header and the non-empty rows of a file, or ImportRejected with the reason."""
    reader = _xlsx_rows if file_format == ImportFormat.XLSX else _csv_rows
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    limit = max_rows()
    try:
        for number, cells in reader(content):
            if not any(cells):
                continue
            if headers is None:
                headers = cells
                continue
            if len(rows) >= limit:
                raise ImportRejected(
                    _(
                        "O arquivo tem mais de %(limit)s linhas de contatos. "
                        "Divida-o em arquivos menores."
                    )
                    % {"limit": f"{limit:n}"},
                    code="import_too_many_rows",
                    field="file",
                )
            rows.append((number, cells))
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise ImportRejected(
            _("Não foi possível ler o arquivo XLSX. Salve-o novamente no Excel ou envie um CSV."),
            code="import_unreadable",
            field="file",
        ) from error
    except csv.Error as error:
        raise ImportRejected(
            _("Não foi possível ler o arquivo CSV: %(error)s") % {"error": error},
            code="import_unreadable",
            field="file",
        ) from error
    # Trailing empty header cells (spreadsheets often carry them) are not columns.
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise ImportRejected(
            _("O arquivo está vazio: a primeira linha deve ter os nomes das colunas."),
            code="import_empty",
            field="file",
        )
    if len(headers) > MAX_COLUMNS:
        raise ImportRejected(
            _("O arquivo tem mais de %(limit)s colunas.") % {"limit": MAX_COLUMNS},
            code="import_too_many_columns",
            field="file",
        )
    if not rows:
        raise ImportRejected(
            _("O arquivo não tem nenhuma linha de contato abaixo dos nomes das colunas."),
            code="import_no_rows",
            field="file",
        )
    headers = [
        header or _("Coluna %(number)s") % {"number": index + 1}
        for index, header in enumerate(headers)
    ]
    return Table(headers=headers, rows=rows)


def _file_format(file_name: str) -> str:
    lowered = (file_name or "").lower()
    if lowered.endswith((".csv", ".txt")):
        return ImportFormat.CSV
    if lowered.endswith(".xlsx"):
        return ImportFormat.XLSX
    raise ImportRejected(
        _("Envie um arquivo .csv ou .xlsx (planilha do Excel ou LibreOffice)."),
        code="import_format",
        field="file",
    )


def size_error(size: int) -> str | None:
    """The message for a file over the limit, or None."""
    limit = max_bytes()
    if size <= limit:
        return None
    return _(
        "O arquivo tem %(size)s MB; o limite é %(limit)s MB. Divida-o em arquivos menores."
    ) % {"size": f"{size / 1_048_576:.1f}".replace(".", ","), "limit": f"{limit / 1_048_576:g}"}


# --- upload and mapping -----------------------------------------------------------------------


def contact_import_upload(*, actor: Actor, file_name: str, content: bytes) -> ContactImport:
    """Checks the file (size, format, header, rows) and keeps it for the mapping screen."""
    message = size_error(len(content))
    if message is not None:
        raise ImportRejected(message, code="import_too_large", field="file")
    file_format = _file_format(file_name)
    table = table_read(content, file_format)
    now = timezone.now()
    with transaction.atomic():
        contact_import_expire(now=now)
        job = ContactImport.objects.create(
            file_name=(file_name or "contatos")[-255:],
            file_format=file_format,
            file_size=len(content),
            content=content,
            headers=table.headers,
            total_rows=len(table.rows),
            mapping=layout_for(table.headers),
            created_by_id=actor.user_id,
            actor_label=actor.label[:254],
            actor_ip=actor.ip,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="contact.import.upload",
            target=job,
            after={
                "file": job.file_name,
                "format": file_format,
                "bytes": job.file_size,
                "rows": job.total_rows,
            },
        )
    return job


def layout_for(headers: list[str]) -> dict[str, str]:
    """The layout to start from (6.5.39): the one last used for a file with these very columns,
    so a municipality's recurring spreadsheet is mapped once; otherwise a guess from the
    header names."""
    previous = (
        ContactImport.objects.filter(headers=headers)
        .exclude(status=ImportStatus.UPLOADED)
        .exclude(mapping={})
        .order_by("-created_at", "-id")
        .values_list("mapping", flat=True)
        .first()
    )
    if previous:
        return dict(previous)
    return {str(index): code for index, code in mapping_guess(headers).items()}


def contact_import_expire(*, now: datetime) -> int:
    """Uploads never started within `UPLOAD_TTL` lose their bytes (personal data kept for no
    purpose) and are marked failed."""
    return ContactImport.objects.filter(
        status=ImportStatus.UPLOADED, created_at__lt=now - UPLOAD_TTL
    ).update(
        status=ImportStatus.FAILED,
        content=b"",
        failure=_("Expirou: não foi iniciada em até 24 horas após o envio."),
        finished_at=now,
    )


def mapping_guess(headers: list[str]) -> dict[int, str]:
    """A first mapping from the header names; each field at most once."""
    guessed: dict[int, str] = {}
    for index, header in enumerate(headers):
        plain = _plain(header)
        for field_code, words in _GUESSES.items():
            if field_code in guessed.values():
                continue
            if plain in words:
                guessed[index] = field_code
                break
    return guessed


def mapping_validate(mapping: Mapping[int, str], headers: list[str]) -> dict[int, str]:
    """The mapping without ignored columns, or ImportRejected saying what is wrong."""
    cleaned: dict[int, str] = {}
    for index, field_code in mapping.items():
        if not field_code:
            continue
        if field_code not in ImportField.ALL or not 0 <= index < len(headers):
            raise ImportRejected(_("Mapeamento inválido."), code="mapping_invalid")
        if field_code in cleaned.values():
            label = dict(ImportField.CHOICES)[field_code]
            raise ImportRejected(
                _("O campo “%(field)s” foi escolhido para mais de uma coluna.") % {"field": label},
                code="mapping_duplicate",
            )
        cleaned[index] = field_code
    if not set(cleaned.values()) & set(ImportField.IDENTIFIERS):
        raise ImportRejected(
            _(
                "Escolha a coluna do telefone, do e-mail ou do CPF: sem um deles não há como "
                "reconhecer o contato numa nova importação."
            ),
            code="mapping_no_identifier",
        )
    return cleaned


def _mapping_of(job: ContactImport) -> dict[int, str]:
    return {int(index): field_code for index, field_code in (job.mapping or {}).items()}


def contact_import_map(
    *,
    actor: Actor,
    job: ContactImport,
    mapping: Mapping[int, str],
    team: Team | None,
    consent_channel: Channel | None,
) -> ContactImport:
    """Saves the layout chosen on screen, the exclusive team and the consent channel."""
    if job.status != ImportStatus.UPLOADED:
        raise ImportRejected(
            _("Esta importação já foi iniciada."), code="import_started", field=None
        )
    cleaned = mapping_validate(mapping, job.headers)
    if ImportField.CONSENT in cleaned.values() and consent_channel is None:
        raise ImportRejected(
            _("Escolha o canal a que se refere a coluna de consentimento."),
            code="mapping_consent_channel",
            field="consent_channel",
        )
    if ImportField.CONSENT not in cleaned.values():
        consent_channel = None
    with transaction.atomic():
        job.mapping = {str(index): field_code for index, field_code in cleaned.items()}
        job.team = team
        job.consent_channel = consent_channel
        job.save(update_fields=["mapping", "team", "consent_channel"])
        audit_record(
            actor=actor,
            action="contact.import.map",
            target=job,
            after={
                "mapping": {job.headers[index]: code for index, code in cleaned.items()},
                "team_id": team.pk if team else None,
                "consent_channel_id": consent_channel.pk if consent_channel else None,
            },
        )
    return job


# --- one row ----------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    number: int
    name: str = ""
    phone: str = ""
    email: str = ""
    cpf: str = ""
    consent: str | None = None
    errors: list[str] = field(default_factory=list)


def _consent_value(text: str) -> str | None:
    plain = _plain(text)
    if plain in _YES:
        return ConsentStatus.OPT_IN
    if plain in _NO:
        return ConsentStatus.OPT_OUT
    raise ValueError(text)


def row_parse(number: int, cells: list[str], mapping: Mapping[int, str]) -> ParsedRow:
    """One row's values normalized (E.164 phone, CPF digits, lower-case e-mail), with every
    problem found in it."""
    parsed = ParsedRow(number=number)
    values = {
        field_code: (cells[index] if index < len(cells) else "").strip()
        for index, field_code in mapping.items()
    }
    parsed.name = values.get(ImportField.NAME, "")[:200]
    phone = values.get(ImportField.PHONE, "")
    if phone:
        try:
            parsed.phone = normalize_phone(phone)
        except ValidationError as error:
            parsed.errors.append(
                _("telefone “%(value)s”: %(reason)s")
                % {"value": phone, "reason": error.messages[0]}
            )
    email = values.get(ImportField.EMAIL, "").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            parsed.errors.append(_("e-mail “%(value)s” inválido") % {"value": email})
        else:
            parsed.email = email
    cpf = values.get(ImportField.CPF, "")
    if cpf:
        try:
            parsed.cpf = normalize_cpf(cpf)
        except ValidationError as error:
            parsed.errors.append(
                _("CPF “%(value)s”: %(reason)s") % {"value": cpf, "reason": error.messages[0]}
            )
    consent = values.get(ImportField.CONSENT, "")
    if consent:
        try:
            parsed.consent = _consent_value(consent)
        except ValueError:
            parsed.errors.append(
                _("consentimento “%(value)s”: use sim ou não") % {"value": consent}
            )
    if not parsed.errors and not (parsed.phone or parsed.email or parsed.cpf):
        parsed.errors.append(_("sem telefone, e-mail ou CPF para identificar o contato"))
    return parsed


def contact_import_preview(job: ContactImport, *, limit: int = PREVIEW_ROWS) -> list[ParsedRow]:
    """The first rows of the file as the current mapping would import them."""
    mapping = _mapping_of(job)
    if not mapping:
        return []
    table = table_read(bytes(job.content), job.file_format)
    return [row_parse(number, cells, mapping) for number, cells in table.rows[:limit]]


def column_samples(job: ContactImport, *, rows: int = 3) -> list[list[str]]:
    """The first values of each column, shown beside the column's choice on the mapping screen."""
    table = table_read(bytes(job.content), job.file_format)
    first = [cells for _number, cells in table.rows[:rows]]
    return [
        [cells[index] for cells in first if index < len(cells) and cells[index]]
        for index in range(len(job.headers))
    ]


# --- running ----------------------------------------------------------------------------------


def _job_actor(job: ContactImport) -> Actor:
    return Actor(
        user_id=job.created_by_id,
        label=job.actor_label or "importação",
        via="web",
        ip=job.actor_ip,
    )


def contact_import_start(
    *,
    actor: Actor,
    job: ContactImport,
    mapping: Mapping[int, str],
    team: Team | None,
    consent_channel: Channel | None,
) -> ContactImport:
    """Saves the mapping and imports: at once for small files, by the worker for large ones."""
    job = contact_import_map(
        actor=actor, job=job, mapping=mapping, team=team, consent_channel=consent_channel
    )
    inline = job.total_rows <= inline_rows()
    with transaction.atomic():
        job.status = ImportStatus.RUNNING if inline else ImportStatus.QUEUED
        job.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="contact.import.start",
            target=job,
            after={"rows": job.total_rows, "mode": "inline" if inline else "worker"},
        )
        if not inline:
            schema_name = current_schema()
            job_id = job.pk
            transaction.on_commit(lambda: _queue(job_id, schema_name))
    if inline:
        contact_import_run(job.pk)
        job.refresh_from_db()
    return job


def _queue(job_id: int, schema_name: str) -> None:
    from desk import tasks

    tasks.contact_import_run.apply_async(args=(job_id,), headers={"_schema_name": schema_name})


@dataclass
class _Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _match(row: ParsedRow) -> Contact:
    """The existing contact this row describes, a new unsaved one, or DeskError when its
    identifiers point at different contacts."""
    found: list[Contact] = []
    if row.phone:
        by_phone = Contact.objects.filter(phone=row.phone).order_by("id").first()
        if by_phone is not None:
            found.append(by_phone)
    if row.cpf:
        by_cpf = (
            Contact.objects.filter(personal_data__cpf_index=CPF_INDEX.digest(row.cpf))
            .order_by("id")
            .first()
        )
        if by_cpf is not None:
            found.append(by_cpf)
    if row.email and not found:
        by_email = Contact.objects.filter(email=row.email).order_by("id").first()
        if by_email is not None:
            found.append(by_email)
    if len({contact.pk for contact in found}) > 1:
        raise DeskError(
            _("o telefone e o CPF pertencem a contatos diferentes já cadastrados"),
            code="import_conflict",
        )
    if found:
        return found[0]
    return Contact(created_at=timezone.now())


def _row_write(job: ContactImport, row: ParsedRow, actor: Actor, counts: _Counts) -> None:
    contact = _match(row)
    created = contact.pk is None
    changed: list[str] = []
    for name in ("name", "phone", "email"):
        value = getattr(row, name)
        if value and getattr(contact, name) != value:
            setattr(contact, name, value)
            changed.append(name)
    if created:
        contact.save()
    elif changed:
        contact.save(update_fields=[*changed, "updated_at"])
    if row.cpf:
        personal = getattr(contact, "personal_data", None) if not created else None
        if personal is None or personal.cpf != row.cpf:
            contact_cpf_set(actor=actor, contact=contact, cpf=row.cpf)
            changed.append("cpf")
    if job.team_id is not None:
        _access, granted = ContactTeamAccess.objects.get_or_create(
            contact=contact,
            team_id=job.team_id,
            defaults={"source_import": job, "created_at": timezone.now()},
        )
        if granted:
            changed.append("team")
    if row.consent is not None and job.consent_channel is not None:
        current = (
            ConsentState.objects.filter(contact=contact, channel=job.consent_channel)
            .values_list("status", flat=True)
            .first()
        )
        if current != row.consent:
            consent_set(
                actor=actor,
                contact=contact,
                channel=job.consent_channel,
                status=row.consent,
                method=ConsentMethod.IMPORT,
                note=_("Importação #%(id)s (%(file)s), linha %(row)s")
                % {"id": job.pk, "file": job.file_name, "row": row.number},
            )
            changed.append("consent")
    if created:
        counts.created += 1
    elif changed:
        counts.updated += 1
    else:
        counts.unchanged += 1


def _chunk_run(job_id: int, rows: list[tuple[int, list[str]]]) -> bool:
    """Imports the next chunk after the job's committed position; False when none is left.

    The job row is locked for the chunk and its counters move in the same transaction as the
    chunk's writes, so a task delivered twice continues where the first run committed."""
    with transaction.atomic():
        job = ContactImport.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return False
        start = job.processed_rows
        chunk = rows[start : start + CHUNK_ROWS]
        if not chunk:
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", [_IMPORT_LOCK_KEY]
            )
        mapping = _mapping_of(job)
        actor = _job_actor(job)
        counts = _Counts()
        for number, cells in chunk:
            row = row_parse(number, cells, mapping)
            if not row.errors:
                try:
                    with transaction.atomic():
                        _row_write(job, row, actor, counts)
                except (DeskError, ValidationError) as error:
                    reason = error.message if isinstance(error, DeskError) else error.messages[0]
                    row.errors.append(str(reason))
            if row.errors:
                counts.errors.append({"row": number, "reason": "; ".join(row.errors)})
        job.processed_rows = start + len(chunk)
        job.created_count += counts.created
        job.updated_count += counts.updated
        job.unchanged_count += counts.unchanged
        job.error_count += len(counts.errors)
        room = max(0, ERRORS_KEPT - len(job.errors))
        job.errors = [*job.errors, *counts.errors[:room]]
        job.save(
            update_fields=[
                "processed_rows",
                "created_count",
                "updated_count",
                "unchanged_count",
                "error_count",
                "errors",
            ]
        )
    return True


def contact_import_run(job_id: int) -> str:
    """Imports every row of a started job, chunk by chunk; safe to run twice."""
    job = ContactImport.objects.filter(pk=job_id).first()
    if job is None or job.finished or job.status == ImportStatus.UPLOADED:
        return "skipped"
    if job.started_at is None:
        ContactImport.objects.filter(pk=job_id).update(
            status=ImportStatus.RUNNING, started_at=timezone.now()
        )
    try:
        rows = table_read(bytes(job.content), job.file_format).rows
        while _chunk_run(job_id, rows):
            pass
    except Exception as error:
        logger.exception("contact import failed", extra={"import_id": job_id})
        with transaction.atomic():
            failed = ContactImport.objects.select_for_update().get(pk=job_id)
            failed.status = ImportStatus.FAILED
            failed.failure = (
                error.message if isinstance(error, DeskError) else _("Erro interno ao importar.")
            )[:500]
            failed.finished_at = timezone.now()
            failed.content = b""
            failed.save(update_fields=["status", "failure", "finished_at", "content"])
            audit_record(
                actor=_job_actor(failed),
                action="contact.import.fail",
                target=failed,
                after={"processed": failed.processed_rows, "reason": failed.failure},
            )
        return "failed"
    with transaction.atomic():
        done = ContactImport.objects.select_for_update().get(pk=job_id)
        if done.finished:
            return "skipped"
        done.status = ImportStatus.DONE
        done.finished_at = timezone.now()
        done.content = b""
        done.save(update_fields=["status", "finished_at", "content"])
        audit_record(
            actor=_job_actor(done),
            action="contact.import.finish",
            target=done,
            after={
                "created": done.created_count,
                "updated": done.updated_count,
                "unchanged": done.unchanged_count,
                "errors": done.error_count,
            },
        )
    return "done"
