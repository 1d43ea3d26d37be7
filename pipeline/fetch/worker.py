"""The fetch worker (consumer group ``fetch``): ``articles.entries`` → ``articles.raw``.

A batch's entries are grouped by host; each host gets at most ``fetch_per_host_concurrency`` lanes on a
shared thread pool, so a slow host only ever holds its own lanes. Entries not started within
``fetch_batch_deadline_s`` go back to the end of ``articles.entries`` (their offsets commit with the
batch), so one slow site delays no other site's articles by more than that. Every outcome is written to
the :class:`~pipeline.fetch.ledger.FetchLedger` before it is published and marked published after the
commit: a re-delivered entry is never fetched twice, and a crash loses nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from pipeline.fetch.article import ArticleFetcher, Outcome
from pipeline.fetch.ledger import FetchLedger, fetch_ledger_path
from pipeline.fetch.politeness import host_key
from pipeline.schemas import RawArticle, SchemaError, dump, load
from pipeline.settings import Settings, get_settings
from pipeline.stream import BatchResult, Handler, Output, StreamWorker

log = logging.getLogger(__name__)


def fetch_all(fetcher: ArticleFetcher, pool: ThreadPoolExecutor, entries: list[RawArticle], s: Settings,
              ) -> tuple[dict[str, Outcome], list[RawArticle]]:
    """Fetch ``entries`` in per-host lanes; return outcomes by entry id and the entries left unstarted
    when the batch deadline passed."""
    queues: dict[str, deque[RawArticle]] = defaultdict(deque)
    for entry in entries:
        queues[host_key(entry.url or "")].append(entry)
    outcomes: dict[str, Outcome] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + s.fetch_batch_deadline_s

    def lane(queue: deque[RawArticle]) -> None:
        while time.monotonic() < stop_at:
            with lock:
                if not queue:
                    return
                entry = queue.popleft()
            outcome = fetcher.fetch(entry)
            with lock:
                outcomes[entry.id] = outcome

    futures = [pool.submit(lane, queue) for queue in queues.values()
               for _ in range(min(s.fetch_per_host_concurrency, len(queue)))]
    wait(futures)
    for fut in futures:
        fut.result()
    left = [entry for queue in queues.values() for entry in queue]
    return outcomes, left


def make_fetch_handler(s: Settings, fetcher: ArticleFetcher, ledger: FetchLedger,
                       pool: ThreadPoolExecutor) -> Handler:
    """Handler for ``articles.entries`` → ``articles.raw``; unreadable entries go to the DLQ."""

    def handle(records: Sequence[Any]) -> BatchResult:
        result = BatchResult()
        todo: dict[str, tuple[Any, RawArticle]] = {}
        published: list[str] = []
        for record in records:
            try:
                entry = load(RawArticle, record.value)
            except SchemaError as exc:
                result.failures.append((record, str(exc)))
                continue
            done = ledger.get(entry.id)
            if done is None:
                todo.setdefault(entry.id, (record, entry))
            elif not done.published and done.result:
                result.outputs.append(Output(s.topic_raw, done.article_id, done.result))
                published.append(entry.id)
        outcomes, left = fetch_all(fetcher, pool, [e for _, e in todo.values()], s)
        for entry in left:
            result.outputs.append(Output(s.topic_entries, entry.id, dump(entry)))
        for entry_id in [e for e in todo if e in outcomes]:  # in the batch's order
            outcome = outcomes[entry_id]
            owner = ledger.claim(outcome.canonical, entry_id)
            if owner != entry_id:
                log.info("fetch: entry %s is %s again (same canonical URL %s): skipped", entry_id, owner,
                         outcome.canonical[0])
                ledger.record(entry_id, "duplicate", owner, None, published=True)
                continue
            data = dump(outcome.article)
            if len(data) > s.kafka_max_message_bytes:
                result.failures.append((todo[entry_id][0], f"article is {len(data)} bytes > limit "
                                        f"{s.kafka_max_message_bytes} (RADAR_KAFKA_MAX_MESSAGE_BYTES)"))
                continue
            ledger.record(entry_id, outcome.status, entry_id, data)
            result.outputs.append(Output(s.topic_raw, entry_id, data))
            published.append(entry_id)
            if outcome.article.fetch_error:
                log.info("fetch: %s: teaser kept: %s", entry_id, outcome.article.fetch_error)
        if published:
            result.after_commit.append(lambda ids=tuple(published): ledger.mark_published(list(ids)))
        return result

    return handle


def fetch_worker(s: Settings | None = None) -> StreamWorker:
    """The fetch worker (consumer group ``fetch``), taking ``fetch_batch_size`` entries at a time."""
    s = s or get_settings()
    ws = s.model_copy(update={"kafka_max_poll_records": s.fetch_batch_size})
    fetcher = ArticleFetcher(s)
    ledger = FetchLedger(fetch_ledger_path(s), s.fetch_ledger_days)
    pool = ThreadPoolExecutor(max_workers=s.fetch_concurrency, thread_name_prefix="fetch")
    return StreamWorker("fetch", s.consumer_group("fetch"), [s.topic_entries],
                        make_fetch_handler(s, fetcher, ledger, pool), ws)
