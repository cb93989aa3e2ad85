"""Schemathesis against a service built as `redress serve` builds it, with every check.

The run is bounded (a few examples per operation, a fixed seed), so that it stays a test and
not a campaign: deeper runs are for a human with `schemathesis run` and a larger budget.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from redress.kit.serving import UVICORN

# A fixed seed keeps the suite repeatable; another (REDRESS_FUZZ_SEED) explores further.
SEED = os.environ.get("REDRESS_FUZZ_SEED", "7")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def schemathesis(
    app: FastAPI,
    authorization: str,
    workdir: Path,
    *,
    config: str = "",
    baseline: Path | None = None,
    max_examples: int = 5,
    phases: str = "examples,coverage,fuzzing",
) -> tuple[int, str, float]:
    """Serve `app` (its lifespan already running) and run schemathesis on its OpenAPI.

    `config` is schemathesis.toml text (parameters bound to existing resources); `baseline`
    lists failures accepted for a stated reason. Returns the exit code, the output and the
    seconds the run took.
    """
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", **UVICORN)
    )  # fmt: skip
    serving = asyncio.create_task(server.serve())
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while not server.started:
            assert asyncio.get_running_loop().time() < deadline, "server did not start"
            await asyncio.sleep(0.02)
        cli = Path(sys.executable).parent / "schemathesis"
        toml = workdir / "schemathesis.toml"
        toml.write_text(config)
        accepted = ["--baseline", str(baseline)] if baseline else []
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            str(cli), "--config-file", str(toml), "--no-color",
            "run", f"http://127.0.0.1:{port}/openapi.json",
            "--checks", "all", "--max-examples", str(max_examples), "--seed", SEED,
            "--header", f"Authorization: {authorization}", "--phases", phases,
            "--continue-on-failure", "--request-timeout", "20", "--workers", "1",
            "--generation-database", "none", "--output-truncate", "false", *accepted,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=workdir,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(process.communicate(), 600)
        took = time.monotonic() - started
    finally:
        server.should_exit = True
        await serving
    assert process.returncode is not None
    return process.returncode, output.decode(), took
