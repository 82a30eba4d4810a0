import pytest

from villesolidaire.core.text import with_de


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Odette Roy", "d'Odette Roy"),
        ("Épicerie solidaire", "d'Épicerie solidaire"),
        ("Agathe", "d'Agathe"),
        ("Marcel", "de Marcel"),
        ("Yves", "d'Yves"),
        ("", "de "),
    ],
)
def test_de_is_elided_before_a_vowel(name, expected):
    assert with_de(name) == expected
