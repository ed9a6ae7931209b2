"""The shared serializer mixin: a read-only field named in a write body is a 400 naming it."""

import pytest
from rest_framework import serializers

from core.serializers import ReadOnlyRefusedMixin


class Thing(ReadOnlyRefusedMixin, serializers.Serializer):
    name = serializers.CharField()
    status = serializers.CharField(read_only=True)
    code = serializers.CharField(write_only=True, required=False)


def test_a_body_naming_read_only_fields_is_refused_naming_each():
    serializer = Thing(data={"name": "x", "status": "done", "code": "c"})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"status"}
    assert "read-only" in str(serializer.errors["status"][0])


def test_a_body_without_them_is_valid():
    serializer = Thing(data={"name": "x", "code": "c"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {"name": "x", "code": "c"}


@pytest.mark.parametrize("body", [["status"], "status", None])
def test_a_body_that_is_not_an_object_gets_drfs_own_refusal(body):
    assert not Thing(data=body).is_valid()
