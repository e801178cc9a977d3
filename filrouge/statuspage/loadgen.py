"""A small bounded HTTP/1.1 load generator on loopback, for when `wrk` is not installed.

`connections` asyncio connections each send GETs one after the other (keep-alive
when the server keeps the connection, a new connection when it closes it), for
at most `seconds` and at most `max_requests` in all. Python pays more CPU per
request than wrk: the figures say which client ran.
"""

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0


async def _one(
    port: int,
    paths: list[str],
    headers: str,
    stop_at: float,
    budget: list[int],
    out: Outcome,
    offset: int,
):
    reader = writer = None
    i = offset
    while time.perf_counter() < stop_at and budget[0] > 0:
        budget[0] -= 1
        path = paths[i % len(paths)]
        i += 1
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            fields = {
                k.lower(): v.strip() for k, _s, v in (ln.partition(":") for ln in lines[1:] if ln)
            }
            await reader.readexactly(int(fields.get("content-length", "0")))
            out.latencies.append(time.perf_counter() - started)
            out.statuses[status] = out.statuses.get(status, 0) + 1
            if fields.get("connection", "").lower() == "close":
                writer.close()
                reader = writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError):
            out.errors += 1
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def run(
    *,
    port: int,
    paths: list[str],
    connections: int,
    seconds: float,
    max_requests: int,
    accept_gzip: bool = True,
) -> Outcome:
    out = Outcome()
    headers = "Accept-Encoding: gzip\r\n" if accept_gzip else ""
    budget = [max_requests]
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_one(port, paths, headers, stop_at, budget, out, n) for n in range(connections))
    )
    out.seconds = time.perf_counter() - started
    return out


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]
