import pytest

from villesolidaire.core import fuzzy


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("martin", "martin", True),
        ("martin", "mertin", True),  # substituted
        ("martin", "matin", True),  # deleted
        ("martin", "marttin", True),  # inserted
        ("martin", "mratin", True),  # neighbours swapped
        ("martin", "mrtain", False),
        ("martin", "marti", True),
        ("martin", "mart", False),
        ("dupont", "dupond", True),
        ("dupont", "durand", False),
    ],
)
def test_within_one_edit(a, b, close):
    assert fuzzy.within_one_edit(a, b) is close
    assert fuzzy.within_one_edit(b, a) is close


def test_a_typed_word_shares_a_key_with_every_name_one_edit_away():
    stored = fuzzy.index_keys("Martin")
    for typo in ("mertin", "matin", "marttin", "mratin", "martn"):
        assert fuzzy.query_keys(typo) & stored, typo
    assert not fuzzy.query_keys("bernard") & stored


def test_prefixes_particles_and_phonetic_keys():
    stored = fuzzy.index_keys("Martin née Dupont-Gauthier")
    assert fuzzy.query_keys("dup") & stored  # a start of at least three letters
    assert not fuzzy.query_keys("du") & stored  # « du » is a particle, and too short a start
    assert fuzzy.query_keys("gotier") & stored  # sounds alike
    assert fuzzy.name_tokens("Martin née Dupont") == ["martin", "dupont"]
    assert fuzzy.name_tokens("de La Fontaine") == ["fontaine"]
    assert fuzzy.name_tokens("Le") == ["le"]  # a particle alone stays searchable


def test_score_rewards_exact_then_prefix_then_typo_then_sound():
    words = ["dupont"]
    assert fuzzy.name_score(words, "Dupont Jeanne") == fuzzy.EXACT
    assert fuzzy.name_score(["dupon"], "Dupont Jeanne") == fuzzy.PREFIX
    assert fuzzy.name_score(["dupomt"], "Dupont Jeanne") == fuzzy.ONE_EDIT
    assert fuzzy.name_score(["dupond"], "Dupont Jeanne") == fuzzy.ONE_EDIT
    assert fuzzy.name_score(["gotier"], "Gauthier") == fuzzy.SOUND  # two edits away, same sound
    assert fuzzy.name_score(["dupont", "paul"], "Dupont Jeanne") == 0


def test_each_name_word_serves_one_typed_word():
    assert fuzzy.name_score(["marie", "marie"], "Marie Dupont") == 0
    assert fuzzy.name_score(["marie", "marie"], "Marie-Marie Dupont") == fuzzy.EXACT


def test_best_matches_ranks_and_keeps_only_the_closest():
    names = ["Martine Jeannot", "Martin Jeanne", "Martin Jeanne-Marie", "Durand Paul"]
    shown = fuzzy.best_matches("jeanne martin", names, lambda name: name)
    assert shown == ["Martin Jeanne", "Martin Jeanne-Marie"]
    assert fuzzy.best_matches("jeane martn", names, lambda name: name)[0] == "Martin Jeanne"
    assert fuzzy.best_matches("", names, lambda name: name) == []


def test_index_text_is_space_delimited_for_a_contains_lookup():
    text = fuzzy.index_text("Élise Dupont")
    assert text.startswith(" ") and text.endswith(" ")
    assert " ~dupont " in text and " ^dup " in text and " ~dpont " in text
    assert fuzzy.index_text("  ") == ""
