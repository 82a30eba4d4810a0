import pytest

from villesolidaire.core.phonetic import french_phonetic


@pytest.mark.parametrize(
    "spellings",
    [
        ("Dupont", "Dupond", "DUPON"),
        ("Thérèse", "Therese", "Téréze"),
        ("Lefebvre", "Lefèvre", "lefevre"),
        ("Gauthier", "Gautier", "Gotier"),
        ("Philippe", "Filipe", "Philipe"),
        ("Mathieu", "Matthieu"),
        ("Jacqueline", "Jakeline"),
        ("Renaud", "Renault", "Reno"),
        ("Rousseau", "Roussot"),
        ("Leclerc", "Leclercq"),
        ("Michel", "Michelle"),
        ("Schmitt", "Chmit"),
        ("Faure", "Fore"),
    ],
)
def test_names_that_sound_alike_share_a_key(spellings):
    keys = {french_phonetic(spelling) for spelling in spellings}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(
    ("one", "other"),
    [("Martin", "Marin"), ("Dupont", "Durand"), ("Guillaume", "Jiom"), ("Bernard", "Renard"), ("Petit", "Petiot")],
)
def test_names_that_sound_different_keep_different_keys(one, other):
    assert french_phonetic(one) != french_phonetic(other)


def test_a_hard_g_stays_hard_and_empty_input_gives_an_empty_key():
    assert french_phonetic("Guillaume").startswith("g")
    assert french_phonetic("Georges").startswith("j")
    assert french_phonetic("") == french_phonetic(" - ") == ""
