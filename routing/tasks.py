"""Celery beat tasks of routing (public schema; they enter each tenant). Thin: call a
service. Safe to run twice or late: each step re-checks under a row lock."""

from __future__ import annotations

from celery import shared_task

from routing.services import sweeps


@shared_task(name="routing.tasks.queue_sweep")
def queue_sweep() -> int:
    return sweeps.queue_sweep()


@shared_task(name="routing.tasks.inactivity_sweep")
def inactivity_sweep() -> int:
    return sweeps.inactivity_sweep_all_tenants()


@shared_task(name="routing.tasks.survey_expire")
def survey_expire() -> int:
    return sweeps.survey_expire_all_tenants()
