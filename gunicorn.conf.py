"""gunicorn settings for the portal (``gunicorn -c gunicorn.conf.py wsgi:app``; see docs/deploy/).

Prometheus' multi-process mode: every worker writes its counters to files in PROMETHEUS_MULTIPROC_DIR and
/metrics adds them up; the directory must be emptied before the server starts (the systemd unit does) and a
dead worker's live gauges are dropped here.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2))
worker_class = "sync"
# nginx buffers slow clients; a request taking longer than this is a bug, not a slow phone
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
# the portal writes its own request lines (portal/ops/logs.py, without client addresses)
accesslog = None
errorlog = "-"


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
