"""A loopback Stripe for tests: localstripe behind a thin layer that fills localstripe's gaps.

localstripe (a real, independent Stripe emulator, run as a subprocess) serves customers and
stores invoice items. What it lacks (ENVIRONMENT.md, "Stripe") is answered here from Stripe's
recorded API objects (`fixtures/stripe/`):

- invoice items priced by `quantity` x `unit_amount_decimal` with a `period` object: localstripe
  only takes `amount`, so the amount is computed here and the item stored in localstripe;
  Stripe's own rounding of that product is not documented, so this double rounds half-up, which
  differs from our half-even on ties and lets a test show the rounding item doing its job;
- one-off invoices gathering the customer's pending items, invoice lists and retrieval, and
  `POST /v1/invoices/{id}/finalize`;
- `Idempotency-Key`: a repeated key gets the first response again, as Stripe documents.

It also records every request, and can "lose" a response (answer 500 after doing the work) to
show that a retried call with the same idempotency key does not create a second object.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`metadata[line]=x` → {"metadata": {"line": "x"}} (Stripe's form encoding)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return result


def flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            pairs.extend(flatten(value, name))
        else:
            pairs.append((name, str(value)))
    return pairs


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header as Stripe computes it (HMAC-SHA256 of "t.payload")."""
    timestamp = timestamp or int(time.time())
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    status: int


@dataclass
class StripeDouble:
    localstripe_url: str
    requests: list[Recorded] = field(default_factory=list)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    item_extras: dict[str, dict[str, Any]] = field(default_factory=dict)
    attached: dict[str, str] = field(default_factory=dict)
    lose_response_of: set[str] = field(default_factory=set)
    _replies: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    # --- HTTP plumbing ------------------------------------------------------------------

    def start(self) -> None:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                status, reply = double.handle(method, self.path, body, dict(self.headers))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.invoices.clear()
            self.item_extras.clear()
            self.attached.clear()
            self.lose_response_of.clear()
            self._replies.clear()
        httpx.delete(f"{self.localstripe_url}/_config/data", timeout=10)

    def handle(
        self, method: str, raw_path: str, body: str, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        split = urlsplit(raw_path)
        path = split.path
        pairs = parse_qsl(body if method == "POST" else split.query, keep_blank_values=True)
        params = unflatten(pairs)
        key = headers.get("Idempotency-Key") or headers.get("idempotency-key")
        with self._lock:
            if method == "POST" and key and key in self._replies:
                status, reply = self._replies[key]
                self.requests.append(Recorded(method, path, params, key, status))
                return status, reply
            status, payload = self._route(method, path, params, pairs, headers)
            reply = json.dumps(payload).encode()
            if method == "POST" and key and status < 500:
                self._replies[key] = (status, reply)
            self.requests.append(Recorded(method, path, params, key, status))
            if method == "POST" and path in self.lose_response_of:
                # The work is done and remembered under the key, but the answer is lost.
                self.lose_response_of.discard(path)
                return 500, json.dumps(
                    {"error": {"type": "api_error", "message": "response lost"}}
                ).encode()
            return status, reply

    def _forward(
        self, method: str, path: str, pairs: list[tuple[str, str]], headers: dict[str, str]
    ) -> tuple[int, Any]:
        query: list[tuple[str, str | int | float | bool | None]] = list(pairs)
        auth = {"Authorization": headers.get("Authorization", "")}
        url = f"{self.localstripe_url}{path}"
        if method == "GET":
            response = httpx.get(url, params=query, headers=auth, timeout=10)
        elif method == "DELETE":
            response = httpx.delete(url, headers=auth, timeout=10)
        else:
            response = httpx.post(
                url,
                content=urlencode(pairs),
                headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
                timeout=10,
            )
        return response.status_code, response.json()

    # --- Routes -------------------------------------------------------------------------

    def _route(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        pairs: list[tuple[str, str]],
        headers: dict[str, str],
    ) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if path == "/v1/invoiceitems" and method == "POST":
            return self._item_create(params, headers)
        if path == "/v1/invoiceitems" and method == "GET":
            return self._item_list(params, headers)
        if path == "/v1/invoices" and method == "POST":
            return self._invoice_create(params, headers)
        if path == "/v1/invoices" and method == "GET":
            data = [
                inv for inv in self.invoices.values() if inv["customer"] == params.get("customer")
            ]
            return 200, {"object": "list", "data": data, "has_more": False, "url": "/v1/invoices"}
        if len(parts) == 3 and parts[:2] == ["v1", "invoices"] and method == "GET":
            invoice = self.invoices.get(parts[2])
            return (200, invoice) if invoice else (404, {"error": {"message": "No such invoice"}})
        if len(parts) == 4 and parts[:2] == ["v1", "invoices"] and parts[3] == "finalize":
            return self._invoice_finalize(parts[2], params)
        return self._forward(method, path, pairs, headers)

    def _item_create(self, params: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        extras: dict[str, Any] = {}
        forward = dict(params)
        if "unit_amount_decimal" in forward:
            quantity = int(forward.pop("quantity", "1"))
            unit = Decimal(forward.pop("unit_amount_decimal"))
            forward["amount"] = str(int((quantity * unit).quantize(Decimal(1), ROUND_HALF_UP)))
            extras.update(
                {"quantity": quantity, "unit_amount_decimal": str(unit), "unit_amount": None}
            )
        period = forward.pop("period", None)
        if period:
            forward["period_start"], forward["period_end"] = period["start"], period["end"]
            extras["period"] = {"start": int(period["start"]), "end": int(period["end"])}
        status, item = self._forward("POST", "/v1/invoiceitems", flatten(forward), headers)
        if status == 200:
            self.item_extras[item["id"]] = extras
            item.update(extras)
        return status, item

    def _items_of(self, customer: str, headers: dict[str, str]) -> list[dict[str, Any]]:
        status, listing = self._forward(
            "GET", "/v1/invoiceitems", [("customer", customer), ("limit", "100")], headers
        )
        items = listing["data"] if status == 200 else []
        for item in items:
            item.update(self.item_extras.get(item["id"], {}))
            item["invoice"] = self.attached.get(item["id"])
        return items

    def _item_list(self, params: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        items = self._items_of(params.get("customer", ""), headers)
        if params.get("pending") == "true":
            items = [item for item in items if item["invoice"] is None]
        return 200, {"object": "list", "data": items, "has_more": False, "url": "/v1/invoiceitems"}

    def _invoice_create(self, params: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        customer = params["customer"]
        pending = [item for item in self._items_of(customer, headers) if item["invoice"] is None]
        if params.get("pending_invoice_items_behavior") != "include":
            pending = []
        invoice = fixture("invoice")
        invoice_id = "in_" + secrets.token_hex(12)
        lines = []
        for item in pending:
            line = copy.deepcopy(fixture("line_item"))
            line.update(
                {
                    "id": "il_" + secrets.token_hex(12),
                    "invoice_item": item["id"],
                    "amount": item["amount"],
                    "amount_excluding_tax": item["amount"],
                    "currency": item["currency"],
                    "description": item["description"],
                    "metadata": item.get("metadata") or {},
                    "quantity": item.get("quantity", 1),
                    "period": item.get("period") or line["period"],
                }
            )
            lines.append(line)
            self.attached[item["id"]] = invoice_id
        total = sum(line["amount"] for line in lines)
        now = int(time.time())
        invoice.update(
            {
                "id": invoice_id,
                "customer": customer,
                "created": now,
                "currency": pending[0]["currency"] if pending else "brl",
                "description": params.get("description"),
                "metadata": params.get("metadata", {}),
                "lines": {
                    "data": lines,
                    "has_more": False,
                    "object": "list",
                    "url": f"/v1/invoices/{invoice_id}/lines",
                },
                "subtotal": total,
                "subtotal_excluding_tax": total,
                "total": total,
                "total_excluding_tax": total,
                "amount_due": total,
                "amount_remaining": total,
                "status": "draft",
            }
        )
        self.invoices[invoice_id] = invoice
        return 200, invoice

    def _invoice_finalize(self, invoice_id: str, params: dict[str, Any]) -> tuple[int, Any]:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            return 404, {"error": {"message": "No such invoice"}}
        if invoice["status"] != "draft":
            return 400, {"error": {"message": "This invoice is already finalized"}}
        invoice["status"] = "open"
        invoice["auto_advance"] = params.get("auto_advance") == "true"
        invoice["number"] = f"{invoice_id[-8:].upper()}-0001"
        invoice["status_transitions"]["finalized_at"] = int(time.time())
        return 200, invoice

    # --- Assertions helpers -------------------------------------------------------------

    def created(self, path: str) -> list[Recorded]:
        """Creating calls that reached the double (replays included)."""
        return [r for r in self.requests if r.method == "POST" and r.path == path]
