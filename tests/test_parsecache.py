"""The parse cache never serves an edited file stale, and never breaks a read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cstriage.content import parsecache
from cstriage.content.yamlerr import YamlError


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CSTRIAGE_CACHE", str(tmp_path / "cache"))
    parsecache.reset()
    return tmp_path / "cache"


def test_hit_then_edit_same_size_is_reparsed(tmp_path: Path, cache_dir: Path) -> None:
    f = tmp_path / "card.yaml"
    f.write_text("kind: card\nid: aaa\n")
    assert parsecache.cache().load(f) == {"kind": "card", "id": "aaa"}
    parsecache.cache().save()
    assert (cache_dir / "parsed.marshal").exists()
    parsecache.reset()  # a new process: reads the cache file
    assert parsecache.cache().load(f) == {"kind": "card", "id": "aaa"}
    st = f.stat()
    f.write_text("kind: card\nid: bbb\n")  # same size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert parsecache.cache().load(f) == {"kind": "card", "id": "bbb"}


def test_cached_value_is_what_the_parser_gives(tmp_path: Path, cache_dir: Path) -> None:
    from cstriage.content import yamlsrc

    f = tmp_path / "c.yaml"
    f.write_text("kind: catalog\nparts:\n  p-1: {name: {en: A, ko: 가}, pn: '007'}\n  on: {name: x}\n")
    first = parsecache.cache().load(f)
    parsecache.cache().save()
    parsecache.reset()
    assert parsecache.cache().load(f) == first == yamlsrc.load(f).data


def test_corrupt_cache_file_is_ignored(tmp_path: Path, cache_dir: Path) -> None:
    cache_dir.mkdir(parents=True)
    (cache_dir / "parsed.marshal").write_bytes(b"\x00garbage")
    f = tmp_path / "x.yaml"
    f.write_text("kind: card\nid: x\n")
    assert parsecache.cache().load(f)["id"] == "x"


def test_broken_file_still_raises(tmp_path: Path, cache_dir: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("a: [\n")
    with pytest.raises(YamlError):
        parsecache.cache().load(f)


def test_disabled_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSTRIAGE_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    parsecache.reset()
    f = tmp_path / "x.yaml"
    f.write_text("kind: card\nid: x\n")
    parsecache.cache().load(f)
    parsecache.cache().save()
    assert not (tmp_path / "xdg").exists()


def test_card_show_sees_an_edit(cli, write) -> None:
    card = write("team/cards/edit-me.yaml", """
        kind: card
        id: edit-me
        title: {en: "First title", ko: "첫 제목"}
        symptom: {en: "s", ko: "s"}
        products: [p]
        checks: [{en: "c", ko: "c"}]
        say: {en: "s", ko: "s"}
    """)
    folder = str(card.parent.parent)
    assert "First title" in cli("--no-bundled", "--content", folder, "card", "show", "edit-me").out
    st = card.stat()
    card.write_text(card.read_text().replace("First title", "Other title"))
    os.utime(card, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert "Other title" in cli("--no-bundled", "--content", folder, "card", "show", "edit-me").out
