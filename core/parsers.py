"""The API's request parser: its own module, as DRF imports it from the settings while loading its views."""

from rest_framework import exceptions, parsers


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing strings with NUL (PostgreSQL text cannot store it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _has_nul(data):
            raise exceptions.ParseError("JSON strings must not contain NUL characters (\\u0000).")
        return data
