"""A person-readable device from a User-Agent header, for the access log (6.2.17)."""

from __future__ import annotations

from dataclasses import dataclass

from ua_parser import parse


@dataclass(frozen=True)
class DeviceInfo:
    browser: str
    operating_system: str
    device: str

    def __str__(self) -> str:
        return " · ".join(
            part for part in (self.browser, self.operating_system, self.device) if part
        )


def _version(family: str, *parts: str | None) -> str:
    numbers = [part for part in parts if part]
    return f"{family} {'.'.join(numbers)}".strip() if family else ""


def device_from_user_agent(user_agent: str) -> DeviceInfo:
    if not user_agent:
        return DeviceInfo(browser="", operating_system="", device="")
    result = parse(user_agent[:1000])
    browser = (
        _version(result.user_agent.family, result.user_agent.major)
        if result.user_agent is not None
        else ""
    )
    system = (
        _version(result.os.family, result.os.major, result.os.minor)
        if result.os is not None
        else ""
    )
    device = ""
    if result.device is not None and result.device.family != "Other":
        device = result.device.family
    return DeviceInfo(browser=browser[:100], operating_system=system[:100], device=device[:100])
