"""What a stage derives from one source file, kept with that file's entry in the load cache (cache.SourceCache).

A value is recalled only while the file is as it was when the value was kept (the load cache drops
an entry, and all kept with it, when its file changes), and only under the key it was kept with: a
digest of every other input the value depends on (the archive's names, the marks on a text...), so
that a change to any of them derives the value again. Values are JSON.
"""

from __future__ import annotations

from typing import Any, Protocol


class FileMemo(Protocol):
    def recall_derived(self, path: str, name: str, key: str) -> Any:
        """The value kept under name for the file at path (as it is now) with this key; None when there is none."""

    def keep_derived(self, path: str, name: str, key: str, value: Any) -> None: ...
