class ArxivIdConverter:
    """Matches new-style (2502.08025v2) and old-style (hep-th/9901001) ids in a URL."""

    regex = r"(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z-]+)?/\d{7})(?:v\d+)?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
