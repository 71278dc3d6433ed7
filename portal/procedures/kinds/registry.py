"""The one registry of procedure kinds. Feature packages declare theirs as entry points of the group
``portal.kinds`` in pyproject.toml; they are loaded on first use, so every entry — the web app, the CLI, the
retention sweep, a test that only validates a definition — sees all kinds without this package importing any
feature package."""
from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points

from portal.procedures.kinds.base import ProcedureKind

ENTRY_POINT_GROUP = "portal.kinds"


class KindRegistry(Mapping[str, ProcedureKind]):
    def __init__(self, group: str = ENTRY_POINT_GROUP):
        self._group = group
        self._kinds: dict[str, ProcedureKind] = {}
        self._loaded = False
        self._lock = threading.Lock()

    def register(self, cls: type[ProcedureKind]) -> type[ProcedureKind]:
        """Add a kind that is not an entry point (a test's own); the entry points are loaded first, so a name
        they declare is refused too."""
        self._load()
        self._add(cls)
        return cls

    def _add(self, cls: type[ProcedureKind]) -> None:
        if cls.name in self._kinds:
            raise ValueError(f"procedure kind {cls.name!r} registered twice")
        self._kinds[cls.name] = cls()

    def unregister(self, name: str) -> None:
        """Take a kind out again (a test's own kind, once the test is done)."""
        del self._kinds[name]

    def _load(self) -> None:
        if self._loaded:
            return
        # The first requests of a threaded server may arrive together: one loads, the others wait for all kinds.
        with self._lock:
            if self._loaded:
                return
            found = entry_points(group=self._group)
            if not found:
                raise RuntimeError(f"no procedure kinds in entry point group {self._group!r}: "
                                   "the package's metadata is missing or stale (run `make install`)")
            classes = [(entry.name, entry.load()) for entry in found]
            for entry_name, cls in classes:
                if cls.name != entry_name:
                    raise ValueError(f"entry point {entry_name!r} of {self._group!r} names kind {cls.name!r}")
            for _entry_name, cls in classes:
                self._add(cls)
            self._loaded = True

    def __getitem__(self, name: str) -> ProcedureKind:
        self._load()
        return self._kinds[name]

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(self._kinds)

    def __len__(self) -> int:
        self._load()
        return len(self._kinds)


KINDS = KindRegistry()
