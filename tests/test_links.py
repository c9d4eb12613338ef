"""Share links: versioned, validated, never executed."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cj import links

STATES = st.fixed_dictionaries({}, optional={
    "ds": st.from_regex(r"[A-Za-z0-9_-]{6,64}", fullmatch=True),
    "lang": st.sampled_from(["en", "ru", "zh"]),
    "steps": st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x9fff), min_size=1, max_size=80),
    "mode": st.sampled_from(["ordered", "strict", "unordered", "open"]),
    "window": st.sampled_from(["30d", "12h", "none", "2w", "90m"]),
    "k": st.sampled_from(["auto", "2", "7"]),
    "seed": st.integers(0, 2**31 - 1),
})


@settings(max_examples=60, deadline=None)
@given(STATES)
def test_roundtrip(state):
    encoded = links.encode(state)
    assert encoded["v"] == "1"
    decoded = links.decode(encoded)
    assert decoded.notes == []
    assert decoded.values == {k: (v if k != "seed" else int(v)) for k, v in state.items()}


def test_bad_values_fall_back_with_notes():
    d = links.decode({"v": "1", "ds": "../../etc/passwd", "mode": "exec(1)", "k": "99", "window": "30 parsecs; drop",
                      "evil": "__import__('os')", "seed": "1e9"})
    assert d.values == {}
    assert len(d.notes) == 6
    assert any("unknown setting" in n and "evil" in n for n in d.notes)
    assert any("dataset id" in n for n in d.notes)


def test_other_version_keeps_only_dataset():
    d = links.decode({"v": "7", "ds": "abcdefgh", "mode": "strict"})
    assert d.values == {"ds": "abcdefgh"} and "another version" in d.notes[0]


def test_list_values_and_control_characters():
    d = links.decode({"v": ["1"], "steps": ["a,b", "c"], "by": "x\x00y"})
    assert d.values == {"steps": "a,b"} and len(d.notes) == 1
