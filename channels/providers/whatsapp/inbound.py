"""Turn a WhatsApp Cloud API `messages` webhook into provider-neutral events.

Body shape: `{"object": "whatsapp_business_account", "entry": [{"id": <WABA id>, "changes":
[{"field": "messages", "value": {...}}]}]}`. One body may carry several entries and changes;
each `value` holds `metadata.phone_number_id` (our routing key), and `messages` from citizens
and/or `statuses` of messages we sent.

What is not a message or one of the four statuses we track (other webhook fields such as
`message_template_status_update`, `played` statuses, value-level `errors`) becomes an
`UnknownEvent`; an inbound message of a type we do not map becomes an `unsupported` message so
the agent still sees that the citizen wrote.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

from channels.providers.base import (
    ContactPhone,
    InboundMessage,
    InteractiveReply,
    Location,
    MediaRef,
    MessageKind,
    MessageStatus,
    ParsedEvent,
    Provider,
    Reaction,
    SharedContact,
    StatusUpdate,
    UnknownEvent,
)
from channels.providers.errors import MalformedPayload
from channels.providers.normalize import (
    canonical_json,
    load_json_object,
    optional_str,
    sub_object,
    to_e164,
    unix_to_utc,
)

PROVIDER = Provider.WHATSAPP.value
_MEDIA_TYPES = {
    "image": MessageKind.IMAGE,
    "audio": MessageKind.AUDIO,
    "video": MessageKind.VIDEO,
    "document": MessageKind.DOCUMENT,
    "sticker": MessageKind.STICKER,
}
_INTERACTIVE_REPLIES = ("button_reply", "list_reply")
_VALUE_KEYS_HANDLED = frozenset(
    {"messaging_product", "metadata", "contacts", "messages", "statuses"}
)


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{where} must be an object")
    return value


def _list(value: object, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload(f"{where} must be a list")
    return value


def _required_str(container: Mapping[str, Any], key: str, where: str) -> str:
    value = container.get(key)
    if value is None or value == "":
        raise MalformedPayload(f"{where}.{key} is required")
    return str(value)


def _changes(payload: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (WABA id, change) for every change in the body, validating the envelope."""
    if payload.get("object") != "whatsapp_business_account":
        raise MalformedPayload("object must be 'whatsapp_business_account'")
    entries = _list(payload.get("entry"), "entry")
    if not entries:
        raise MalformedPayload("entry is empty")
    for entry_index, raw_entry in enumerate(entries):
        entry = _object(raw_entry, f"entry[{entry_index}]")
        changes = _list(entry.get("changes"), f"entry[{entry_index}].changes")
        for change_index, raw_change in enumerate(changes):
            yield (
                str(entry.get("id") or ""),
                _object(raw_change, f"entry[{entry_index}].changes[{change_index}]"),
            )


def _phone_number_id(value: Mapping[str, Any]) -> str:
    metadata = _object(value.get("metadata"), "value.metadata")
    return _required_str(metadata, "phone_number_id", "value.metadata")


def account_ids(body: bytes) -> tuple[str, ...]:
    found: list[str] = []
    for _waba, change in _changes(load_json_object(body)):
        value = change.get("value")
        if isinstance(value, dict) and isinstance(value.get("metadata"), dict):
            phone_number_id = optional_str(value["metadata"].get("phone_number_id"))
            if phone_number_id and phone_number_id not in found:
                found.append(phone_number_id)
    return tuple(found)


def event_key(body: bytes) -> str:
    """WhatsApp sends no event id, so the key is built from what the body reports.

    Messages are keyed by their wamid, statuses by wamid + status + timestamp (one wamid gets a
    `sent`, a `delivered` and a `read`), anything else by a hash of its canonical JSON. Meta
    retries a failed delivery with the same content, so a retry gets the same key; hashing the
    canonical form rather than the bytes keeps that true even if whitespace or key order
    changed. A body that is not JSON is keyed by the SHA-256 of its bytes.
    """
    try:
        changes = list(_changes(load_json_object(body)))
    except MalformedPayload:
        return f"{PROVIDER}:body:{hashlib.sha256(body).hexdigest()}"
    items: list[str] = []
    for _waba, change in changes:
        value = change.get("value")
        if change.get("field") == "messages" and isinstance(value, dict):
            items.extend(
                f"m:{message['id']}"
                for message in _list(value.get("messages"), "messages")
                if isinstance(message, dict) and message.get("id")
            )
            items.extend(
                f"s:{status['id']}:{status.get('status')}:{status.get('timestamp')}"
                for status in _list(value.get("statuses"), "statuses")
                if isinstance(status, dict) and status.get("id")
            )
            extra = {key: item for key, item in value.items() if key not in _VALUE_KEYS_HANDLED}
            if extra or not (value.get("messages") or value.get("statuses")):
                items.append(f"x:{hashlib.sha256(canonical_json(change)).hexdigest()}")
        else:
            items.append(f"x:{hashlib.sha256(canonical_json(change)).hexdigest()}")
    if len(items) == 1:
        return f"{PROVIDER}:{items[0]}"
    digest = hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()
    return f"{PROVIDER}:batch:{digest}"


def parse(body: bytes) -> ParsedEvent:
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    unknown: list[UnknownEvent] = []
    for waba_id, change in _changes(load_json_object(body)):
        field_name = str(change.get("field") or "")
        value = change.get("value")
        if field_name != "messages":
            unknown.append(
                UnknownEvent(
                    provider=PROVIDER,
                    event_type=field_name or "unnamed_field",
                    raw=change,
                    account_id=waba_id or None,
                )
            )
            continue
        value = _object(value, "value")
        account_id = _phone_number_id(value)
        names = _contact_names(value)
        messages.extend(
            _message(_object(raw_message, "message"), account_id, names)
            for raw_message in _list(value.get("messages"), "value.messages")
        )
        for raw_status in _list(value.get("statuses"), "value.statuses"):
            item = _status(_object(raw_status, "status"), account_id)
            if isinstance(item, StatusUpdate):
                statuses.append(item)
            else:
                unknown.append(item)
        for key, extra in value.items():
            if key not in _VALUE_KEYS_HANDLED:
                unknown.append(
                    UnknownEvent(
                        provider=PROVIDER,
                        event_type=f"messages.{key}",
                        raw={key: extra},
                        account_id=account_id,
                    )
                )
    return ParsedEvent(messages=tuple(messages), statuses=tuple(statuses), unknown=tuple(unknown))


def _contact_names(value: Mapping[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for raw_contact in _list(value.get("contacts"), "value.contacts"):
        if not isinstance(raw_contact, dict):
            continue
        profile = raw_contact.get("profile")
        name = profile.get("name") if isinstance(profile, dict) else None
        wa_id = raw_contact.get("wa_id") or raw_contact.get("user_id")
        if wa_id and name:
            names[str(wa_id)] = str(name)
    return names


def _message(message: dict[str, Any], account_id: str, names: Mapping[str, str]) -> InboundMessage:
    message_type = str(message.get("type") or "")
    sender_id = _required_str(message, "from", "message")
    context = sub_object(message, "context")
    common: dict[str, Any] = {
        "provider": PROVIDER,
        "account_id": account_id,
        "provider_message_id": _required_str(message, "id", "message"),
        "sender_id": sender_id,
        "sender_name": names.get(sender_id),
        "sender_phone": to_e164(sender_id) if sender_id.isdigit() else None,
        "timestamp": unix_to_utc(message.get("timestamp")),
        "reply_to": optional_str(context.get("id")),
        "forwarded": bool(context.get("forwarded") or context.get("frequently_forwarded")),
        "raw": message,
    }

    if message_type == "text":
        text = _object(message.get("text"), "message.text")
        return InboundMessage(kind=MessageKind.TEXT, text=optional_str(text.get("body")), **common)

    if message_type in _MEDIA_TYPES:
        media = _object(message.get(message_type), f"message.{message_type}")
        caption = optional_str(media.get("caption"))
        return InboundMessage(
            kind=_MEDIA_TYPES[message_type],
            text=caption,
            media=MediaRef(
                provider_media_id=_required_str(media, "id", f"message.{message_type}"),
                mime_type=optional_str(media.get("mime_type")),
                filename=optional_str(media.get("filename")),
                sha256=optional_str(media.get("sha256")),
                caption=caption,
                voice=bool(media.get("voice")),
            ),
            **common,
        )

    if message_type == "location":
        location = _object(message.get("location"), "message.location")
        try:
            latitude = float(location["latitude"])
            longitude = float(location["longitude"])
        except (KeyError, TypeError, ValueError) as error:
            raise MalformedPayload(
                "message.location needs numeric latitude and longitude"
            ) from error
        return InboundMessage(
            kind=MessageKind.LOCATION,
            location=Location(
                latitude=latitude,
                longitude=longitude,
                name=optional_str(location.get("name")),
                address=optional_str(location.get("address")),
                url=optional_str(location.get("url")),
            ),
            **common,
        )

    if message_type == "contacts":
        cards = tuple(
            _shared_contact(_object(card, "message.contacts[]"))
            for card in _list(message.get("contacts"), "message.contacts")
        )
        return InboundMessage(kind=MessageKind.CONTACTS, contacts=cards, **common)

    if message_type == "interactive":
        interactive = _object(message.get("interactive"), "message.interactive")
        reply_type = str(interactive.get("type") or "")
        if reply_type in _INTERACTIVE_REPLIES:
            reply = _object(interactive.get(reply_type), f"message.interactive.{reply_type}")
            title = optional_str(reply.get("title"))
            return InboundMessage(
                kind=MessageKind.INTERACTIVE,
                text=title,
                interactive=InteractiveReply(
                    id=_required_str(reply, "id", f"message.interactive.{reply_type}"),
                    title=title,
                    type=reply_type,
                    description=optional_str(reply.get("description")),
                ),
                **common,
            )
        return InboundMessage(kind=MessageKind.UNSUPPORTED, **common)

    if message_type == "button":
        button = _object(message.get("button"), "message.button")
        title = optional_str(button.get("text"))
        return InboundMessage(
            kind=MessageKind.BUTTON,
            text=title,
            interactive=InteractiveReply(
                id=str(button.get("payload") or title or ""),
                title=title,
                type="button",
            ),
            **common,
        )

    if message_type == "reaction":
        reaction = _object(message.get("reaction"), "message.reaction")
        return InboundMessage(
            kind=MessageKind.REACTION,
            reaction=Reaction(
                message_id=_required_str(reaction, "message_id", "message.reaction"),
                # Meta omits `emoji` when the citizen removes a reaction.
                emoji=optional_str(reaction.get("emoji")) or None,
            ),
            **common,
        )

    return InboundMessage(kind=MessageKind.UNSUPPORTED, **common)


def _shared_contact(card: Mapping[str, Any]) -> SharedContact:
    name = sub_object(card, "name")
    org = sub_object(card, "org")
    phones = tuple(
        ContactPhone(
            phone=str(phone.get("phone") or ""),
            wa_id=optional_str(phone.get("wa_id")),
            type=optional_str(phone.get("type")),
        )
        for phone in _list(card.get("phones"), "contact.phones")
        if isinstance(phone, dict)
    )
    emails = tuple(
        str(email["email"])
        for email in _list(card.get("emails"), "contact.emails")
        if isinstance(email, dict) and email.get("email")
    )
    first_name = optional_str(name.get("first_name"))
    last_name = optional_str(name.get("last_name"))
    formatted = optional_str(name.get("formatted_name")) or " ".join(
        part for part in (first_name, last_name) if part
    )
    return SharedContact(
        formatted_name=formatted,
        first_name=first_name,
        last_name=last_name,
        phones=phones,
        emails=emails,
        organization=optional_str(org.get("company")),
    )


def _status(status: dict[str, Any], account_id: str) -> StatusUpdate | UnknownEvent:
    raw_status = str(status.get("status") or "")
    try:
        value = MessageStatus(raw_status)
    except ValueError:
        # `played` (voice note listened to), `deleted`, payment statuses...: recorded, not mapped.
        return UnknownEvent(
            provider=PROVIDER,
            event_type=f"status.{raw_status or 'missing'}",
            raw=status,
            account_id=account_id,
        )
    errors = [
        error for error in _list(status.get("errors"), "status.errors") if isinstance(error, dict)
    ]
    first_error = errors[0] if errors else {}
    error_data = sub_object(first_error, "error_data")
    pricing = status.get("pricing")
    conversation = status.get("conversation")
    return StatusUpdate(
        provider=PROVIDER,
        account_id=account_id,
        provider_message_id=_required_str(status, "id", "status"),
        status=value,
        timestamp=unix_to_utc(status.get("timestamp")),
        recipient_id=optional_str(status.get("recipient_id")),
        error_code=optional_str(first_error.get("code")),
        error_title=optional_str(first_error.get("title")),
        error_detail=optional_str(error_data.get("details"))
        or optional_str(first_error.get("message")),
        pricing=pricing if isinstance(pricing, dict) else None,
        conversation=conversation if isinstance(conversation, dict) else None,
        raw=status,
    )
