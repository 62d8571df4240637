"""gunicorn for Casework in production (docs/deployment.md#web): `gunicorn -c
deploy/gunicorn.conf.py config.wsgi`, behind nginx. Every value can be set from the
environment (the env file), so systemd and compose share this one file."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: requests are short database round trips, and a slow one holds one worker
# rather than a thread of every request; nginx buffers slow clients in front of them.
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
# Longer than any request should take (the exports are the slowest), shorter than nginx's
# proxy_read_timeout (deploy/nginx/casework.conf), so gunicorn answers first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "55"))
# systemd's and compose's stop waits longer than this (TimeoutStopSec, stop_grace_period).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
keepalive = 5
# A worker that leaks memory is replaced in time; the jitter keeps them from restarting
# together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Heartbeat files on tmpfs, not on a disk that may stall (and read-only in a container).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
errorlog = "-"
# Django decides what HTTPS means from SECURE_PROXY_SSL_HEADER; gunicorn trusts the
# X-Forwarded-* headers only from nginx's address, as Django needs nothing else from it.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "casework-web"
# gunicorn's control socket in the var folder rather than the account's home, which the
# systemd unit hides (ProtectHome) and the container's user has none of.
control_socket = os.path.join(os.environ.get("CASEWORK_VAR_DIR", "var"), "gunicorn.ctl")


def child_exit(server, worker):
    """A finished worker's live gauges leave /metrics' sum (docs/operations.md#metrics)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
