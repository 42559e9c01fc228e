"""The conversation's item store: what retrieve, delete and truncate act on.

Items are kept as the response models the service reports (`ResponseMessageItem`, ...), in
order, with the duration of each assistant item's audio so that a truncate past the audio is
refused as the service refuses it. Old items beyond a cap are forgotten, so a long session
keeps flat memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from voicelive.models import RealtimeConversationResponseItem

MAX_ITEMS = 500


class ItemStore:
    """Conversation items by id, in insertion order."""

    def __init__(self, max_items: int = MAX_ITEMS) -> None:
        self._items: OrderedDict[str, RealtimeConversationResponseItem] = OrderedDict()
        self.audio_ms: dict[str, float] = {}
        self.max_items = max_items

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[RealtimeConversationResponseItem]:
        return iter(list(self._items.values()))

    def get(self, item_id: str) -> RealtimeConversationResponseItem | None:
        """The item with this id, or None."""
        return self._items.get(item_id)

    @property
    def last_id(self) -> str | None:
        """The id of the newest item (the `previous_item_id` of the next one)."""
        return next(reversed(self._items), None)

    def ids(self) -> list[str]:
        """Every item id, oldest first."""
        return list(self._items)

    def add(
        self, item: RealtimeConversationResponseItem, previous_item_id: str | None = None
    ) -> str | None:
        """Store `item` after `previous_item_id` (at the end when None); return its predecessor."""
        if previous_item_id is None or previous_item_id == self.last_id:
            before = self.last_id
            self._items[item.id] = item
        else:
            keys = list(self._items)
            at = keys.index(previous_item_id) + 1 if previous_item_id else 0
            entries = list(self._items.items())
            entries.insert(at, (item.id, item))
            self._items = OrderedDict(entries)
            before = previous_item_id
        while len(self._items) > self.max_items:
            old, _ = self._items.popitem(last=False)
            self.audio_ms.pop(old, None)
        return before

    def replace(self, item: RealtimeConversationResponseItem) -> None:
        """Update a stored item in place (status, transcript, output)."""
        if item.id in self._items:
            self._items[item.id] = item

    def delete(self, item_id: str) -> None:
        """Forget an item."""
        del self._items[item_id]
        self.audio_ms.pop(item_id, None)
