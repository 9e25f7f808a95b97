"""`make run` and `make test` on any machine with Python 3.11.

    python -m config.run serve [--host 127.0.0.1] [--port 8000] [--no-worker]
    python -m config.run test [-- pytest arguments]
    python -m config.run bench bench/<name>.py [arguments]

Starts embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are unset, migrates (public,
template, tenants), seeds the demo municipality, then serves the platform with a Celery worker and
beat alongside. Ctrl-C stops everything it started; data stays in .data/ for the next run.
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

from config.embedded import DATA_DIR, EmbeddedServices

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _step(message: str) -> None:
    print(f"==> {message}", flush=True)


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((host, port)) == 0


def serve(options: argparse.Namespace) -> int:
    if _port_in_use(options.host, options.port):
        print(
            f"A porta {options.port} já está em uso em {options.host}. Pare o outro processo "
            f"ou use: make run RUN_ARGS='--port 8001'",
            file=sys.stderr,
        )
        return 2
    services = EmbeddedServices()
    _step("iniciando serviços")
    services.ensure()
    for line in services.started:
        print(f"    {line}", flush=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Links in e-mails and the CSRF-trusted origins name the port the platform listens on.
    os.environ.setdefault("PUBLIC_PORT", str(options.port))
    _step("compilando traduções")
    _manage("compile_catalogs")
    _step("aplicando migrações (público, modelo, órgãos)")
    _manage("migrate_all")
    _manage("clickhouse_migrate")
    _step("preparando dados de demonstração")
    _manage("seed_demo")

    (DATA_DIR / "celery").mkdir(parents=True, exist_ok=True)
    commands = [
        [
            PYTHON,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            options.host,
            "--port",
            str(options.port),
            "--proxy-headers",
            "--log-level",
            "warning",
        ],
    ]
    if not options.no_worker:
        commands.append(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-l",
                "warning",
                "--concurrency",
                "2",
            ]
        )
        commands.append(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "warning",
                "--schedule",
                str(DATA_DIR / "celery" / "beat-schedule"),
            ]
        )
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.extend(subprocess.Popen(command, cwd=ROOT) for command in commands)
        return _supervise(processes, options.port)
    finally:
        _stop(processes)


def _supervise(processes: list[subprocess.Popen[bytes]], port: int) -> int:
    from tenants.demo import DEMO_PASSWORD, DEMO_USERS, OPERATOR_EMAIL

    print(
        f"""
Plataforma no ar (Ctrl-C para parar):
  Plano de controle (operadores): http://localhost:{port}/
      {OPERATOR_EMAIL} / {DEMO_PASSWORD}
  Órgão de demonstração:          http://demo.localhost:{port}/
"""
        + "\n".join(
            f"      {email} / {DEMO_PASSWORD}  ({label})"
            for email, _name, _role, label in DEMO_USERS
        )
        + f"\n  Documentação da API:            http://demo.localhost:{port}/api/docs\n",
        flush=True,
    )
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(process.poll() is None for process in processes):
        time.sleep(0.5)
    return 0 if stopping else 1


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stops every child, whatever made the launcher stop, so nothing is left running."""
    _step("parando")
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test(pytest_args: list[str]) -> int:
    services = EmbeddedServices()
    # The analytics tests start their own chDB service on a free port.
    services.ensure(clickhouse=False)
    for line in services.started:
        print(f"    {line}", flush=True)
    subprocess.run(
        [PYTHON, "manage.py", "compile_catalogs"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    # Importing `config` (this module's package) set DJANGO_SETTINGS_MODULE for the Celery app;
    # pytest-django prefers that variable to pyproject's, so name the test settings explicitly.
    return subprocess.run(
        [PYTHON, "-m", "pytest", *pytest_args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"},
    ).returncode


def bench(script_args: list[str]) -> int:
    services = EmbeddedServices()
    services.ensure()
    return subprocess.run([PYTHON, *script_args], cwd=ROOT).returncode


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m config.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the platform with its demo tenant")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument(
        "--no-worker", action="store_true", help="do not start the Celery worker and beat"
    )
    commands.add_parser("test", help="run the test suite (arguments after -- go to pytest)")
    commands.add_parser("bench", help="run a benchmark script (bench/<name>.py [arguments])")
    options, rest = parser.parse_known_args()
    if options.command == "serve":
        return serve(options)
    if options.command == "bench":
        return bench(rest)
    return test([arg for arg in rest if arg != "--"])


if __name__ == "__main__":
    sys.exit(main())
