"""The simulated provider APIs over HTTP, on the public host (`/sandbox/<provider>/…`).

Thin: the request becomes a `RecordedRequest`, `providers.dispatch` answers it. No session, no
CSRF (providers' APIs authenticate by token, and the simulator checks the channel's own).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from channels.providers.simulation import RecordedRequest
from channels.sandbox.providers import dispatch
from channels.sandbox.transport import builtin_sandbox_url


@csrf_exempt
def provider_api(request: HttpRequest, provider: str, path: str) -> HttpResponse:
    if not getattr(settings, "SANDBOX_ENABLED", True):
        raise Http404
    recorded = RecordedRequest(
        method=request.method or "GET",
        path="/" + path,
        query={key: request.GET.getlist(key) for key in request.GET},
        headers=dict(request.headers),
        body=request.body,
    )
    answer = dispatch(provider, recorded, builtin_sandbox_url(provider))
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    for name, value in answer.headers.items():
        response[name] = value
    return response
