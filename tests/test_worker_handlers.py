"""Worker handlers are plain functions over records: tested here without a broker."""

from collections import namedtuple

from pipeline.schemas import EnrichedArticle, RawArticle, dump, load
from pipeline.settings import Settings
from pipeline.workers import make_enrich_handler

Record = namedtuple("Record", "topic partition offset key value")


def test_enrich_handler_outputs_valid_and_fails_invalid_and_oversized():
    s = Settings(kafka_max_message_bytes=3_000)
    handle = make_enrich_handler(s)
    small = RawArticle(id="s1", title="Gunmen kill two police officers in Culiacán",
                       body="Gunmen shot dead two police officers in Culiacán, Sinaloa, on Monday.")
    big = RawArticle(id="b1", title="Long report", body="Soldiers clashed with rebels near the town. " * 80)
    records = [Record("raw", 0, 0, b"s1", dump(small)), Record("raw", 0, 1, b"x", b"{}"),
               Record("raw", 0, 2, b"b1", dump(big))]
    result = handle(records)
    assert [o.key for o in result.outputs] == ["MX"]  # keyed by region for the alert stage
    assert load(EnrichedArticle, result.outputs[0].value).id == "s1"
    assert load(EnrichedArticle, result.outputs[0].value).violent is True
    failures = {r.offset: err for r, err in result.failures}
    assert set(failures) == {1, 2}
    assert "invalid RawArticle" in failures[1]
    assert "RADAR_KAFKA_MAX_MESSAGE_BYTES" in failures[2]
