"""Projections and policies: ordered consumption from JetStream into a service's schema."""

from redress.events.projection.checkpoints import read_checkpoint, reset, wait_for_version
from redress.events.projection.model import (
    CheckpointMoved,
    ConsumerStalled,
    Halt,
    Policy,
    Projection,
)
from redress.events.projection.runner import Progress, ProjectionRunner

__all__ = [
    "CheckpointMoved",
    "ConsumerStalled",
    "Halt",
    "Policy",
    "Progress",
    "Projection",
    "ProjectionRunner",
    "read_checkpoint",
    "reset",
    "wait_for_version",
]
