"""Privacy screens on the tenant host under /privacidade/."""

from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("palavras-chave/", views.keywords, name="keywords"),
    path("contatos.csv", views.contacts_csv, name="contacts_csv"),
    path("contatos/<int:contact_id>/", views.contact_panel, name="contact_panel"),
    path("contatos/<int:contact_id>/lgpd/", views.contact_requests, name="contact_requests"),
    path(
        "contatos/<int:contact_id>/consentimento/",
        views.consent_change,
        name="consent_change",
    ),
    path("contatos/<int:contact_id>/cpf/", views.cpf_set, name="cpf_set"),
    path("contatos/<int:contact_id>/exportar.json", views.export_json, name="export_json"),
    path("contatos/<int:contact_id>/exportar.pdf", views.export_pdf, name="export_pdf"),
    path("contatos/<int:contact_id>/anonimizar/", views.anonymize, name="anonymize"),
]
