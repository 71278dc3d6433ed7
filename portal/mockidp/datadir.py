"""Files the provider creates once in its data directory and reuses after restarts."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def ensure_data_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def read_or_create_secret_file(path: Path, make_content: Callable[[], str]) -> str:
    """Return the file's content, creating it with mode 0600 if it does not exist yet.

    Several provider processes may start at once (a dev server reloader, gunicorn
    workers). The content is written to a private temporary file first and then
    hard-linked into place, so exactly one process wins and every process ends up
    reading the same, complete file.
    """
    if path.exists():
        return path.read_text(encoding="utf-8")
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp uses 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(make_content())
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp_name)
    return path.read_text(encoding="utf-8")
