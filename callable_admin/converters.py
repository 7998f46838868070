from callable_admin.api.transport import ID_PATTERN


class UpstreamIdConverter:
    """Path segments that may be upstream ids; anything else is a 404 before any view runs."""

    regex = ID_PATTERN.pattern

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
