import re

from portal.procedures.reference import ALPHABET, new_reference, normalise

LOOK_ALIKES = set("0O1IL5S8B2ZUV")


def test_alphabet_has_no_look_alike_characters():
    assert not LOOK_ALIKES & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) >= 20


def test_reference_format_and_spread():
    references = {new_reference() for _ in range(5000)}
    assert len(references) == 5000
    for reference in list(references)[:200]:
        assert re.fullmatch(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", reference)


def test_normalise_what_people_type_back():
    assert normalise("ac3d-9fkm") == "AC3D-9FKM"
    assert normalise("ＡＣ３Ｄ９ＦＫＭ") == "AC3D-9FKM"
    assert normalise(" AC3D 9FKM ") == "AC3D-9FKM"
