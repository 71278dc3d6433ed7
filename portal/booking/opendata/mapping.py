"""A dataset's columns as data: which output column, in which order, takes its value from where.

A mapping file (YAML)::

    title: 公共施設一覧（推奨データセット）
    file_name: public_facility          # the download is <全国地方公共団体コード>_<file_name>.csv
    columns:
      - {column: 名称, source: name}                          # a Facility attribute
      - {column: 都道府県名, source: municipality.prefecture}  # a Municipality attribute
      - {column: NO, computed: row_number}                    # one of computed.COMPUTATIONS
      - {column: POIコード}                                    # always empty
      - {column: 備考, value: 指定管理者が運営しています}         # a constant

Everything is checked when the file is loaded; an error names the file and the column.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from portal.booking.opendata.computed import COMPUTATIONS, RowContext

#: the Facility attributes a dataset may publish (never the booking configuration or internal flags)
FACILITY_SOURCES = frozenset({
    "slug", "category", "name", "name_kana", "name_en", "area", "postal_code", "address", "latitude",
    "longitude", "phone", "capacity", "description", "description_en", "accessibility", "accessibility_en",
    "photo_url", "closed_notice",
})
MUNICIPALITY_SOURCES = frozenset({"code", "name", "name_en", "prefecture"})
_KINDS = ("source", "computed", "value")


class MappingError(ValueError):
    """A mapping file that does not describe a dataset; the message names the file and the column."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str   # "facility" | "municipality" | "computed" | "value"
    key: str    # attribute name, computation name, or the constant itself

    def value(self, row: RowContext) -> str:
        if self.kind == "computed":
            return COMPUTATIONS[self.key](row)
        if self.kind == "value":
            return self.key
        value = getattr(row.facility if self.kind == "facility" else row.municipality, self.key)
        return "" if value is None else str(value)


@dataclass(frozen=True)
class Mapping:
    title: str
    file_name: str
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    def row(self, context: RowContext) -> dict[str, str]:
        return {c.name: c.value(context) for c in self.columns}


def _column(entry, where: str) -> Column:
    if not isinstance(entry, dict) or "column" not in entry:
        raise MappingError(f"{where}: each column needs a name (column: …)")
    if not isinstance(entry["column"], str) or not entry["column"].strip():
        # YAML turns a bare NO, ON, 1 … into a boolean or a number: the name must be quoted.
        raise MappingError(f"{where}: the column name must be text, got {entry['column']!r} (quote it)")
    name = entry["column"]
    where = f"{where} 「{name}」"
    unknown_keys = set(entry) - {"column", *_KINDS}
    if unknown_keys:
        raise MappingError(f"{where}: unknown key {sorted(unknown_keys)[0]!r} (use one of {', '.join(_KINDS)})")
    given = [k for k in _KINDS if k in entry]
    if len(given) > 1:
        raise MappingError(f"{where}: give only one of {', '.join(_KINDS)} (got {' and '.join(given)})")
    if not given:
        return Column(name, "value", "")
    kind, key = given[0], entry[given[0]]
    if kind == "value":
        return Column(name, "value", "" if key is None else str(key))
    if not isinstance(key, str):
        raise MappingError(f"{where}: {kind} must be a name, got {key!r}")
    if kind == "computed":
        if key not in COMPUTATIONS:
            raise MappingError(f"{where}: unknown computed value {key!r} (known: {', '.join(sorted(COMPUTATIONS))})")
        return Column(name, "computed", key)
    if key.startswith("municipality."):
        attribute = key.removeprefix("municipality.")
        if attribute not in MUNICIPALITY_SOURCES:
            raise MappingError(f"{where}: unknown source {key!r} (municipality attributes: "
                               f"{', '.join(sorted(MUNICIPALITY_SOURCES))})")
        return Column(name, "municipality", attribute)
    if key not in FACILITY_SOURCES:
        raise MappingError(f"{where}: unknown source {key!r} (facility attributes: "
                           f"{', '.join(sorted(FACILITY_SOURCES))})")
    return Column(name, "facility", key)


def load_mapping(path: Path) -> Mapping:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"{path.name}: cannot be read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("columns"), list) or not data["columns"]:
        raise MappingError(f"{path.name}: needs a non-empty list of columns")
    for key in ("title", "file_name"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise MappingError(f"{path.name}: needs {key}")
    columns = tuple(_column(entry, f"{path.name}: column {i}") for i, entry in enumerate(data["columns"], 1))
    names = [c.name for c in columns]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise MappingError(f"{path.name}: column 「{duplicate}」 appears twice")
    return Mapping(data["title"], data["file_name"], columns)
