"""Where alerts go: JSON webhook (HMAC-SHA256 signed), Slack-compatible webhook, email over SMTP,
a Kafka topic, and the log / stdout. Each sink's :meth:`send` raises :class:`SinkError` on failure;
retrying is the dispatcher's job. Delivery is at least once: every sink carries the alert id as an
idempotency key, in a header (``Idempotency-Key``; email ``X-Radar-Idempotency-Key`` and a stable
``Message-ID``; a Kafka header ``idempotency-key``) and in the payload (``idempotency_key``), for the
receiver to deduplicate on."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import smtplib
import ssl
import sys
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from pipeline.alert.message import Message
from pipeline.alert.rules import AlertsConfig, SinkConfig
from pipeline.settings import Settings

log = logging.getLogger(__name__)


class SinkError(RuntimeError):
    """A delivery failed (it may be retried)."""


class Sink:
    """Base class: a named destination with its retry policy."""

    def __init__(self, name: str, cfg: SinkConfig, s: Settings) -> None:
        self.name = name
        self.cfg = cfg
        self.type = cfg.type
        self.retries = cfg.retries or s.alert_sink_retries
        self.backoff_s = cfg.backoff_s or s.alert_sink_backoff_s
        self.max_backoff_s = s.alert_sink_max_backoff_s
        self.timeout_s = cfg.timeout_s or s.alert_sink_timeout_s

    def send(self, msg: Message) -> None:
        """Deliver ``msg`` or raise :class:`SinkError`."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 signature header value over ``timestamp.body``: ``sha256=<hex>``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def idempotency_headers(msg: Message) -> dict[str, str]:
    """The HTTP header carrying the alert id, for receivers to deduplicate redeliveries."""
    return {"Idempotency-Key": msg.idempotency_key} if msg.idempotency_key else {}


def _post_json(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> None:
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", "User-Agent": "IncidentRadar-alerts",
                                          **headers})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            resp.read(65_536)
    except urllib.error.HTTPError as exc:
        raise SinkError(f"HTTP {exc.code} from {url}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SinkError(f"POST {url} failed: {exc}") from None


class WebhookSink(Sink):
    """POST the alert as JSON; header ``X-Radar-Signature: sha256=HMAC(secret, timestamp + '.' + body)``
    and ``X-Radar-Timestamp`` when ``secret_env`` names a set variable."""

    def send(self, msg: Message) -> None:
        body = json.dumps(msg.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {**self.cfg.headers, **idempotency_headers(msg)}
        secret = os.environ.get(self.cfg.secret_env or "", "")
        if secret:
            ts = str(int(time.time()))
            headers["X-Radar-Timestamp"] = ts
            headers[self.cfg.signature_header] = sign(secret, ts, body)
        _post_json(self.cfg.url, body, headers, self.timeout_s)


class SlackSink(Sink):
    """Slack-compatible incoming webhook: ``{"text": ..., "blocks": [...]}``."""

    def send(self, msg: Message) -> None:
        text = msg.text if len(msg.text) < 2900 else msg.text[:2900] + "…"
        body = {"text": msg.subject, "idempotency_key": msg.idempotency_key, "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": msg.subject[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"```{text}```"}},
        ]}
        _post_json(self.cfg.url, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                   {**self.cfg.headers, **idempotency_headers(msg)}, self.timeout_s)


class EmailSink(Sink):
    """Email over SMTP (``starttls`` or ``ssl``, login when ``username`` is set; password from env)."""

    def send(self, msg: Message) -> None:
        mail = EmailMessage()
        mail["Subject"] = msg.subject
        mail["From"] = self.cfg.sender
        mail["To"] = ", ".join(self.cfg.to)
        if msg.idempotency_key:
            mail["X-Radar-Idempotency-Key"] = msg.idempotency_key
            mail["Message-ID"] = f"<{hashlib.sha1(msg.idempotency_key.encode()).hexdigest()}@incident-radar>"
        mail.set_content(msg.text + (f"\n\nAlert id: {msg.idempotency_key}" if msg.idempotency_key else ""))
        try:
            if self.cfg.ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.cfg.host, self.cfg.port, timeout=self.timeout_s,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.cfg.host, self.cfg.port, timeout=self.timeout_s)
            with smtp:
                if self.cfg.starttls and not self.cfg.ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if self.cfg.username:
                    smtp.login(self.cfg.username, os.environ.get(self.cfg.password_env or "", ""))
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            raise SinkError(f"SMTP {self.cfg.host}:{self.cfg.port} failed: {exc}") from None


class KafkaSink(Sink):
    """Produce the alert JSON to a topic (default ``topic_alerts``), keyed by incident id."""

    def __init__(self, name: str, cfg: SinkConfig, s: Settings) -> None:
        super().__init__(name, cfg, s)
        self.s = s
        self.topic = cfg.topic or s.topic_alerts
        self._producer: Any = None

    def send(self, msg: Message) -> None:
        from kafka.errors import KafkaError

        from pipeline import bus

        try:
            if self._producer is None:
                self._producer = bus.make_producer(self.s)
            body = json.dumps(msg.payload, ensure_ascii=False).encode("utf-8")
            headers = [("idempotency-key", msg.idempotency_key.encode())] if msg.idempotency_key else None
            bus.send(self._producer, self.topic, msg.key, body, self.s, headers=headers).get(timeout=self.timeout_s)
        except (KafkaError, bus.MessageTooLarge) as exc:
            raise SinkError(f"Kafka topic {self.topic}: {exc}") from None

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=self.timeout_s)
            self._producer = None


class LogSink(Sink):
    """Write the alert to the log (``stream: log``) or as one JSON line to stdout (``stream: stdout``)."""

    def send(self, msg: Message) -> None:
        if self.cfg.stream == "stdout":
            sys.stdout.write(json.dumps(msg.payload, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            log.warning("ALERT %s [%s]\n%s", msg.subject, msg.idempotency_key, msg.text)


SINK_TYPES: dict[str, type[Sink]] = {"webhook": WebhookSink, "slack": SlackSink, "email": EmailSink,
                                     "kafka": KafkaSink, "log": LogSink}


def build_sinks(cfg: AlertsConfig, s: Settings) -> dict[str, Sink]:
    """Every enabled sink of the config, by name (disabled ones are logged)."""
    sinks: dict[str, Sink] = {}
    for name, sc in cfg.sinks.items():
        if not sc.enabled:
            log.info("alert sink %s (%s) is disabled: its url/host is empty", name, sc.type)
            continue
        sinks[name] = SINK_TYPES[sc.type](name, sc, s)
    return sinks
