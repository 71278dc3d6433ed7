"""The one registry of procedure kinds: loaded from the ``portal.kinds`` entry points, each name once."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.procedures.kinds import KINDS
from portal.procedures.kinds.base import ProcedureKind
from portal.procedures.kinds.registry import KindRegistry

ROOT = Path(__file__).resolve().parents[2]
GENERIC_PACKAGES = ("procedures", "mypage", "backoffice", "payments", "templates")


class OneKind(ProcedureKind):
    name = "one-test"


def test_the_entry_points_bring_every_kind_with_the_feature_kinds_from_their_packages():
    assert {"generic", "certificate", "booking"} <= set(KINDS)
    assert type(KINDS["booking"]).__module__ == "portal.booking.kind"
    assert type(KINDS["generic"]).__module__ == "portal.procedures.kinds.generic"


def test_a_kind_registered_twice_is_refused():
    registry = KindRegistry()
    registry.register(OneKind)
    with pytest.raises(ValueError, match="procedure kind 'one-test' registered twice"):
        registry.register(OneKind)


def test_a_kind_registered_before_first_use_still_meets_the_entry_points():
    class Impostor(ProcedureKind):
        name = "generic"

    with pytest.raises(ValueError, match="'generic' registered twice"):
        KindRegistry().register(Impostor)


def test_a_kind_with_the_name_of_an_installed_one_is_refused():
    class Impostor(ProcedureKind):
        name = "booking"

    with pytest.raises(ValueError, match="'booking' registered twice"):
        KINDS.register(Impostor)
    assert type(KINDS["booking"]).__name__ == "BookingKind"


def test_a_registry_without_entry_points_says_how_to_get_them():
    with pytest.raises(RuntimeError, match="make install"):
        list(KindRegistry(group="portal.kinds-none-test"))


def test_a_registered_kind_can_be_taken_out_again():
    KINDS.register(OneKind)
    assert isinstance(KINDS["one-test"], OneKind)
    KINDS.unregister("one-test")
    assert "one-test" not in KINDS


def test_the_generic_packages_name_no_feature_kind():
    """The kinds a feature package declares reach the generic pages only through the kind's hooks."""
    feature_kinds = [name for name, kind in KINDS.items() if not type(kind).__module__.startswith("portal.procedures.")]
    assert feature_kinds
    for name in feature_kinds:
        named = re.compile(rf"portal\.{name}\b|['\"]{name}['\"./]")
        for package in GENERIC_PACKAGES:
            for path in (ROOT / "portal" / package).rglob("*"):
                if path.suffix in (".py", ".html", ".txt"):
                    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                        code = line.split("#")[0] if path.suffix == ".py" else re.sub(r"\{#.*?#\}", "", line)
                        assert not named.search(code), f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
