"""Errors of the event machinery."""


class ConcurrencyError(Exception):
    """The stream was not at the expected version: someone else wrote first."""

    def __init__(self, stream: str, expected_version: int) -> None:
        super().__init__(f"stream {stream} is not at version {expected_version}")
        self.stream = stream
        self.expected_version = expected_version
