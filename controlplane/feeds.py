"""The status page as an Atom feed: every incident update and every maintenance notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from controlplane.components import component_name
from controlplane.models import IncidentUpdate, Maintenance

FEED_ITEMS = 50


@dataclass(frozen=True)
class FeedEntry:
    key: str
    title: str
    text: str
    published: datetime
    updated: datetime


def feed_entries(limit: int = FEED_ITEMS) -> list[FeedEntry]:
    entries = []
    for update in IncidentUpdate.objects.select_related("incident").order_by("-posted_at")[:limit]:
        incident = update.incident
        names = ", ".join(component_name(key) for key in incident.components)
        entries.append(
            FeedEntry(
                key=f"incident-update-{update.pk}",
                title=f"{incident.title} — {update.get_status_display()}",
                text=f"{update.message}\n\n{_('Componentes')}: {names}",
                published=update.posted_at,
                updated=update.posted_at,
            )
        )
    for maintenance in Maintenance.objects.order_by("-announced_at")[:limit]:
        names = ", ".join(component_name(key) for key in maintenance.components)
        moment = (
            maintenance.completed_at
            or maintenance.started_at
            or maintenance.cancelled_at
            or maintenance.announced_at
        )
        entries.append(
            FeedEntry(
                key=f"maintenance-{maintenance.pk}",
                title=_("Manutenção programada: %(title)s — %(status)s")
                % {"title": maintenance.title, "status": maintenance.get_status_display()},
                text=f"{maintenance.description}\n\n{_('Componentes')}: {names}",
                published=maintenance.announced_at,
                updated=moment,
            )
        )
    entries.sort(key=lambda entry: entry.updated, reverse=True)
    return entries[:limit]


class StatusFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("Status da plataforma — incidentes e manutenções")
    subtitle = gettext_lazy("Avisos públicos de indisponibilidade e manutenção programada.")

    def link(self) -> str:
        return reverse("status:page")

    def items(self) -> list[FeedEntry]:
        return feed_entries()

    def item_title(self, item: FeedEntry) -> str:
        return item.title

    def item_description(self, item: FeedEntry) -> str:
        return item.text

    def item_link(self, item: FeedEntry) -> str:
        return reverse("status:page") + f"#{item.key}"

    def item_guid(self, item: FeedEntry) -> str:
        return item.key

    def item_pubdate(self, item: FeedEntry) -> datetime:
        return item.published

    def item_updateddate(self, item: FeedEntry) -> datetime:
        return item.updated

    def __call__(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = "public, max-age=30"
        return response
