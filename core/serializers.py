"""What every API serializer shares: a write never silently drops part of its body."""

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

READ_ONLY_MESSAGE = "This field is read-only; leave it out of the request."


if TYPE_CHECKING:
    _Serializer = serializers.Serializer
else:
    _Serializer = object


class ReadOnlyRefusedMixin(_Serializer):
    # Refuses a write body that names a read-only field, with a 400 naming it, instead of ignoring it:
    # DRF drops read-only fields from the data it validates, so a client that sends `status` or a nested
    # list would believe it changed something. Put it first in the bases of a Serializer.
    # No docstring: drf-spectacular describes a serializer by the first docstring among its bases.

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            named = sorted(name for name, field in self.fields.items() if field.read_only and name in data)
            if named:
                raise ValidationError({name: [READ_ONLY_MESSAGE] for name in named})
        return super().to_internal_value(data)
