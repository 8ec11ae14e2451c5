"""What a stage derives from one source file, kept with that file's entry in the load cache (cache.SourceCache).

A value is recalled only while the file is as it was when the value was kept (the load cache drops
an entry, and all kept with it, when its file changes), and only under the key it was kept with: a
digest of every other input the value depends on (the archive's names, the marks on a text...), so
that a change to any of them derives the value again. Values are JSON.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol


class FileMemo(Protocol):
    def recall_derived(self, path: str, name: str, key: str) -> Any:
        """The value kept under name for the file at path (as it is now) with this key; None when there is none."""

    def keep_derived(self, path: str, name: str, key: str, value: Any) -> None: ...


def remembered(
    memo: FileMemo | None, path: str, name: str, inputs: tuple[Any, ...], compute: Callable[[], Any], valid: Callable[[Any], bool]
) -> Any:
    """compute(), a JSON value made of inputs alone, kept with the file at path under the digest of the inputs' repr.

    inputs: every argument compute passes on, as plain values and frozen dataclasses of them, whose
    repr names every value. valid: whether a kept value is of the shape compute returns.
    """
    if memo is None:
        return compute()
    key = hashlib.sha256(repr(inputs).encode("utf-8", "surrogatepass")).hexdigest()
    kept = memo.recall_derived(path, name, key)
    if kept is not None and valid(kept):
        return kept
    value = compute()
    memo.keep_derived(path, name, key, value)
    return value


def is_text(kept: object) -> bool:
    """The check of `remembered` for a value that is a string."""
    return isinstance(kept, str)
