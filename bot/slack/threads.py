"""Which conversation a Slack thread belongs to, and which messages were already handled.

The thread map is a small JSON file in the data directory, so a follow-up in a thread still
continues its conversation after a restart.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger(__name__)


class ThreadMap:
    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._threads: dict[str, str] = {}
        if path is not None and path.exists():
            try:
                self._threads = {str(k): str(v) for k, v in json.loads(path.read_text()).items()}
            except (OSError, ValueError, AttributeError) as exc:
                log.warning("ignoring unreadable Slack thread map %s: %s", path, exc)

    @staticmethod
    def key(channel: str, thread_ts: str) -> str:
        return f"{channel}:{thread_ts}"

    def get(self, channel: str, thread_ts: str) -> str | None:
        with self._lock:
            return self._threads.get(self.key(channel, thread_ts))

    def set(self, channel: str, thread_ts: str, conversation_id: str) -> None:
        with self._lock:
            if self._threads.get(self.key(channel, thread_ts)) == conversation_id:
                return
            self._threads[self.key(channel, thread_ts)] = conversation_id
            if self._path is not None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self._path.with_suffix(".tmp")
                tmp.write_text(json.dumps(self._threads))
                os.replace(tmp, self._path)


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
