from demarche.mentions import build_index


def test_finds_whole_words_and_multi_word_names() -> None:
    index = build_index([("actor:nato", ["NATO"]), ("actor:fm", ["Russian Foreign Ministry"]), ("actor:us", ["US"])])
    found = index.find("The Russian Foreign Ministry warned NATOs and NATO; thus us.")
    assert found == {"actor:fm", "actor:nato"}


def test_possessives_and_cyrillic() -> None:
    index = build_index([("actor:russia", ["Russia"]), ("actor:lavrov", ["Сергей Лавров"])])
    assert index.find("Russia’s security; Сергей Лавров сказал") == {"actor:russia", "actor:lavrov"}


def test_one_pass_handles_many_names() -> None:
    names = [(f"actor:a{i}", [f"Name{i} Surname{i}"]) for i in range(2000)]
    index = build_index(names)
    assert index.find("Name1999 Surname1999 met Name7 and Surname7") == {"actor:a1999"}
