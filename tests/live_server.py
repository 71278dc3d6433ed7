"""Serving an app on a real localhost port in a thread, for tests that cross HTTP (OIDC, webhooks, browsers)."""
from __future__ import annotations

import threading

from werkzeug.serving import make_server


class LateApp:
    """Lets a server bind its port before the app that needs to know the other server's port exists."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


class LiveServer:
    def __init__(self):
        self.wsgi = LateApp()
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self, app):
        self.wsgi.app = app
        self.thread.start()

    def stop(self):
        self.server.shutdown()
