"""Filter drops every record; with a predicate it drops only the selected ones."""

from __future__ import annotations

from distconnect.api.records import SinkRecord, SourceRecord
from distconnect.transforms.filter import Filter
from distconnect.transforms.predicates import PredicatedTransformation, RecordIsTombstone


def test_drops_every_record() -> None:
    xform: Filter[SourceRecord] = Filter()
    xform.configure({"ignored": "x"})
    assert xform.apply(SourceRecord(topic="t", value="v")) is None
    assert xform.apply(SourceRecord(topic="t")) is None
    assert not xform.config().config_keys
    xform.close()


def test_with_predicate_drops_only_matching_records() -> None:
    predicate: RecordIsTombstone[SinkRecord] = RecordIsTombstone()
    stage = PredicatedTransformation(Filter[SinkRecord](), predicate)
    live = SinkRecord(topic="t", value="v", kafka_offset=1)
    assert stage.apply(SinkRecord(topic="t", kafka_offset=0)) is None
    assert stage.apply(live) is live
