"""The simulated provider's own callbacks: signed webhooks posted to the platform later.

Meta posts `sent`, `delivered` and `read` some time after it accepted a message, from its own
servers. The simulator does the same from one background thread per process, not through the
platform's Celery queue: a stand-in for an outside system must keep calling even when the
platform's workers are down, or the sandbox would hide exactly the failures it should show.
Pending callbacks are lost if the process stops, as they would be for a real provider outage.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

logger = logging.getLogger("channels.sandbox")

Done = Callable[[int | None], None]


@dataclass(order=True)
class _Job:
    due: float
    order: int
    url: str = field(compare=False)
    body: bytes = field(compare=False)
    headers: Mapping[str, str] = field(compare=False)
    done: Done | None = field(compare=False, default=None)


class Courier:
    def __init__(self) -> None:
        self._jobs: list[_Job] = []
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def schedule(
        self,
        delay: float,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        done: Done | None = None,
    ) -> None:
        job = _Job(
            time.monotonic() + max(delay, 0.0), next(self._order), url, body, dict(headers), done
        )
        with self._condition:
            heapq.heappush(self._jobs, job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-courier", daemon=True
                )
                self._thread.start()
            self._condition.notify()

    def pending(self) -> int:
        with self._condition:
            return len(self._jobs)

    def _next(self) -> _Job:
        with self._condition:
            while True:
                if self._jobs:
                    wait = self._jobs[0].due - time.monotonic()
                    if wait <= 0:
                        return heapq.heappop(self._jobs)
                    self._condition.wait(timeout=wait)
                else:
                    self._condition.wait()

    def _run(self) -> None:
        with httpx.Client(timeout=httpx.Timeout(10.0), follow_redirects=False) as http:
            while True:
                job = self._next()
                status: int | None = None
                try:
                    status = http.post(
                        job.url, content=job.body, headers=dict(job.headers)
                    ).status_code
                except httpx.HTTPError:
                    logger.warning("sandbox callback failed", extra={"url": job.url})
                if job.done is not None:
                    try:
                        job.done(status)
                    except Exception:
                        logger.exception("sandbox callback bookkeeping failed")


courier = Courier()
