"""What the assessment handlers work with: the log, the service's pool and the frameworks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from redress.assessment.frameworks import Frameworks, catalogue
from redress.events.store import EventStore
from redress.kit.runtime import Runtime


@dataclass(frozen=True)
class Desk:
    store: EventStore
    pool: asyncpg.Pool
    frameworks: Frameworks


def get_desk(request: Request) -> Desk:
    runtime: Runtime = request.app.state.runtime
    return Desk(runtime.store, runtime.pool, catalogue())


AssessmentDesk = Annotated[Desk, Depends(get_desk)]
