"""The platform's reference clock zone (REQ 6.2.19: Brasília time).

Times are stored in UTC; days and months are cut, and times are shown, in this zone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
