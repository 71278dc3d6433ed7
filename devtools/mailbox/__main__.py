"""Run the dev mailbox: ``python -m devtools.mailbox [options]``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from werkzeug.serving import run_simple

from .smtp import start_controller, store_handler
from .store import MailStore
from .web import create_app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.mailbox",
        description="SMTP sink that stores messages as .eml files, with a web UI.",
    )
    parser.add_argument("--smtp-host", default="127.0.0.1", help="default: %(default)s")
    parser.add_argument("--smtp-port", type=int, default=8025, help="default: %(default)s")
    parser.add_argument("--http-host", default="127.0.0.1", help="default: %(default)s")
    parser.add_argument("--http-port", type=int, default=8003, help="default: %(default)s")
    parser.add_argument(
        "--dir", default="instance/mailbox", help="where .eml files go (default: %(default)s)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd chatter
    store = MailStore(args.dir)
    controller = start_controller(store_handler(store), args.smtp_host, args.smtp_port)
    print(
        f"mailbox: SMTP on {args.smtp_host}:{args.smtp_port}, "
        f"web UI on http://{args.http_host}:{args.http_port}/, "
        f"storing in {store.directory}",
        flush=True,
    )
    # Let `kill` (SIGTERM, e.g. from make) shut the SMTP thread down cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run_simple(args.http_host, args.http_port, create_app(store), threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
