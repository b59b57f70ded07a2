"""A real uvicorn server in a subprocess for protocol tests, and small HTTP/WS client helpers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import TEST_SECRET
from tests.helpers import PASSWORD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def run_server(database_url: str, log_dir: Path, name: str = "server") -> Iterator[str]:
    port = free_port()
    log = log_dir / f"{name}.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "DELIBERATION_LOG_LEVEL": "WARNING",
        "DELIBERATION_BASE_URL": f"http://127.0.0.1:{port}",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "deliberation.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
             "--ws-per-message-deflate", "false", "--ws-max-size", "65536"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=log_dir,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded CI machine starts slowly
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class Web:
    """An HTTP client with its own cookies (a browser), for the JSON API."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.AsyncClient(base_url=base, timeout=10)

    async def close(self) -> None:
        await self.http.aclose()

    async def prime(self) -> str:
        if not self.http.cookies.get("csrftoken"):
            await self.http.get("/")
        return str(self.http.cookies.get("csrftoken"))

    async def api(self, method: str, url: str, body: Any = None) -> httpx.Response:
        token = await self.prime()
        return await self.http.request(method, url, json=body, headers={"x-csrftoken": token})

    async def login(self, email: str) -> None:
        token = await self.prime()
        r = await self.http.post(
            "/login", data={"csrftoken": token, "email": email, "password": PASSWORD}
        )
        assert r.status_code == 303, r.text

    async def join(self, code: str, name: str | None = None) -> int:
        r = await self.api("POST", f"/api/rooms/{code}/join", {"display_name": name})
        assert r.status_code == 200, r.text
        return int(r.json()["participant_id"])

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar)

    async def socket(self, code: str, query: str = "", **kw: Any) -> ClientConnection:
        url = self.base.replace("http://", "ws://") + f"/r/{code}/ws?{query}"
        headers = {"Cookie": self.cookie_header()} if self.http.cookies.jar else {}
        return await connect(
            url,
            additional_headers=headers,
            origin=kw.pop("origin", self.base),
            compression=None,
            **kw,
        )  # type: ignore[arg-type]


async def recv_json(ws: ClientConnection, timeout: float = 5.0) -> Any:
    import asyncio

    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_events(ws: ClientConnection, count: int, timeout: float = 5.0) -> list[Any]:
    """Read frames until ``count`` events have arrived; returns them in order."""
    events: list[Any] = []
    while len(events) < count:
        frame = await recv_json(ws, timeout)
        assert frame["type"] == "events", frame
        events.extend(frame["events"])
    return events
