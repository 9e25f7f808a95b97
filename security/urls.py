"""The admin's security screens, on the tenant host under /seguranca/."""

from django.urls import path

from security.views import admin, logs, users

app_name = "security"

urlpatterns = [
    path("", admin.index, name="index"),
    path("politica/", admin.policy_edit, name="policy"),
    path("ips/", admin.ip_rules, name="ip_rules"),
    path("ips/<int:rule_id>/remover/", admin.ip_rule_delete, name="ip_rule_delete"),
    path("bloqueios/", admin.blocks, name="blocks"),
    path("bloqueios/<int:block_id>/desbloquear/", admin.block_release, name="block_release"),
    path(
        "bloqueios/<int:block_id>/permanente/",
        admin.block_make_permanent,
        name="block_make_permanent",
    ),
    path("ocultacao/", admin.masking_rules, name="masking_rules"),
    path("ocultacao/<int:rule_id>/remover/", admin.masking_rule_delete, name="masking_rule_delete"),
    path("horarios/", admin.login_schedules, name="login_schedules"),
    path(
        "horarios/<int:schedule_id>/remover/",
        admin.login_schedule_delete,
        name="login_schedule_delete",
    ),
    path("permissoes/", users.permissions, name="permissions"),
    path("permissoes/<int:user_id>/", users.user_permissions, name="user_permissions"),
    path(
        "permissoes/<int:user_id>/redefinir-2fa/",
        users.two_factor_reset_view,
        name="two_factor_reset",
    ),
    path("acessos/", logs.access_log, name="access_log"),
    path("auditoria/", logs.audit_log, name="audit_log"),
]
