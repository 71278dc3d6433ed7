"""Decoding of Stripe's form-encoded parameters and typed parameter readers.

The SDK flattens nested params into ``a[b][c]=v`` and lists into
``list[0]=v`` (``list[]=v`` is also accepted by Stripe, e.g. ``expand[]``).
We rebuild the nested structure so handlers can work with plain dicts/lists,
and the typed readers produce Stripe's 400 error shape with the full
bracketed ``param`` name, which is what the SDK exposes as ``e.param``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import invalid_param, missing_param

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART_RE = re.compile(r"\[([^\[\]]*)\]")

# Hash params whose keys are chosen by the caller: never turn them into lists
# even when the keys happen to be "0", "1", ...
_FREE_FORM_HASHES = {"metadata"}


def split_key(key: str) -> list[str]:
    match = _KEY_RE.match(key)
    if not match:
        raise invalid_param(key, f"Invalid parameter name: {key}")
    return [match.group(1), *_PART_RE.findall(match.group(2))]


def decode_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn flat (key, value) pairs into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = split_key(key)
        node = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "":
                # "list[]" appends; numbering by current size keeps order.
                part = str(len(node))
            if last:
                if isinstance(node.get(part), dict):
                    raise invalid_param(key, f"Invalid hash: {key} is both a value and a hash")
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise invalid_param(key, f"Invalid hash: {key} is both a value and a hash")
                node = child
    return _listify(root, parent_key=None)


def _listify(value: Any, parent_key: str | None) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {k: _listify(v, k) for k, v in value.items()}
    if parent_key in _FREE_FORM_HASHES or not converted:
        return converted
    if all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def decode_request(args: Mapping[str, Any] | None, form: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge a werkzeug MultiDict query and body into one nested param dict."""
    pairs: list[tuple[str, str]] = []
    for source in (args, form):
        if source is None:
            continue
        if hasattr(source, "items") and hasattr(source, "getlist"):
            for key in source.keys():
                for item in source.getlist(key):
                    pairs.append((key, item))
        else:
            pairs.extend((k, v) for k, v in source.items())
    return decode_pairs(pairs)


# --- typed readers -------------------------------------------------------


def get_str(
    params: Mapping[str, Any],
    key: str,
    *,
    param: str | None = None,
    required: bool = False,
    max_length: int = 5000,
    choices: Iterable[str] | None = None,
) -> str | None:
    name = param or key
    value = params.get(key)
    if value is None or value == "":
        if required:
            raise missing_param(name)
        return None
    if not isinstance(value, str):
        raise invalid_param(name, f"Invalid string: {name} must be a string")
    if len(value) > max_length:
        raise invalid_param(name, f"Invalid string: {name} must be at most {max_length} characters")
    if choices is not None:
        allowed = list(choices)
        if value not in allowed:
            raise invalid_param(name, f"Invalid {name}: must be one of {', '.join(allowed)}")
    return value


def get_int(
    params: Mapping[str, Any],
    key: str,
    *,
    param: str | None = None,
    required: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    name = param or key
    value = params.get(key)
    if value is None or value == "":
        if required:
            raise missing_param(name)
        return None
    if isinstance(value, bool):
        raise invalid_param(name, f"Invalid integer: {value}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        number = int(value.strip())
    else:
        raise invalid_param(name, f"Invalid integer: {value}")
    if minimum is not None and number < minimum:
        raise invalid_param(name, f"Invalid {name}: must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise invalid_param(name, f"Invalid {name}: must be at most {maximum}")
    return number


def get_bool(params: Mapping[str, Any], key: str, *, default: bool = False) -> bool:
    value = params.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "yes", "on"):
        return True
    if str(value).lower() in ("false", "0", "no", "off"):
        return False
    raise invalid_param(key, f"Invalid boolean: {value}")


def get_dict(params: Mapping[str, Any], key: str, *, param: str | None = None) -> dict[str, Any]:
    name = param or key
    value = params.get(key)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise invalid_param(name, f"Invalid object: {name} must be a hash")
    return value


def get_list(params: Mapping[str, Any], key: str, *, param: str | None = None) -> list[Any]:
    name = param or key
    value = params.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        # A bare "expand=payment_intent" is tolerated like Stripe does.
        return [value]
    if not isinstance(value, list):
        raise invalid_param(name, f"Invalid array: {name} must be an array")
    return value


def get_metadata(params: Mapping[str, Any], key: str = "metadata") -> dict[str, str] | None:
    """Return metadata or None when not given; enforce Stripe's limits."""
    if key not in params:
        return None
    value = params[key]
    if value == "" or value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_param(key, "Invalid object: metadata must be a hash")
    if len(value) > 50:
        raise invalid_param(key, "Invalid metadata: at most 50 keys are allowed")
    for meta_key, meta_value in value.items():
        if len(meta_key) > 40:
            raise invalid_param(f"{key}[{meta_key}]", "Metadata keys can be at most 40 characters")
        if not isinstance(meta_value, str):
            raise invalid_param(f"{key}[{meta_key}]", "Metadata values must be strings")
        if len(meta_value) > 500:
            raise invalid_param(f"{key}[{meta_key}]", "Metadata values can be at most 500 characters")
    return dict(value)


def merge_metadata(current: dict[str, str], update: dict[str, str] | None) -> dict[str, str]:
    """Apply a metadata update: empty string values unset keys, {} clears all."""
    if update is None:
        return current
    if update == {}:
        return {}
    merged = dict(current)
    for meta_key, meta_value in update.items():
        if meta_value == "":
            merged.pop(meta_key, None)
        else:
            merged[meta_key] = meta_value
    return merged
