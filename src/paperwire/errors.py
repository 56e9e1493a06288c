"""The error a check_* function raises for input it refuses."""


class InputError(ValueError):
    """Input that cannot be used: the message is for the person who gave it, and `field`
    names the form field it belongs to, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @property
    def message(self) -> str:
        return str(self.args[0])
