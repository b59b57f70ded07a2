"""Domain events: the catalogue of every event type, and the bus that delivers them after commit."""

from deliberation.events.bus import EventBus, InProcessBus, PostgresBus, create_bus
from deliberation.events.catalogue import EVENT_TYPES, Event, parse_event
from deliberation.events.record import commit, record

__all__ = [
    "EVENT_TYPES",
    "Event",
    "EventBus",
    "InProcessBus",
    "PostgresBus",
    "commit",
    "create_bus",
    "parse_event",
    "record",
]
