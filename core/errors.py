"""Domain errors carry their HTTP meaning once; the API's exception handler and one view helper map them.

Every app's refusals subclass `DomainError` (`CardError`, `PostmortemError`, ...) and set
`status_code` where 400 is not the right answer (409 for a conflict, 403 for a role).
"""


class DomainError(Exception):
    """A change that cannot be made; the message says why, for a person."""

    status_code = 400

    @property
    def detail(self) -> str:
        return str(self)


class ConflictError(DomainError):
    """The change collides with the current state (a full column, a concurrent edit)."""

    status_code = 409
