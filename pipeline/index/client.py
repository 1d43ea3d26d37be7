"""The Elasticsearch client, configured from settings.

The official client sends ``application/vnd.elasticsearch+json; compatible-with=N`` media types.
OpenSearch-compatible servers (the embedded default) answer 406 to those, while real Elasticsearch
accepts plain ``application/json`` as well, so every request is sent with plain JSON media types.
"""

from __future__ import annotations

import re
from typing import Any

from elastic_transport import Urllib3HttpNode
from elasticsearch import Elasticsearch

from pipeline.settings import Settings, get_settings

_COMPAT = re.compile(r"application/vnd\.elasticsearch\+([a-z-]+)(;\s*compatible-with=\d+)?")


class PlainJsonNode(Urllib3HttpNode):
    """HTTP node that rewrites compatibility media types to plain ``application/json``."""

    def perform_request(self, method: str, target: str, body: bytes | None = None, headers: Any = None, **kw: Any):  # type: ignore[override]
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                if name in headers:
                    headers[name] = _COMPAT.sub(r"application/\1", headers[name])
        return super().perform_request(method, target, body=body, headers=headers, **kw)


def make_client(settings: Settings | None = None) -> Elasticsearch:
    """Build an Elasticsearch client from settings (URL, auth, TLS, timeouts, retries)."""
    s = settings or get_settings()
    kwargs: dict[str, Any] = {
        "node_class": PlainJsonNode,
        "request_timeout": s.es_timeout_s,
        "max_retries": s.es_max_retries,
        "retry_on_timeout": True,
    }
    if s.es_api_key:
        kwargs["api_key"] = s.es_api_key
    elif s.es_username:
        kwargs["basic_auth"] = (s.es_username, s.es_password or "")
    if s.es_url.startswith("https"):
        kwargs["verify_certs"] = s.es_verify_certs
        if s.es_ca_certs:
            kwargs["ca_certs"] = s.es_ca_certs
    return Elasticsearch(s.es_url, **kwargs)
