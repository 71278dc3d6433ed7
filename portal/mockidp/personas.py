"""Demo residents whose "My Number Card" the mock provider pretends to read.

Every value here is invented. The `sub` values are opaque pseudonyms, like the
per-service identifiers the real service issues: an individual number (個人番号)
never appears anywhere in this project, not even a fake one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# All demo cards share one PIN; it is printed on the login page on purpose.
DEMO_PIN = "1234"

# Which claim each scope releases. `openid` releases only `sub`.
SCOPE_CLAIMS: dict[str, str] = {
    "name": "name",
    "address": "address",
    "birthdate": "birthdate",
    "gender": "gender",
}
SUPPORTED_SCOPES = ("openid", *SCOPE_CLAIMS)


@dataclass(frozen=True)
class Persona:
    persona_id: str
    sub: str
    name: str
    # Romanised name so an English reader can tell the demo cards apart; never released as a claim.
    name_en: str
    birthdate: str
    gender: str
    postal_code: str
    region: str
    locality: str
    street_address: str
    locality_en: str
    summary_ja: str
    summary_en: str

    @property
    def address(self) -> dict[str, str]:
        return {
            "formatted": f"{self.region}{self.locality}{self.street_address}",
            "postal_code": self.postal_code,
            "region": self.region,
            "locality": self.locality,
            "street_address": self.street_address,
            "country": "JP",
        }

    def age_on(self, today: date) -> int:
        born = date.fromisoformat(self.birthdate)
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def claims_for_scope(self, scope: str | list[str] | None) -> dict:
        """The claims one consented scope string releases: `sub` plus one claim per scope."""
        scopes = scope.split() if isinstance(scope, str) else list(scope or [])
        claims: dict = {"sub": self.sub}
        for name in scopes:
            claim = SCOPE_CLAIMS.get(name)
            if claim:
                claims[claim] = self.address if claim == "address" else getattr(self, claim)
        return claims


PERSONAS: tuple[Persona, ...] = (
    Persona(
        persona_id="yamada-hanako",
        sub="mock-lifz2sr4y3rxpn0e42sw",
        name="山田 花子",
        name_en="YAMADA Hanako",
        birthdate="1993-06-14",
        gender="female",
        postal_code="491-0859",
        region="愛知県",
        locality="一宮市",
        street_address="本町2丁目5番6号",
        locality_en="Ichinomiya, Aichi",
        summary_ja="子育て中の保護者（3歳と0歳の子）",
        summary_en="Young parent of two small children",
    ),
    Persona(
        persona_id="sato-masao",
        sub="mock-xlv6xypezw8phprkh3cp",
        name="佐藤 正雄",
        name_en="SATO Masao",
        birthdate="1938-03-02",
        gender="male",
        postal_code="491-0044",
        region="愛知県",
        locality="一宮市",
        street_address="大宮3丁目8番12号",
        locality_en="Ichinomiya, Aichi",
        summary_ja="80代の一人暮らしの高齢者",
        summary_en="Elderly resident in his 80s, living alone",
    ),
    Persona(
        persona_id="nguyen-van-an",
        sub="mock-306cker91qznk2fyy5p1",
        name="NGUYEN VAN AN",
        name_en="NGUYEN VAN AN",
        birthdate="1997-11-23",
        gender="male",
        postal_code="446-0056",
        region="愛知県",
        locality="安城市",
        street_address="三河安城町1丁目16番地5 コーポ三河安城203号室",
        locality_en="Anjo, Aichi",
        summary_ja="外国人住民（ベトナム国籍・工場勤務）",
        summary_en="Foreign resident from Vietnam, factory worker",
    ),
    Persona(
        persona_id="suzuki-kenta",
        sub="mock-wo3n36a34meadp5g78be",
        name="鈴木 健太",
        name_en="SUZUKI Kenta",
        birthdate="1988-09-30",
        gender="male",
        postal_code="491-0858",
        region="愛知県",
        locality="一宮市",
        street_address="栄4丁目2番8号 サンハイツ栄502号室",
        locality_en="Ichinomiya, Aichi",
        summary_ja="先月 名古屋市から一宮市へ転入",
        summary_en="Moved to Ichinomiya from Nagoya last month",
    ),
    Persona(
        persona_id="ito-misaki",
        sub="mock-6wsgt4ppgm16n1ieha68",
        name="伊藤 美咲",
        name_en="ITO Misaki",
        birthdate="1979-01-18",
        gender="female",
        postal_code="446-0041",
        region="愛知県",
        locality="安城市",
        street_address="桜町12番3号",
        locality_en="Anjo, Aichi",
        summary_ja="安城市在住の会社員",
        summary_en="Office worker living in Anjo",
    ),
    Persona(
        persona_id="takahashi-haruto",
        sub="mock-p12s82g5xzgtjmktqixa",
        name="高橋 陽斗",
        name_en="TAKAHASHI Haruto",
        birthdate="2006-04-08",
        gender="male",
        postal_code="446-0032",
        region="愛知県",
        locality="安城市",
        street_address="御幸本町7番15号",
        locality_en="Anjo, Aichi",
        summary_ja="大学生（実家暮らし）",
        summary_en="University student living with his family",
    ),
    Persona(
        persona_id="da-silva-maria",
        sub="mock-fwd6ja0lmy70wyevyy2k",
        name="DA SILVA FERREIRA MARIA APARECIDA",
        name_en="DA SILVA FERREIRA MARIA APARECIDA",
        birthdate="1985-07-07",
        gender="female",
        postal_code="491-0914",
        region="愛知県",
        locality="一宮市",
        street_address="花池2丁目11番20号",
        locality_en="Ichinomiya, Aichi",
        summary_ja="外国人住民（ブラジル国籍・長い氏名）",
        summary_en="Foreign resident from Brazil with a long name",
    ),
)

_BY_ID = {p.persona_id: p for p in PERSONAS}
_BY_SUB = {p.sub: p for p in PERSONAS}


def by_id(persona_id: str | None) -> Persona | None:
    return _BY_ID.get(persona_id or "")


def by_sub(sub: str | None) -> Persona | None:
    return _BY_SUB.get(sub or "")
