"""The one exception a stage raises for a letter it cannot handle."""


class LetterError(Exception):
    """A letter that cannot be processed; the message is a one-line reason for a person."""

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason
