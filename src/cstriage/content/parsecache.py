"""A small cache of parsed content files for the read-only hot paths (`card show`,
`card list`, `card search`), keyed by path, modification time (ns), size and inode.

A hit costs one `marshal.loads` and a `stat` per file, and needs neither PyYAML nor the
parser; a miss parses with `yamlsrc` as usual and the cache is rewritten atomically.
Any problem with the cache file itself (unreadable, corrupt, read-only folder) simply
means parsing again: the cache can never change what is read. Set
`CSTRIAGE_CACHE=off` to disable it, or to a folder to move it.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any

VERSION = 1
MAX_ENTRIES = 5000


def _cache_file() -> Path | None:
    where = os.environ.get("CSTRIAGE_CACHE", "")
    if where.lower() in ("off", "0", "no"):
        return None
    if where:
        return Path(where) / "parsed.marshal"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cstriage" / "parsed.marshal"


def _key(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_mtime_ns, st.st_size, st.st_ino


class ParseCache:
    def __init__(self) -> None:
        self.file = _cache_file()
        self.entries: dict[str, tuple[tuple[int, int, int], Any]] = {}
        self.dirty = False
        if self.file is not None:
            try:
                version, entries = marshal.loads(self.file.read_bytes())
                if version == VERSION and isinstance(entries, dict):
                    self.entries = entries
            except (OSError, ValueError, EOFError, TypeError):
                self.entries = {}

    def load(self, path: Path) -> Any:
        """The parsed data of `path` (raises YamlError like `yamlsrc.load`)."""
        name = str(path.resolve())
        try:
            key = _key(path.stat())
        except OSError:
            key = None
        hit = self.entries.get(name)
        if key is not None and hit is not None and tuple(hit[0]) == key:
            return hit[1]
        from cstriage.content import yamlsrc

        data = yamlsrc.load(path).data
        if key is not None:
            try:
                marshal.dumps(data)
            except ValueError:  # not a plain structure: do not cache it
                return data
            self.entries[name] = (key, data)
            self.dirty = True
        return data

    def save(self) -> None:
        if not self.dirty or self.file is None:
            return
        entries = {k: v for k, v in self.entries.items() if os.path.exists(k)}
        if len(entries) > MAX_ENTRIES:
            entries = dict(list(entries.items())[-MAX_ENTRIES:])
        tmp = self.file.with_name(f".{self.file.name}.{os.getpid()}")
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(marshal.dumps((VERSION, entries)))
            os.replace(tmp, self.file)
        except OSError:
            try:
                tmp.unlink()
            except OSError:
                pass
        self.dirty = False


_cache: ParseCache | None = None


def cache() -> ParseCache:
    global _cache
    if _cache is None:
        _cache = ParseCache()
    return _cache


def reset() -> None:
    """Forget the in-memory copy (tests; a long-lived process after edits)."""
    global _cache
    _cache = None
