"""Reads an Ogg/Opus file as a decoder would (RFC 3533 pages, RFC 7845 Opus mapping): every
page's checksum, the identification and comment headers, and the duration from the last
granule position. Used to prove a browser recording is a valid voice note."""

from __future__ import annotations

import struct
from dataclasses import dataclass


class OggInvalid(AssertionError):
    pass


def _crc32(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
            crc &= 0xFFFFFFFF
    return crc


@dataclass(frozen=True)
class OggOpus:
    channels: int
    pre_skip: int
    pages: int
    packets: int
    seconds: float


def ogg_opus_summary(content: bytes) -> OggOpus:
    at = 0
    pages: list[tuple[int, int, list[bytes]]] = []
    serial: int | None = None
    partial = b""
    packets: list[bytes] = []
    while at < len(content):
        if content[at : at + 4] != b"OggS" or content[at + 4] != 0:
            raise OggInvalid(f"no page at byte {at}")
        flags = content[at + 5]
        granule, page_serial, sequence, checksum, count = struct.unpack_from(
            "<qIIIB", content, at + 6
        )
        lacing = content[at + 27 : at + 27 + count]
        size = 27 + count + sum(lacing)
        page = bytearray(content[at : at + size])
        page[22:26] = b"\0\0\0\0"
        if _crc32(bytes(page)) != checksum:
            raise OggInvalid(f"bad checksum on page {sequence}")
        if sequence != len(pages):
            raise OggInvalid(f"page {sequence} out of order")
        if serial is None:
            serial = page_serial
        elif page_serial != serial:
            raise OggInvalid("more than one stream")
        body = content[at + 27 + count : at + size]
        offset = 0
        for segment in lacing:
            partial += body[offset : offset + segment]
            offset += segment
            if segment < 255:
                packets.append(partial)
                partial = b""
        pages.append((flags, granule, []))
        at += size
    if not pages or pages[0][0] & 0x02 == 0 or pages[-1][0] & 0x04 == 0:
        raise OggInvalid("first page must begin and last page must end the stream")
    head, tags = packets[0], packets[1]
    if head[:8] != b"OpusHead" or tags[:8] != b"OpusTags":
        raise OggInvalid("not an Opus stream")
    channels, pre_skip = head[9], struct.unpack_from("<H", head, 10)[0]
    granules = [granule for _flags, granule, _ in pages[2:] if granule >= 0]
    if granules != sorted(granules):
        raise OggInvalid("granule positions go back")
    return OggOpus(
        channels=channels,
        pre_skip=pre_skip,
        pages=len(pages),
        packets=len(packets) - 2,
        seconds=(granules[-1] - pre_skip) / 48000,
    )
