"""A peer: the hello scenario in FastAPI (pydantic validation), served by uvicorn, calling its
dependency with one shared httpx.AsyncClient — what a Truss Chains Chainlet runs on.

Usage: python3 fastapi_server.py <entry|dependency> [dependency_url]
Binds 127.0.0.1 on a port the OS picks and prints `listening http://127.0.0.1:<port>` once serving.
"""
import asyncio
import socket
import sys

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel


class Greet(BaseModel):
    name: str
    excited: bool = False


class GreetAll(BaseModel):
    names: list[str]


def make_app(role: str, dependency_url: str | None) -> FastAPI:
    app = FastAPI()
    client = httpx.AsyncClient(base_url=dependency_url or "http://127.0.0.1", limits=httpx.Limits(max_connections=300))

    @app.get("/readyz")
    async def readyz() -> str:
        return "ok"

    if role == "dependency":

        @app.post("/v1/run_remote")
        async def say_hello(body: Greet) -> str:
            return f"Hello, {body.name}{'!' if body.excited else '.'}"

    else:

        @app.post("/v1/run_remote")
        async def hello_all(body: GreetAll) -> str:
            async def greet(name: str) -> str:
                response = await client.post("/v1/run_remote", json={"name": name, "excited": True})
                response.raise_for_status()
                return response.json()

            return "\n".join(await asyncio.gather(*(greet(name) for name in body.names)))

    return app


def main() -> None:
    role = sys.argv[1]
    dependency_url = sys.argv[2] if len(sys.argv) > 2 else None
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # connections made before uvicorn runs wait in the backlog
    port = sock.getsockname()[1]
    config = uvicorn.Config(make_app(role, dependency_url), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    print(f"listening http://127.0.0.1:{port}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
