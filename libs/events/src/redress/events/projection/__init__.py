"""Projections and policies: ordered consumption from JetStream into a service's schema."""

from redress.events.projection.checkpoints import read_checkpoint, reset, wait_for_version
from redress.events.projection.model import (
    CheckpointMoved,
    ConsumerStalled,
    Halt,
    Policy,
    Projection,
)
from redress.events.projection.rounds import columns, of_kind, rounds, text_array, write_rows
from redress.events.projection.runner import Progress, ProjectionRunner
from redress.events.projection.shadow import RebuildRunning, rebuild_beside, shadow_schema

__all__ = [
    "CheckpointMoved",
    "ConsumerStalled",
    "Halt",
    "Policy",
    "Progress",
    "Projection",
    "ProjectionRunner",
    "RebuildRunning",
    "columns",
    "of_kind",
    "read_checkpoint",
    "rebuild_beside",
    "reset",
    "rounds",
    "shadow_schema",
    "text_array",
    "wait_for_version",
    "write_rows",
]
