"""What every platform connection to PostgreSQL starts with: its role and its timeouts.

They travel in the connection's startup packet. `ALTER ROLE ... SET` would not do: the
platform logs in as one user and then takes a role, and a role's settings apply only to
sessions that log in as it.
"""

from __future__ import annotations


def _ms(seconds: float | None) -> str:
    # PostgreSQL reads 0 as "no limit"; a limit is never rounded down to none.
    return "0" if seconds is None else str(max(1, round(seconds * 1000)))


def session_settings(
    role: str | None = None,
    *,
    application: str = "redress",
    statement_timeout: float | None = 30.0,
    idle_in_transaction_timeout: float | None = 10.0,
) -> dict[str, str]:
    """asyncpg `server_settings` for a connection acting as `role` (None: the login user).

    A timeout of None is no limit (migrations, which may build an index on a large log).

    An open transaction holds back delivery of the whole log, so none may idle for long;
    and no statement may wait for ever on a lock or a stuck server.
    """
    settings = {
        "application_name": application,
        "statement_timeout": _ms(statement_timeout),
        "idle_in_transaction_session_timeout": _ms(idle_in_transaction_timeout),
    }
    if role:
        settings["role"] = role
    return settings
