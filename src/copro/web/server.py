"""The production server behind ``copro serve``: gunicorn, with the application loaded once
before the workers fork (so findings computed at start are shared, not recomputed).

gunicorn's own access log is off: copro.web.middleware writes one JSON line per request,
without query strings."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from django.urls import get_resolver

        from copro.web.wsgi import application

        # Django imports the URL configuration, and with it every view and what the views
        # import, on a process's first request: done here, before the workers fork, instead
        # of once in each worker while its first requests wait (seconds on 2 cores)
        get_resolver().url_patterns  # noqa: B018
        return application


def run(host: str, port: int, workers: int, threads: int) -> None:
    """Serve until interrupted (SIGINT/SIGTERM stop it cleanly)."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    _Server({
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "preload_app": True,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "keepalive": 5,
        "timeout": 60,
        "graceful_timeout": 10,
        "proc_name": "copro-serve",
        "forwarded_allow_ips": "127.0.0.1",
    }).run()
