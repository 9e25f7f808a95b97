from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from accounts.models import User


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def send_invitation_email(*, user_id: int, url: str) -> None:
    user = User.objects.get(pk=user_id)
    context = {"user": user, "url": url, "valid_days": settings.INVITATION_VALID_DAYS}
    send_mail(
        subject=render_to_string("accounts/email/invitation_subject.txt", context).strip(),
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
