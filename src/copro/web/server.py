"""The production server behind ``copro serve``: gunicorn, with the application loaded once
before the workers fork (so findings computed at start are shared, not recomputed).

gunicorn's own access log is off: copro.web.middleware writes one JSON line per request,
without query strings.

Forwarded headers: gunicorn believes ``X-Forwarded-Proto`` (the only scheme header it is given)
from the addresses in ``COPRO_TRUSTED_PROXIES`` only, and from none when that is empty (the
default without ``COPRO_HTTPS=1``): gunicorn's own default trusts loopback's
``X-Forwarded-Proto``, ``-Protocol`` and ``-Ssl`` whatever copro is told."""

from __future__ import annotations

import gc

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
        # the statistics libraries too (SciPy, statsmodels, pandas: ~1 s): copro.stats.rates
        # imports statsmodels (and with it SciPy and pandas) when an interval is first
        # computed, which in a worker would be its first survey results or comparison page
        import statsmodels.stats.proportion  # noqa: F401

        return application


def freeze_before_fork(server, worker) -> None:
    """gunicorn's ``pre_fork`` hook: collect the master's garbage, then move every object left
    (the findings, the pages held, Django, SciPy: some 10^5 objects) to the collector's
    permanent generation. A forked worker's collector then never walks them: without this,
    each worker's first full collection walks every object it inherited (pauses of several
    hundred ms while its requests wait), and writing to them copies the shared memory."""
    gc.collect()
    gc.freeze()


def forwarding_options(trusted_proxies: list[str]) -> dict:
    """gunicorn's options for forwarded headers: believed from ``trusted_proxies`` only."""
    import ipaddress

    from copro.errors import CoproError

    for address in trusted_proxies:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise CoproError(f"COPRO_TRUSTED_PROXIES: '{address}' is not an IP address (the "
                             "reverse proxy's, e.g. 127.0.0.1)") from None
    if not trusted_proxies:
        return {"forwarded_allow_ips": "", "secure_scheme_headers": {},
                "forwarder_headers": ""}
    return {"forwarded_allow_ips": ",".join(trusted_proxies),
            "secure_scheme_headers": {"X-FORWARDED-PROTO": "https"},
            "forwarder_headers": ""}


def run(host: str, port: int, workers: int, threads: int) -> None:
    """Serve until interrupted (SIGINT/SIGTERM stop it cleanly)."""
    from django.conf import settings

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
        "pre_fork": freeze_before_fork,
        **forwarding_options(settings.TRUSTED_PROXIES),
    }).run()
