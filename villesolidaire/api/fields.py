"""Serializer fields for the project's own storage shapes."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from villesolidaire.core.bitmask import FlagSet


class FlagCodesField(serializers.ListField):
    """A bit mask (core.bitmask.FlagSet) as the list of its codes, e.g. ["stairs", "pet"]."""

    def __init__(self, flagset: FlagSet, **kwargs):
        self.flagset = flagset
        super().__init__(child=serializers.ChoiceField(choices=flagset.choices), **kwargs)

    def to_representation(self, mask):
        return self.flagset.to_codes(mask or 0)


@extend_schema_field({"type": "string", "nullable": True, "example": "+33612345678"})
class PhoneField(serializers.Field):
    """A stored phone number, read in E.164 (« +33612345678 »), empty as null."""

    def to_representation(self, value):
        return value.as_e164 if value else None


class IdNameSerializer(serializers.Serializer):
    """A related object named by its id and name (a quartier, an organisation…)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
