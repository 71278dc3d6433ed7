"""A municipality's published facilities as dataset rows, and their CSV / JSON encodings."""
from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import excel_csv
from portal.booking.models import Facility
from portal.booking.opendata.computed import RowContext
from portal.booking.opendata.mapping import Mapping, load_mapping
from portal.tenancy.models import Municipality

HERE = Path(__file__).resolve().parent
#: ``?schema=`` → mapping file; the older 推奨データセット is what most catalogues (and the default) expect
SCHEMAS = {"recommended": HERE / "facilities_recommended.yaml", "current": HERE / "facilities_current.yaml"}
DEFAULT_SCHEMA = "recommended"


@cache
def schema(name: str) -> Mapping:
    """The mapping of a schema name (KeyError for an unknown one); loaded once per process."""
    return load_mapping(SCHEMAS[name])


def published_facilities(dbs: Session, municipality: Municipality) -> list[Facility]:
    # By id: a facility keeps its NO from one export to the next until facilities are removed.
    return list(dbs.scalars(select(Facility).where(Facility.municipality_id == municipality.id,
                                                   Facility.published.is_(True)).order_by(Facility.id)))


def facility_rows(dbs: Session, municipality: Municipality, mapping: Mapping, public_url: str) -> list[dict[str, str]]:
    """One dict per published facility, keys in the mapping's column order, every value a string ("" when
    unknown) — the same values in CSV and JSON."""
    return [mapping.row(RowContext(number, facility, municipality, public_url))
            for number, facility in enumerate(published_facilities(dbs, municipality), 1)]


def to_csv(mapping: Mapping, rows: list[dict[str, str]]) -> Iterator[str]:
    """UTF-8 with a BOM and CRLF line ends, as Japanese open-data guidelines ask (Excel opens it as is).

    Values are written unchanged: this file is read by programs, so the back office's spreadsheet
    formula guard (a leading apostrophe) would corrupt it."""
    return excel_csv.chunks(mapping.header, ([row[name] for name in mapping.header] for row in rows))


def to_json(rows: list[dict[str, str]]) -> str:
    # Not flask.jsonify: it sorts keys, and the column order is part of the dataset.
    return json.dumps(rows, ensure_ascii=False, indent=1)
