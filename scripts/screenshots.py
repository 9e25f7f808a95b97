"""PNG screenshots of the agent console and the supervisor monitor, for the documentation.

    make screenshots                                   # against a running `make run`
    python scripts/screenshots.py --base-url http://demo.localhost:8000
    python scripts/screenshots.py --own-server --port 8130

Drives Debian's Chromium (/usr/bin/chromium) with Playwright, signs in with the demo tenant's
published credentials (tenants/demo.py) and writes into docs/screenshots/:
console.png, console-conversation.png (when the agent has a conversation), console-phone.png,
monitor.png, the administrator's screens (contacts, team, channels, security, consumption),
the supervisor's reports and dashboard, the control plane's dashboard and the public status
page, each named after its screen (admin-*.png, supervisor-*.png, operator-*.png,
status.png). With --own-server it starts `python -m config.run serve` on the given port (the
same embedded or configured services as `make run`) and stops it at the end.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tenants.demo import DEMO_PASSWORD  # noqa: E402 - after the path is set

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AGENT = "atendente@demo.local"
SUPERVISOR = "supervisor@demo.local"
ADMIN = "admin@demo.local"
OPERATOR = "operador@provedor.local"
WIDE = {"width": 1440, "height": 900}
# Plain server-rendered screens (no live stream), by who sees them: (file, path).
SCREENS: dict[str, list[tuple[str, str]]] = {
    ADMIN: [
        ("admin-contacts.png", "/contatos/"),
        ("admin-contact-import.png", "/contatos/importar/"),
        ("admin-routing.png", "/roteamento/"),
        ("admin-teams.png", "/roteamento/equipes/"),
        ("admin-channels.png", "/canais/"),
        ("admin-security.png", "/seguranca/"),
        ("admin-consumption.png", "/consumo/"),
    ],
    SUPERVISOR: [
        ("supervisor-reports.png", "/relatorios/"),
        ("supervisor-dashboard.png", "/relatorios/painel/"),
    ],
}


def _wait_for_port(
    host: str, port: int, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"o servidor terminou antes de atender (código {process.returncode})")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.5)
    raise SystemExit(f"o servidor não respondeu em {host}:{port} após {timeout:.0f} s")


def _start_server(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "config.run", "serve", "--port", str(port), "--no-worker"],
        cwd=ROOT,
        start_new_session=True,
    )
    # Migrating and seeding the demo takes a while on the first run.
    _wait_for_port("127.0.0.1", port, timeout=300, process=process)
    return process


def _stop_server(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def _signed_in(browser: Any, base_url: str, email: str, **options: Any) -> Any:
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo", **options)
    page = context.new_page()
    page.goto(f"{base_url}/conta/entrar/")
    page.fill("#id_username", email)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/conta/entrar/" in page.url:
        raise SystemExit(f"não foi possível entrar como {email} em {base_url}")
    return page


def _settled(page: Any) -> None:
    """The live stream keeps the network busy, so "network idle" never comes: wait for the
    page to say its live updates are on instead."""
    from playwright.sync_api import expect

    page.wait_for_load_state("load")
    # A locator, not a JavaScript predicate: the strict CSP forbids evaluating strings.
    expect(page.locator("[data-live-state]")).not_to_have_text("", timeout=15_000)


def _plain(page: Any, base_url: str, screens: list[tuple[str, str]], out: Path) -> list[Path]:
    written: list[Path] = []
    for name, path in screens:
        response = page.goto(f"{base_url}{path}")
        if response is None or response.status != 200:
            status = response.status if response is not None else "sem resposta"
            raise SystemExit(f"{path} respondeu {status}")
        page.wait_for_load_state("load")
        page.screenshot(path=str(out / name), full_page=True)
        written.append(out / name)
    return written


def take(base_url: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            agent = _signed_in(browser, base_url, AGENT, viewport={"width": 1440, "height": 900})
            agent.goto(f"{base_url}/console/")
            _settled(agent)
            agent.screenshot(path=str(out / "console.png"), full_page=True)
            written.append(out / "console.png")
            first = agent.locator(".conversation-list a").first
            if first.count():
                first.click()
                _settled(agent)
                agent.screenshot(path=str(out / "console-conversation.png"), full_page=True)
                written.append(out / "console-conversation.png")
            phone = _signed_in(
                browser,
                base_url,
                AGENT,
                viewport={"width": 390, "height": 844},
                is_mobile=True,
                has_touch=True,
            )
            phone.goto(f"{base_url}/console/")
            _settled(phone)
            phone.screenshot(path=str(out / "console-phone.png"), full_page=True)
            written.append(out / "console-phone.png")
            supervisor = _signed_in(
                browser, base_url, SUPERVISOR, viewport={"width": 1440, "height": 900}
            )
            supervisor.goto(f"{base_url}/monitor/")
            _settled(supervisor)
            supervisor.screenshot(path=str(out / "monitor.png"), full_page=True)
            written.append(out / "monitor.png")
            for email, screens in SCREENS.items():
                page = _signed_in(browser, base_url, email, viewport=WIDE)
                written.extend(_plain(page, base_url, screens, out))
            public_url = base_url.replace("//demo.", "//", 1)
            operator = _signed_in(browser, public_url, OPERATOR, viewport=WIDE)
            written.extend(
                _plain(
                    operator,
                    public_url,
                    [("operator-dashboard.png", "/controle/painel/"), ("status.png", "/status/")],
                    out,
                )
            )
        finally:
            browser.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--base-url",
        default="",
        help="address of the demo tenant (default http://demo.localhost:PORT)",
    )
    parser.add_argument("--port", type=int, default=8000, help="port of the server (8000)")
    parser.add_argument(
        "--own-server",
        action="store_true",
        help="start `python -m config.run serve --port PORT` for the run and stop it after",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "screenshots", help="output folder"
    )
    options = parser.parse_args()
    base_url = (options.base_url or f"http://demo.localhost:{options.port}").rstrip("/")
    server = _start_server(options.port) if options.own_server else None
    try:
        for path in take(base_url, options.out):
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            sys.stdout.write(f"{shown}\n")
    finally:
        if server is not None:
            _stop_server(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
