"""Import Kibana saved objects (NDJSON) through Kibana's saved objects API.

    python deploy/kibana_import.py configs/kibana/radar.ndjson \
        --kibana-url http://kibana:5601 --user elastic --password "$ELASTIC_PASSWORD"

URL and credentials default to ``KIBANA_URL``, ``KIBANA_USERNAME`` and ``KIBANA_PASSWORD``.
Uses only the standard library, so it runs in any Python 3.11 image.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

IMPORT_PATH = "/api/saved_objects/_import"
RETRY_STATUSES = frozenset({502, 503, 504})


class KibanaImportError(RuntimeError):
    """Kibana refused the import or could not be reached."""


def encode_multipart(field: str, filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with one file part; returns (body, Content-Type header)."""
    boundary = f"radar-{uuid.uuid4().hex}"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode("utf-8")
    tail = f"\r\n--{boundary}--\r\n".encode("utf-8")
    return head + content + tail, f"multipart/form-data; boundary={boundary}"


def _describe_errors(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors:
        detail = err.get("error") or {}
        reason = detail.get("type", "error")
        if detail.get("references"):
            missing = ", ".join(f"{r.get('type')}/{r.get('id')}" for r in detail["references"])
            reason += f" ({missing})"
        elif detail.get("message"):
            reason += f" ({detail['message']})"
        parts.append(f"{err.get('type')}/{err.get('id')} {err.get('title', '')!r}: {reason}")
    return "; ".join(parts)


def _check_result(result: dict[str, Any], path: Path) -> dict[str, Any]:
    if result.get("success") is True and not result.get("errors"):
        return result
    errors = result.get("errors") or []
    detail = _describe_errors(errors) if errors else json.dumps(result)[:500]
    raise KibanaImportError(
        f"Kibana import of {path} failed: {result.get('successCount', 0)} imported, "
        f"{len(errors)} error(s): {detail}"
    )


def import_saved_objects(
    kibana_url: str,
    user: str | None,
    password: str | None,
    ndjson_path: str | Path,
    *,
    overwrite: bool = True,
    space: str | None = None,
    timeout_s: float = 60.0,
    retries: int = 5,
    backoff_s: float = 2.0,
) -> dict[str, Any]:
    """POST an NDJSON file to Kibana's ``_import`` API; return Kibana's JSON answer.

    Retries connection errors and 502/503/504 (Kibana still starting) ``retries`` times; raises
    :class:`KibanaImportError` on any other HTTP error or when Kibana reports ``success: false``.
    """
    path = Path(ndjson_path)
    content = path.read_bytes()
    body, content_type = encode_multipart("file", path.name, content, "application/ndjson")
    prefix = f"/s/{space}" if space and space != "default" else ""
    url = f"{kibana_url.rstrip('/')}{prefix}{IMPORT_PATH}?overwrite={'true' if overwrite else 'false'}"
    headers = {"kbn-xsrf": "true", "Content-Type": content_type, "Accept": "application/json"}
    if user:
        token = base64.b64encode(f"{user}:{password or ''}".encode("utf-8")).decode("ascii")
        headers["Authorization"] = f"Basic {token}"

    last_problem = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff_s * attempt)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")[:1000]
            if exc.code in RETRY_STATUSES:
                last_problem = f"HTTP {exc.code}: {text}"
                continue
            raise KibanaImportError(f"Kibana import of {path} failed: HTTP {exc.code} from {url}: {text}") from None
        except (urllib.error.URLError, OSError) as exc:
            last_problem = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
            continue
        try:
            result = json.loads(raw)
        except json.JSONDecodeError:
            raise KibanaImportError(f"Kibana import of {path}: answer is not JSON: {raw[:200]!r}") from None
        return _check_result(result, path)
    raise KibanaImportError(f"Kibana at {url} not reachable after {retries + 1} attempts: {last_problem}")


def main(argv: list[str] | None = None) -> int:
    """Command line: import one or more NDJSON files; exit 1 with a clear message on failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="NDJSON files, imported in this order")
    parser.add_argument("--kibana-url", default=os.environ.get("KIBANA_URL", "http://127.0.0.1:5601"))
    parser.add_argument("--user", default=os.environ.get("KIBANA_USERNAME"))
    parser.add_argument("--password", default=os.environ.get("KIBANA_PASSWORD"))
    parser.add_argument("--space", default=os.environ.get("KIBANA_SPACE"))
    parser.add_argument("--retries", type=int, default=int(os.environ.get("KIBANA_IMPORT_RETRIES", "30")))
    args = parser.parse_args(argv)
    for path in args.files:
        try:
            result = import_saved_objects(
                args.kibana_url, args.user, args.password, path, space=args.space, retries=args.retries
            )
        except (KibanaImportError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"imported {result.get('successCount', 0)} saved objects from {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
