"""Titles and summaries become plain text; dates become UTC; language is declared or detected."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.parse.dates import entry_published
from ingest.parse.lang import detect_lang, normalise_lang
from ingest.parse.text import fold, html_to_text

SAMPLE_FR = (
    "Dans la nuit du mercredi et tôt le matin, les frappes aériennes russes ont été, selon le président "
    "de l'Observatoire syrien des droits de l'Homme, Rami Abdel Rahmane, « plus intenses que d'habitude »."
)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>Les <b>frappes</b> russes</p><p>sur Idleb.</p>", "Les frappes russes sur Idleb."),
        ("fr<b>app</b>es", "frappes"),
        ("l&rsquo;armée &amp; l&#8217;Otan", "l’armée & l’Otan"),
        ("«&nbsp;incident&nbsp;»", "« incident »"),
        ("a<br/>b<br>c", "a b c"),
        ("<script>alert(1)</script>texte<style>p{}</style>", "texte"),
        ("<!-- hidden -->visible", "visible"),
        ("  plusieurs \n\t espaces  ", "plusieurs espaces"),
        ("&lt;b&gt; reste du texte", "<b> reste du texte"),
        ("x\x00y\x07z", "xyz"),
        ("<img src=x onerror=alert(1)>image", "image"),
        ("3 < 5 and 7 > 2", "3 < 5 and 7 > 2"),
        ("<div class='a'><ul><li>un</li><li>deux</li></ul></div>", "un deux"),
    ],
)
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


def test_long_text_is_cut_with_an_ellipsis() -> None:
    out = html_to_text("mot " * 10_000, limit=100)
    assert len(out) <= 100 and out.endswith("…")


_markup = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(blacklist_characters="&"), max_size=20),
        st.sampled_from(["<p>", "</p>", "<b>", "<a href='x'>", "</a>", "<br/>", "<", ">", "<!--", "-->"]),
    ),
    max_size=30,
).map("".join)


@given(_markup)
def test_text_is_always_folded_and_tagless(markup: str) -> None:
    out = html_to_text(markup)
    assert out == out.strip()
    assert "  " not in out and "\n" not in out and "\t" not in out
    assert re.search(r"<[A-Za-z/!?]", out) is None
    assert fold(out) == out


def _st(*args: int) -> time.struct_time:
    return time.struct_time((*args, 0, 0, 0))


FETCHED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"published_parsed": _st(2015, 10, 8, 7, 12, 0)}, datetime(2015, 10, 8, 7, 12, tzinfo=UTC)),
        ({"updated_parsed": _st(2026, 11, 24, 11, 0, 0)}, datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
        ({}, FETCHED),  # missing
        ({"published_parsed": _st(1970, 1, 1, 0, 0, 0)}, FETCHED),  # epoch default: absurd
        ({"published_parsed": _st(2031, 1, 1, 0, 0, 0)}, FETCHED),  # years ahead: absurd
        (
            {"published_parsed": _st(1970, 1, 1, 0, 0, 0), "updated_parsed": _st(2026, 11, 1, 0, 0, 0)},
            datetime(2026, 11, 1, tzinfo=UTC),
        ),
        ({"published_parsed": "not a time"}, FETCHED),
    ],
)
def test_entry_dates_are_utc_with_fetch_time_as_fallback(entry: dict, expected: datetime) -> None:
    got = entry_published(entry, FETCHED)
    assert got == expected and got.tzinfo is not None


@pytest.mark.parametrize(
    ("tag", "lang"),
    [("fr-FR", "fr"), ("FR", "fr"), ("en_US", "en"), ("en-gb", "en"), ("de", None), ("", None), (None, None)],
)
def test_declared_languages_are_normalised(tag: str | None, lang: str | None) -> None:
    assert normalise_lang(tag) == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (SAMPLE_FR, "fr"),
        ("Syrie : les frappes russes visent la province d’Idleb et la région de Hama", "fr"),
        ("Russian air strikes hit rebel positions in Hama, the monitor said on Thursday", "en"),
        ("Turkey says its airspace was violated by a Russian jet for the second time", "en"),
        ("Idleb", None),  # a name alone says nothing
        ("", None),
        ("Bachar Al-Assad, Konachenkov, Pentagone", None),
    ],
)
def test_language_detection(text: str, lang: str | None) -> None:
    assert detect_lang(text) == lang
