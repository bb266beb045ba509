"""The stream names are written once, in the connector interface: Moodle's stream table and
every record type must use exactly those names."""

from __future__ import annotations

from connectors.base import STREAM_NAMES
from connectors.moodle.connector import MoodleConnector
from connectors.moodle.streams import STREAMS
from connectors.records import Record


def test_moodle_declares_every_stream_of_the_interface_in_sync_order() -> None:
    assert tuple(STREAMS) == STREAM_NAMES
    assert MoodleConnector.streams == STREAM_NAMES


def test_each_record_type_names_a_stream_of_the_interface() -> None:
    streams = {kind.stream for kind in Record.__subclasses__()}
    assert streams == set(STREAM_NAMES)
