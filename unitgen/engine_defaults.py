"""What the engine fills in when a create request leaves it out, as reading an inspect back
must know it: the default /dev/shm size, the swap limit it derives, the names it gives
anonymous volumes. Shared by the specs exports need (engine/run_config.py) and recreate
mode's record (recreate/record.py), which both read inspects (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from string import hexdigits
from typing import Any

DEFAULT_SHM = 64 * 1024 * 1024


def memory_swap(host: Mapping[str, Any]) -> int:
    """--memory-swap, unless it is what the engine chose: twice --memory, when not given."""
    memory, swap = host.get("Memory") or 0, host.get("MemorySwap") or 0
    return 0 if memory and swap == 2 * memory else int(swap)


def is_anonymous(volume: str) -> bool:
    """Docker names an anonymous volume by 64 hex digits."""
    return len(volume) == 64 and not volume.strip(hexdigits)
