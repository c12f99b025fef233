"""Which conversation a Slack thread belongs to, where each ticket's staff card was posted,
which threads are assistant threads, and which messages were already handled.

The maps are small JSON files in the data directory, so a follow-up in a thread still
continues its conversation, and a card still follows its ticket, after a restart.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger(__name__)


class _JsonMap:
    """A str → str map kept in a JSON file (written atomically on every change)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._items: dict[str, str] = {}
        self._load()

    def _load(self) -> None:
        if self._path is not None and self._path.exists():
            try:
                loaded = json.loads(self._path.read_text())
                self._items = {str(k): str(v) for k, v in loaded.items()}
            except (OSError, ValueError, AttributeError) as exc:
                log.warning("ignoring unreadable Slack map %s: %s", self._path, exc)

    def get(self, key: str, reload: bool = False) -> str | None:
        """``reload``: on a miss, read the file again (another process may have written it)."""
        with self._lock:
            found = self._items.get(key)
            if found is None and reload:
                self._load()
                found = self._items.get(key)
            return found

    def set(self, key: str, value: str) -> None:
        with self._lock:
            if self._items.get(key) == value:
                return
            self._items[key] = value
            if self._path is not None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self._path.with_suffix(".tmp")
                tmp.write_text(json.dumps(self._items))
                os.replace(tmp, self._path)


class ThreadMap:
    """(channel, thread ts) → conversation id."""

    def __init__(self, path: Path | None) -> None:
        self._map = _JsonMap(path)

    @staticmethod
    def key(channel: str, thread_ts: str) -> str:
        return f"{channel}:{thread_ts}"

    def get(self, channel: str, thread_ts: str) -> str | None:
        return self._map.get(self.key(channel, thread_ts))

    def set(self, channel: str, thread_ts: str, conversation_id: str) -> None:
        self._map.set(self.key(channel, thread_ts), conversation_id)


class CardMap:
    """Ticket ref → (channel, ts) of its staff card, so a change made anywhere (web console,
    CLI, Slack) can ``chat.update`` that card."""

    def __init__(self, path: Path | None) -> None:
        self._map = _JsonMap(path)

    def get(self, ref: str) -> tuple[str, str] | None:
        found = self._map.get(ref, reload=True)
        if not found or " " not in found:
            return None
        channel, ts = found.split(" ", 1)
        return channel, ts

    def set(self, ref: str, channel: str, ts: str) -> None:
        self._map.set(ref, f"{channel} {ts}")


class AssistantThreads:
    """Threads Slack opened in the assistant surface (``assistant_thread_started``)."""

    def __init__(self, path: Path | None) -> None:
        self._map = _JsonMap(path)

    def add(self, channel: str, thread_ts: str) -> None:
        self._map.set(ThreadMap.key(channel, thread_ts), "1")

    def __contains__(self, where: tuple[str, str]) -> bool:
        return self._map.get(ThreadMap.key(*where)) is not None


class SeenMessages:
    """Bounded memory of handled messages: Slack retries an event it thinks was not received
    (``X-Slack-Retry-Num``), and a mention in a watched thread arrives both as ``message`` and
    ``app_mention``; each message is answered once."""

    def __init__(self, size: int = 5000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True
