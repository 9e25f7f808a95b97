"""The demo municipality's published credentials (development only), importable without Django."""

DEMO_PASSWORD = "Demo@2026!"  # noqa: S105 - published demo credentials, development only
DEMO_CNPJ = "46395000000139"
OPERATOR_EMAIL = "operador@provedor.local"
# (e-mail, name, role value, role label)
DEMO_USERS = [
    ("admin@demo.local", "Ana Administradora", "administrador", "Administrador"),
    ("supervisor@demo.local", "Sérgio Supervisor", "supervisor", "Supervisor"),
    ("atendente@demo.local", "Aline Atendente", "atendente", "Atendente"),
    ("atendente2@demo.local", "Bruno Atendente", "atendente", "Atendente"),
    ("auditor@demo.local", "Augusto Auditor", "auditor", "Auditor"),
]
