"""Open data (自治体標準オープンデータセット): a municipality's published facilities as 公共施設一覧 CSV/JSON.

Which columns a dataset has, in which order, and where each value comes from is data — one YAML mapping
per schema revision (``facilities_recommended.yaml``, ``facilities_current.yaml``) — so following a new
revision of the standard is a new file, not new code:

    mapping   — loading and validating a mapping (unknown sources fail at load, naming file and column)
    computed  — the small fixed set of values derived rather than stored (weekdays, hours, address parts, URL)
    export    — the rows of one municipality, and CSV (UTF-8 with BOM, CRLF) / JSON encodings
    views     — ``/<municipality>/opendata/facilities.csv`` and ``.json``
"""
