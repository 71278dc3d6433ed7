"""Run the mock provider: `python -m portal.mockidp --port 8001`."""
from __future__ import annotations

import argparse
import os
from urllib.parse import urlsplit

from werkzeug.serving import run_simple

from . import create_app


def main(argv: list[str] | None = None) -> None:
    issuer = os.environ.get("MOCKIDP_ISSUER", "http://127.0.0.1:8001")
    parsed = urlsplit(issuer)
    parser = argparse.ArgumentParser(prog="python -m portal.mockidp", description="Mock My Number Card OIDC provider")
    parser.add_argument("--host", default=parsed.hostname or "127.0.0.1")
    parser.add_argument("--port", type=int, default=parsed.port or 8001)
    parser.add_argument("--reload", action="store_true", help="restart when the code changes")
    args = parser.parse_args(argv)

    config = {}
    if "MOCKIDP_ISSUER" not in os.environ:
        # Without an explicit issuer, the one we actually listen on is the right one.
        config["MOCKIDP_ISSUER"] = f"http://{args.host}:{args.port}"
    run_simple(args.host, args.port, create_app(config), threaded=True, use_reloader=args.reload)


if __name__ == "__main__":
    main()
