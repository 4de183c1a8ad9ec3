class DomainError(Exception):
    """A rule of the domain was broken. The message is translated and shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
