"""deploy/kibana_import.py against a tiny local HTTP server that behaves like Kibana's import API."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from deploy_testlib import load_deploy_module

kibana_import = load_deploy_module("kibana_import")

USER, PASSWORD = "elastic", "s3cret-pw"
NDJSON = b'{"type":"index-pattern","id":"radar-articles","attributes":{"title":"radar-articles*"},"references":[]}\n'


class FakeKibana(BaseHTTPRequestHandler):
    """Checks the request like Kibana would and answers from ``server.responses`` in order."""

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        server: Any = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        problem = self._problem(body)
        status, payload = (400, {"statusCode": 400, "error": "Bad Request", "message": problem}) if problem else (
            server.responses.pop(0) if server.responses else (200, {"success": True, "successCount": 1})
        )
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _problem(self, body: bytes) -> str | None:
        url = urlsplit(self.path)
        if url.path != "/api/saved_objects/_import":
            return f"unexpected path {url.path}"
        if parse_qs(url.query).get("overwrite") != ["true"]:
            return "overwrite=true missing"
        if self.headers.get("kbn-xsrf") is None:
            return "Request must contain a kbn-xsrf header."
        expected_auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != expected_auth:
            return "bad credentials"
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data; boundary="):
            return f"not multipart: {content_type}"
        message = email.message_from_bytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.HTTP
        )
        parts = list(message.iter_parts())
        if len(parts) != 1 or parts[0].get_param("name", header="content-disposition") != "file":
            return "expected exactly one form field named 'file'"
        if not (parts[0].get_filename() or "").endswith(".ndjson"):
            return "file name must end with .ndjson"
        if parts[0].get_payload(decode=True) != self.server.expected_file:  # type: ignore[attr-defined]
            return "file content differs"
        return None

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def ndjson_file(tmp_path: Path) -> Path:
    path = tmp_path / "radar.ndjson"
    path.write_bytes(NDJSON)
    return path


@pytest.fixture()
def kibana() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), FakeKibana)
    server.requests, server.responses, server.expected_file = [], [], NDJSON
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def test_successful_import(kibana: Any, ndjson_file: Path) -> None:
    kibana.responses.append((200, {"success": True, "successCount": 1, "successResults": [{"id": "radar-articles"}]}))
    result = kibana_import.import_saved_objects(kibana.url, USER, PASSWORD, ndjson_file)
    assert result["successCount"] == 1
    assert len(kibana.requests) == 1


def test_missing_xsrf_or_wrong_password_is_a_clear_error(kibana: Any, ndjson_file: Path) -> None:
    with pytest.raises(kibana_import.KibanaImportError, match=r"HTTP 400.*bad credentials"):
        kibana_import.import_saved_objects(kibana.url, USER, "wrong", ndjson_file, retries=0)


def test_success_false_lists_the_failing_objects(kibana: Any, ndjson_file: Path) -> None:
    kibana.responses.append((200, {
        "success": False, "successCount": 0,
        "errors": [{"id": "radar-overview", "type": "dashboard", "title": "Incident Radar overview",
                    "error": {"type": "missing_references", "references": [{"type": "lens", "id": "radar-top-actors"}]}}],
    }))
    with pytest.raises(kibana_import.KibanaImportError) as info:
        kibana_import.import_saved_objects(kibana.url, USER, PASSWORD, ndjson_file)
    message = str(info.value)
    assert "dashboard/radar-overview" in message and "missing_references" in message and "lens/radar-top-actors" in message


def test_kibana_starting_up_is_retried(kibana: Any, ndjson_file: Path) -> None:
    kibana.responses.extend([(503, {"statusCode": 503, "message": "Kibana server is not ready yet"}),
                             (200, {"success": True, "successCount": 1})])
    result = kibana_import.import_saved_objects(kibana.url, USER, PASSWORD, ndjson_file, retries=2, backoff_s=0)
    assert result["success"] is True and len(kibana.requests) == 2


def test_unreachable_kibana(ndjson_file: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(kibana_import.KibanaImportError, match="not reachable after 2 attempts"):
        kibana_import.import_saved_objects(f"http://127.0.0.1:{port}", USER, PASSWORD, ndjson_file,
                                           retries=1, backoff_s=0, timeout_s=2)


def test_space_prefix_and_cli(kibana: Any, ndjson_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = kibana_import.main([str(ndjson_file), "--kibana-url", kibana.url, "--user", USER, "--password", PASSWORD])
    assert code == 0 and "imported 1 saved objects" in capsys.readouterr().out
    code = kibana_import.main([str(ndjson_file), "--kibana-url", kibana.url, "--user", USER,
                               "--password", PASSWORD, "--space", "ops", "--retries", "0"])
    assert code == 1
    assert kibana.requests[-1]["path"].startswith("/s/ops/api/saved_objects/_import")
    assert "unexpected path /s/ops/api/saved_objects/_import" in capsys.readouterr().err


def test_real_saved_objects_file_is_sent_unchanged(kibana: Any) -> None:
    path = Path(__file__).resolve().parents[2] / "configs" / "kibana" / "radar.ndjson"
    kibana.expected_file = path.read_bytes()
    result = kibana_import.import_saved_objects(kibana.url, USER, PASSWORD, path)
    assert result["success"] is True
