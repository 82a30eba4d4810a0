"""Small sets of fixed choices stored as integer bit masks.

Languages, weekly availability slots, mobility modes and engagement domains are fixed
lists defined in code. Storing them as bit masks keeps the matching index compact and
lets both SQLite and PostgreSQL test membership with a bitwise AND.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django import forms


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    bit: int

    @property
    def value(self) -> int:
        return 1 << self.bit


class FlagSet:
    def __init__(self, flags: Sequence[Flag]):
        self.flags = tuple(flags)
        self.by_code = {flag.code: flag for flag in self.flags}
        if len(self.by_code) != len(self.flags) or len({f.bit for f in self.flags}) != len(self.flags):
            raise ValueError("Duplicate flag code or bit")

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(flag.code, flag.label) for flag in self.flags]

    def to_mask(self, codes: Iterable[str]) -> int:
        mask = 0
        for code in codes:
            mask |= self.by_code[code].value
        return mask

    def to_codes(self, mask: int) -> list[str]:
        return [flag.code for flag in self.flags if mask & flag.value]

    def to_labels(self, mask: int) -> list[str]:
        return [flag.label for flag in self.flags if mask & flag.value]

    def bit_of(self, code: str) -> int:
        return self.by_code[code].value

    def count(self, mask: int) -> int:
        return bin(mask & self.full_mask).count("1")

    @property
    def full_mask(self) -> int:
        return self.to_mask(self.by_code)


class FlagSetField(forms.MultipleChoiceField):
    """A multiple choice form field that reads and writes a bit mask."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, flagset: FlagSet, **kwargs):
        self.flagset = flagset
        super().__init__(choices=flagset.choices, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return self.flagset.to_codes(value)
        return value

    def clean(self, value) -> int:
        codes = super().clean(value)
        return self.flagset.to_mask(codes)

    def has_changed(self, initial, data) -> bool:
        initial_codes = set(self.prepare_value(initial) or [])
        return initial_codes != set(data or [])
