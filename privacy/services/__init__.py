"""Privacy services: consent, the contact's encrypted documents, data subject requests."""

from privacy.services.consent import (
    consent_allows_campaign,
    consent_history,
    consent_keyword_handle,
    consent_set,
    keywords_get,
    keywords_update,
)
from privacy.services.personal_data import (
    contact_cpf_get,
    contact_cpf_set,
    contact_find_by_cpf,
)

__all__ = [
    "consent_allows_campaign",
    "consent_history",
    "consent_keyword_handle",
    "consent_set",
    "contact_cpf_get",
    "contact_cpf_set",
    "contact_find_by_cpf",
    "keywords_get",
    "keywords_update",
]
