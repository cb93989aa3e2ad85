"""Schemathesis over the intake OpenAPI: whatever it sends, no answer is a 5xx."""

import asyncio
import socket
import sys
from pathlib import Path

import pytest
import uvicorn

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_schemathesis_finds_no_server_error(intake, tmp_path):
    port = free_port()
    # The fixture already runs the app's lifespan; uvicorn only serves it.
    server = uvicorn.Server(
        uvicorn.Config(intake.app, host="127.0.0.1", port=port, lifespan="off",
                       log_level="warning", access_log=False)
    )  # fmt: skip
    serving = asyncio.create_task(server.serve())
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while not server.started:
            assert asyncio.get_running_loop().time() < deadline, "server did not start"
            await asyncio.sleep(0.02)
        token = intake.token(roles=("member", "operator", "admin"))["Authorization"]
        cli = Path(sys.executable).parent / "schemathesis"
        process = await asyncio.create_subprocess_exec(
            str(cli), "run", f"http://127.0.0.1:{port}/openapi.json",
            "--checks", "not_a_server_error", "--max-examples", "25", "--seed", "7",
            "--header", f"Authorization: {token}", "--phases", "examples,coverage,fuzzing",
            "--continue-on-failure", "--no-color", "--request-timeout", "20",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(process.communicate(), 600)
    finally:
        server.should_exit = True
        await serving
    text = output.decode()
    assert process.returncode == 0, text[-4000:]
    assert "Server error" not in text
    assert "operations" in text.lower(), text[-2000:]
    print(text[-1500:])
