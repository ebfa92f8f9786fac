"""`core.holes`: a named hole's mark survives HTML and URL escaping, and its fill puts
each request's value in, escaped."""

import pytest
from django.http import QueryDict
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from core.holes import Hole

HOLE = Hole("test", "sorplanTestHole0a1b")


def test_the_mark_survives_escaping_and_is_filled_with_the_value_escaped():
    django = engines["django"]
    html = django.from_string('<a href="?m={{ m|urlencode }}" title="{{ m }}">{{ m }}</a>').render(
        {"m": HOLE.mark}
    )
    assert html.count(HOLE.mark) == 3 and HOLE.is_in(html)
    filled = HOLE.fill(html, '<b> & "x"')
    assert isinstance(filled, SafeString) and not HOLE.is_in(filled)
    assert filled.count("&lt;b&gt; &amp; &quot;x&quot;") == 3
    # A safe value goes in as it is.
    assert HOLE.fill("<p>sorplanTestHole0a1b</p>", mark_safe("<i>i</i>")) == "<p><i>i</i></p>"


def test_a_url_encoded_value_goes_in_unchanged():
    query = QueryDict(mutable=True)
    query["som_den_var"] = "2026-03-01T10:05 <x>&'"
    encoded = query.urlencode().removeprefix("som_den_var=")
    assert HOLE.fill(f"?som_den_var={HOLE}", encoded) == f"?som_den_var={encoded}"


def test_html_without_the_mark_is_returned_as_it_is():
    assert HOLE.fill("<p>x</p>", "y") == "<p>x</p>"


@pytest.mark.parametrize("mark", ["short", "with space mark", "sorplan<Hole>", "9sorplanHole"])
def test_a_mark_escaping_could_change_is_refused(mark):
    with pytest.raises(ValueError):
        Hole("bad", mark)
