"""Properties of the small parsers everything leans on, checked with generated inputs."""

import shlex

from hypothesis import given, settings
from hypothesis import strategies as st

from gastown_tui.commands.completion import _split_partial
from gastown_tui.town.rigs import PREFIX, RIG_NAME, derive_prefix
from gastown_tui.town.routes import route_for

rig_names = st.from_regex(RIG_NAME, fullmatch=True).filter(lambda n: len(n) <= 40)
prefixes = st.from_regex(PREFIX, fullmatch=True)


@given(rig_names, st.sets(prefixes, max_size=30))
def test_derived_prefixes_are_valid_and_free(name, taken):
    prefix = derive_prefix(name, taken)
    assert PREFIX.match(prefix), prefix
    assert prefix not in taken


words = st.lists(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1,
                         max_size=12), min_size=1, max_size=6)


@given(words)
def test_a_finished_word_leaves_an_empty_one_to_complete(ws):
    line = shlex.join(ws) + " "
    assert _split_partial(line) == (ws + [""], len(line))


@given(words, st.from_regex(r"[A-Za-z0-9_./@-]{1,12}", fullmatch=True))
def test_the_last_plain_word_is_the_one_being_completed(ws, last):
    line = shlex.join(ws) + " " + last
    parts, start = _split_partial(line)
    assert parts == ws + [last] and line[start:] == last


route_keys = st.from_regex(r"[a-z]{1,3}(-[a-z]{1,3})?-", fullmatch=True)


@settings(max_examples=200)
@given(st.dictionaries(route_keys, st.text(min_size=1, max_size=5), max_size=8),
       st.from_regex(r"[a-z]{1,3}(-[a-z]{1,3}){0,3}", fullmatch=True))
def test_route_for_is_the_longest_matching_prefix(routes, bead_id):
    matches = [p for p in routes if bead_id.startswith(p)]
    expected = routes[max(matches, key=len)] if matches else None
    assert route_for(routes, bead_id) == expected
