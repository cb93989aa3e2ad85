"""The libraries' log lines and the event loop's reports are the platform's own: one line
each, with the service's name, a connection's trouble without a traceback."""

import asyncio
import logging

from redress.kit import logs


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


async def test_a_librarys_warning_about_a_lost_server_is_one_line_naming_the_service(capsys):
    logs.configure("intake", as_json=True)
    capsys.readouterr()
    try:
        raise TimeoutError
    except TimeoutError:
        logging.getLogger("asyncpg.pool").warning(
            "Failed to restore the pool connection floor; retrying", exc_info=True
        )
    (line,) = _lines(capsys.readouterr().err)
    assert "retrying: TimeoutError" in line and "intake" in line and "warning" in line
    assert "Traceback" not in line


async def test_an_error_nothing_awaited_is_logged_by_the_platform(capsys):
    logs.configure("cases", as_json=True)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(logs.unhandled)
    task = asyncio.create_task(asyncio.sleep(0), name="release")
    await task
    capsys.readouterr()
    try:
        loop.call_exception_handler({"message": "Task exception was never retrieved",
                                     "exception": TimeoutError(), "future": task})  # fmt: skip
        (line,) = _lines(capsys.readouterr().err)
        assert "never retrieved" in line and "TimeoutError" in line and "release" in line
        assert "cases" in line and "warning" in line and "Traceback" not in line
        # A bug keeps its traceback, on the platform's log.
        loop.call_exception_handler({"message": "Exception in callback",
                                     "exception": KeyError("x")})  # fmt: skip
        written = capsys.readouterr().err
        assert "error" in written and "KeyError" in written and "cases" in written
    finally:
        loop.set_exception_handler(None)


async def test_a_service_that_asks_for_errors_only_gets_no_librarys_warning(capsys):
    logs.configure("intake", level="error", as_json=True)
    try:
        capsys.readouterr()
        logging.getLogger("asyncpg.pool").warning("Failed to restore the pool connection floor")
        logging.getLogger("asyncio").error("Task exception was never retrieved")
        written = capsys.readouterr().err
        assert "Failed to restore" not in written and "never retrieved" in written
    finally:
        logs.configure("intake", as_json=True)
