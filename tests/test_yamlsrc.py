"""Safe YAML with positions (content/yamlsrc.py): what is refused, and where it points."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from cstriage.content import library, models, yamlsrc
from cstriage.content.messages import reword_all


def parse(text: str) -> yamlsrc.Source:
    return yamlsrc.parse(textwrap.dedent(text).lstrip("\n"), "t.yaml")


def refused(text: str) -> tuple[str, int, int, str]:
    with pytest.raises(yamlsrc.YamlError) as info:
        parse(text)
    e = info.value
    return e.code, e.line, e.col, e.message


def refused_file(path: Path) -> tuple[str, int, int, str]:
    with pytest.raises(yamlsrc.YamlError) as info:
        yamlsrc.load(path)
    e = info.value
    return e.code, e.line, e.col, e.message


CHECKLIST = """
kind: checklist
id: cam-noise
title: {en: "Noise", ko: "노이즈"}
products: [scmos-camera]
steps:
  - stage: power
    checks:
      - id: outlet-grounded
        ask: "Grounded outlet?"
        type: yes_no
        rules:
          - if: {is: no}
            then: no-protective-ground
      - id: supply-voltage
        ask: "Mains voltage?"
        type: number
        min: low
        rules:
          - if: {outside: [198, 242], bogus: 1}
            then: mains-out-of-spec
"""


# --- positions ------------------------------------------------------------------------------


def test_every_key_and_item_has_its_position() -> None:
    src = parse(CHECKLIST)
    assert src.marks[()] == (1, 1)
    assert src.marks[("title",)] == (3, 1)
    assert src.marks[("title", "ko")] == (3, 22)
    assert src.marks[("products", 0)] == (4, 12)
    assert src.marks[("steps", 0)] == (6, 5)
    assert src.marks[("steps", 0, "checks", 1)] == (14, 9)
    assert src.marks[("steps", 0, "checks", 1, "min")] == (17, 9)
    assert src.marks[("steps", 0, "checks", 1, "rules", 0, "if", "outside", 1)] == (19, 33)


def test_pos_falls_back_to_the_deepest_known_prefix() -> None:
    src = parse(CHECKLIST)
    # A missing field points at the mapping it is missing from.
    assert src.pos(("steps", 0, "checks", 1, "unit")) == (14, 9)
    assert src.pos(("nowhere", 3)) == (1, 1)
    assert src.pos(()) == (1, 1)


def test_a_pydantic_error_loc_maps_to_the_exact_key() -> None:
    src = parse(CHECKLIST)
    with pytest.raises(ValidationError) as info:
        models.Checklist.model_validate(src.data)
    got = sorted((p.line, p.col, p.code) for p in reword_all(models.Checklist, info.value.errors(), src))
    assert got == [(17, 9, "C004"), (19, 39, "C002")]  # `min: low`, then `bogus` inside the flow mapping


def test_positions_of_a_dict_key_error() -> None:
    src = parse("""
        kind: catalog
        findings:
          ok-finding: {title: "x", fix: visit}
          Bad_Id: {title: "x", fix: visit}
    """)
    with pytest.raises(ValidationError) as info:
        models.Catalog.model_validate(src.data)
    (p,) = reword_all(models.Catalog, info.value.errors(), src)
    assert (p.line, p.col, p.code) == (4, 3, "C005")


def test_aliased_values_are_copies_positioned_at_the_anchor() -> None:
    src = parse("""
        a: &x {k: [1, 2]}
        b: *x
    """)
    assert src.data == {"a": {"k": [1, 2]}, "b": {"k": [1, 2]}}
    assert src.data["a"] is not src.data["b"]
    assert src.marks[("b",)] == (2, 1)
    assert src.marks[("b", "k")] == (1, 8)


# --- duplicate keys -------------------------------------------------------------------------


def test_duplicate_key_names_both_lines() -> None:
    code, line, col, msg = refused("""
        kind: card
        id: a
        title: x
        id: b
    """)
    assert (code, line, col) == ("Y002", 4, 1)
    assert msg == "duplicate key `id` (first at line 2, again at line 4)"


def test_duplicate_key_in_a_nested_flow_mapping() -> None:
    assert refused("""
        x:
          y: {en: a, ko: b, en: c}
    """)[:3] == ("Y002", 2, 21)


def test_duplicate_of_a_bool_like_key_written_two_ways() -> None:
    # `yes:` is kept as the word, so it collides with "yes":
    assert refused('yes: 1\n"yes": 2\n')[:3] == ("Y002", 2, 1)


def test_same_key_in_different_mappings_is_fine() -> None:
    assert parse("a: {id: 1}\nb: {id: 2}\n").data == {"a": {"id": 1}, "b": {"id": 2}}


# --- tags, aliases, merge keys --------------------------------------------------------------


@pytest.mark.parametrize("value, tag", [
    ('!!python/object/apply:os.system ["echo owned"]', "!!python/object/apply:os.system"),
    ("!!python/name:os.system", "!!python/name:os.system"),
    ("!!binary aGVsbG8=", "!!binary"),
    ("!!set {a, b}", "!!set"),
    ("!!omap [{a: 1}]", "!!omap"),
    ("!custom thing", "!custom"),
    ("!<tag:example.com,2024:x> {a: 1}", "tag:example.com,2024:x"),
])
def test_tags_are_refused_where_written(value: str, tag: str) -> None:
    code, line, col, msg = refused(f"kind: catalog\nx: {value}\n")
    assert (code, line, col) == ("Y003", 2, 4)
    assert msg == f"tag {tag} is not allowed"


def test_plain_type_tags_are_allowed() -> None:
    assert parse('a: !!str 123\nb: !!int "7"\nc: !!float 1\n').data == {"a": "123", "b": 7, "c": 1.0}


def test_merge_keys_are_refused() -> None:
    code, line, col, msg = refused("""
        base: &b {fix: visit}
        other:
          <<: *b
          title: x
    """)
    assert (code, line, col) == ("Y003", 3, 3)
    assert "merge keys" in msg


def test_small_aliases_are_allowed() -> None:
    src = parse("""
        common: &ko {ko: "노이즈"}
        title: *ko
    """)
    assert src.data["title"] == {"ko": "노이즈"}


def test_billion_laughs_is_refused() -> None:
    rows = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefghi", "bcdefghij"):
        rows.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    code, line, col, msg = refused("\n".join(rows) + "\n")
    # The first node whose expansion passes the budget: f (10^6 values), at its anchor.
    assert (code, line, col) == ("Y004", 6, 4)
    assert msg == f"aliases expand to more than {yamlsrc.MAX_EXPANSION:,} values"


def test_many_aliases_of_one_scalar_are_refused() -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * (yamlsrc.MAX_EXPANSION + 1)) + "]\n"
    assert refused(text)[:3] == ("Y004", 2, 4)


def test_recursive_alias_is_refused() -> None:
    code, line, col, msg = refused("a: &x [1, *x]\n")
    assert (code, line, col) == ("Y004", 1, 4)
    assert "refers to itself" in msg


# --- keys and words -------------------------------------------------------------------------


def test_bool_like_and_number_like_keys_stay_words() -> None:
    src = parse("""
        choices:
          yes: a
          no: b
          on: c
          off: d
          true: e
          12345: f
          0x1F: g
          ~: h
    """)
    assert list(src.data["choices"]) == ["yes", "no", "on", "off", "true", "12345", "0x1F", "~"]
    assert src.marks[("choices", "off")] == (5, 3)


def test_in_lists_keep_the_words_written() -> None:
    # `in:` names choice keys; YAML would read `off` as false and `2` as a number.
    src = parse("if: {in: [off, on, yes, 2, 0x1F, ~, plain]}\nother: [off, 2]\n")
    assert src.data["if"]["in"] == ["off", "on", "yes", "2", "0x1F", "~", "plain"]
    assert src.data["other"] == [False, 2]


def test_values_keep_their_yaml_types() -> None:
    src = parse("a: yes\nb: no\nc: 12\nd: 1.5\ne: null\nf: 2024-01-01\ng: '007'\n")
    assert src.data == {"a": True, "b": False, "c": 12, "d": 1.5, "e": None, "f": "2024-01-01", "g": "007"}


def test_a_key_must_be_plain_text() -> None:
    assert refused("? [a, b]\n: c\n")[:3] == ("C004", 1, 3)


# --- encodings and line endings -------------------------------------------------------------


def test_bom_is_ignored_and_positions_unchanged(tmp_path: Path) -> None:
    text = "kind: card\nid: x\ntitle: {ko: 카메라}\n"
    plain, bom = tmp_path / "plain.yaml", tmp_path / "bom.yaml"
    plain.write_bytes(text.encode())
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    a, b = yamlsrc.load(plain), yamlsrc.load(bom)
    assert a.data == b.data == {"kind": "card", "id": "x", "title": {"ko": "카메라"}}
    assert a.marks == b.marks
    assert b.marks[("kind",)] == (1, 1)


def test_crlf_line_endings_give_the_same_data_and_positions(tmp_path: Path) -> None:
    text = textwrap.dedent(CHECKLIST).lstrip("\n")
    lf, crlf = tmp_path / "lf.yaml", tmp_path / "crlf.yaml"
    lf.write_bytes(text.encode())
    crlf.write_bytes(text.replace("\n", "\r\n").encode())
    a, b = yamlsrc.load(lf), yamlsrc.load(crlf)
    assert a.data == b.data and a.marks == b.marks
    assert "\r" not in repr(b.data)


def test_crlf_error_positions(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_bytes(b"kind: card\r\nid: a\r\nid: b\r\n")
    assert refused_file(f)[:3] == ("Y002", 3, 1)


def test_not_utf8_points_at_the_character_column(tmp_path: Path) -> None:
    f = tmp_path / "euc-kr.yaml"
    f.write_bytes("kind: card\ntitle: \"카메라 ".encode() + "노이즈".encode("euc-kr") + b'"\n')
    code, line, col, msg = refused_file(f)
    # `title: "카메라 ` is 12 characters (but 18 bytes) before the first bad byte.
    assert (code, line, col) == ("Y005", 2, 13)
    assert msg == "byte 0xb3 is not valid UTF-8"


def test_not_utf8_after_a_bom(tmp_path: Path) -> None:
    f = tmp_path / "bom.yaml"
    f.write_bytes(b"\xef\xbb\xbfab\xff")
    assert refused_file(f)[:3] == ("Y005", 1, 3)


def test_latin1_file(tmp_path: Path) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes("kind: card\nid: a\ntitle: Température\n".encode("latin-1"))
    assert refused_file(f)[:3] == ("Y005", 3, 12)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\ufffe"])
def test_control_characters_are_refused_where_they_are(char: str) -> None:
    code, line, col, msg = refused(f"kind: card\ntitle: 카메라{char}노이즈\n")
    assert (code, line, col) == ("Y001", 2, 11)
    assert f"U+{ord(char):04X}" in msg


def test_invisible_but_printable_characters_are_kept() -> None:
    src = parse("title: \"\u200fabc\u202e\u00a0\"\n")
    assert src.data["title"] == "\u200fabc\u202e\u00a0"


# --- empty, syntax, size, depth -------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\n\n", b"   \n\t\n", b"# only a comment\n", b"\xef\xbb\xbf", b"# a\n  # b\n"])
def test_empty_files(tmp_path: Path, content: bytes) -> None:
    f = tmp_path / "e.yaml"
    f.write_bytes(content)
    assert refused_file(f) == ("Y006", 1, 1, "the file is empty")


@pytest.mark.parametrize("text", ["---\n", "~\n", "- a\n", "just text\n"])
def test_a_document_that_is_not_a_mapping(tmp_path: Path, text: str) -> None:
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    lib = library.load([tmp_path])
    assert [(p.code, p.line, p.col) for p in lib.problems] == [("C001", 1, 1)]


@pytest.mark.parametrize("text, where", [
    ("kind: card\ntitle: Camera: no image\n", (2, 14)),        # unquoted ": "
    ("kind: card\nx:\n\t- a\n", (3, 1)),                        # tab indentation
    ("kind: card\nx: [a, b\ny: 1\n", (3, 2)),                   # unclosed flow sequence
    ("kind: card\n  id: x\n", (2, 5)),                          # bad indentation
    ("kind: card\n---\nkind: card\n", (2, 1)),                  # two documents
])
def test_syntax_errors_point_at_the_place(text: str, where: tuple[int, int]) -> None:
    code, line, col, _ = refused(text)
    assert (code, (line, col)) == ("Y001", where)


def test_unquoted_colon_hint() -> None:
    with pytest.raises(yamlsrc.YamlError) as info:
        parse("title: Camera: no image\n")
    assert 'needs quotes' in info.value.hint


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    f = tmp_path / "big.yaml"
    row = "# " + "x" * 97 + "\n"
    f.write_text("kind: catalog\n" + row * (yamlsrc.MAX_BYTES // len(row) + 1), encoding="utf-8")
    assert f.stat().st_size > yamlsrc.MAX_BYTES
    code, line, col, msg = refused_file(f)
    assert (code, line, col) == ("Y007", 1, 1)
    assert "limited to 2 MB" in msg


def test_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    f = tmp_path / "edge.yaml"
    head = "kind: catalog\n"
    f.write_text(head + "#" * (yamlsrc.MAX_BYTES - len(head) - 1) + "\n", encoding="utf-8")
    assert f.stat().st_size == yamlsrc.MAX_BYTES
    assert yamlsrc.load(f).data == {"kind": "catalog"}


def test_50_mb_file_is_refused_without_reading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "dump.yaml"
    with f.open("wb") as fh:
        fh.write(b"kind: catalog\n")
        fh.truncate(50 * 1024 * 1024)
    # Quick by construction: neither the bytes are read nor the parser started.
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read the whole file"))
    monkeypatch.setattr(Path, "open", lambda *a, **k: pytest.fail("opened the file"))
    monkeypatch.setattr(yamlsrc, "parse", lambda *a, **k: pytest.fail("parsed the file"))
    code, _, _, msg = refused_file(f)
    assert code == "Y007" and "50.0 MB" in msg
    # And the library reports it as a problem of that file, with the others still checked.
    lib = library.load([tmp_path])
    assert [(p.code, p.line, p.col) for p in lib.problems] == [("Y007", 1, 1)]


def test_unreadable_path(tmp_path: Path) -> None:
    d = tmp_path / "folder.yaml"
    d.mkdir()
    with pytest.raises(yamlsrc.YamlError) as info:
        yamlsrc.read_text(d)
    assert info.value.code == "Y008"


def test_flow_nesting_over_the_limit() -> None:
    depth = yamlsrc.MAX_DEPTH + 1
    code, line, col, _ = refused("kind: catalog\nx: " + "[" * depth + "]" * depth + "\n")
    assert (code, line, col) == ("Y007", 2, 4 + yamlsrc.MAX_DEPTH)


def test_flow_nesting_at_the_limit_is_fine() -> None:
    depth = yamlsrc.MAX_DEPTH - 2
    assert parse("x: " + "[" * depth + "1" + "]" * depth + "\n").data["x"]


def test_block_nesting_over_the_limit() -> None:
    rows = [" " * (2 * i) + f"k{i}:" for i in range(yamlsrc.MAX_DEPTH + 5)]
    code, line, col, _ = refused("\n".join(rows) + " leaf\n")
    assert code == "Y007"
    # k0 is at depth 1; the first key deeper than the limit is k64.
    assert (line, col) == (yamlsrc.MAX_DEPTH + 1, 2 * yamlsrc.MAX_DEPTH + 1)


@pytest.mark.parametrize("text", [
    "- " * 100_000 + "x\n",
    "[" * 1_000_000,
    "{a: " * 100_000,
    "x:\n" + "".join(" " * i + "- \n" for i in range(1, 3000)),
])
def test_pathological_nesting_never_crashes(text: str) -> None:
    with pytest.raises(yamlsrc.YamlError) as info:
        yamlsrc.parse(text)
    assert info.value.code in ("Y001", "Y007")
