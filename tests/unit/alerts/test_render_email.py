"""Email rendering: HTML-escaped, one-line subjects starting with the severity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.render import email
from alerts.samples import sample_alert
from wirewatch.records import Alert


def test_injection_title_is_inert_in_html_and_text(hostile: Alert, injection: str) -> None:
    html = email.html_body(hostile)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;!channel&gt; Breaking &lt;http://evil.example|reuters.com&gt; @here" in html
    assert 'href="javascript:' not in html
    text = email.text_body(hostile)
    assert injection in text  # plain text shows it as written: nothing interprets it
    assert "javascript:" not in text


@given(st.text(max_size=300))
def test_untrusted_title_never_opens_a_tag(title: str) -> None:
    html = email.html_body(sample_alert(1, title=title))
    body = html.split("<ul>", 1)[1].split("</ul>", 1)[0]
    # Every tag in the list is one we wrote.
    import re

    tags = set(re.findall(r"</?([a-zA-Z]+)", body))
    assert tags <= {"li", "a", "code"}
    assert '"' not in title or "&quot;" in body


@pytest.mark.parametrize("title", ["a\r\nBcc: victim@example.org", "x" * 1000, "\u202egnp.exe"])
def test_subject_is_one_capped_line_starting_with_severity(title: str) -> None:
    alert = sample_alert(1, title=title)
    alert = alert.model_copy(update={"escalations": [title]})
    subject = email.subject(alert)
    assert subject.startswith("HIGH: ")
    assert "\n" not in subject and "\r" not in subject and "\u202e" not in subject
    assert len(subject) <= email.SUBJECT_MAX


def test_update_and_digest_subjects() -> None:
    assert email.subject(sample_alert(1, revision=2)).endswith("[update 2]")
    alerts = [sample_alert(1, severity="medium"), sample_alert(2, severity="critical")]
    subject = email.digest_subject(alerts)
    assert subject.startswith("CRITICAL: 2 alerts")
    assert subject.endswith("(Wirewatch digest)")
    html = email.digest_html(alerts)
    assert html.count("<h2") == 2


def test_text_body_lists_facts_and_links() -> None:
    text = email.text_body(sample_alert(7))
    for expected in (
        "HIGH: air strike",
        "Who:",
        "Russia",
        "Where:",
        "Idlib",
        "Sources: 2",
        "https://www.example.org",
    ):
        assert expected in text
