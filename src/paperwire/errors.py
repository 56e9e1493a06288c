"""The refusals a check_* function raises: InputError for input it cannot use, NotAllowed
for a user who may not do this. Views, the API and the CLI catch Refusal, the two of them."""


class Refusal(Exception):
    """A refused request: the message is for the person who made it, and `field` names the
    form field it belongs to, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @property
    def message(self) -> str:
        return str(self.args[0])


class InputError(Refusal, ValueError):
    """Input that cannot be used."""


class NotAllowed(Refusal):
    """The user may not do this; the message says why in words a reader understands."""
