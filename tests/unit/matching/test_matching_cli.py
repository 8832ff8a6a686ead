"""``wirewatch try`` and ``wirewatch watchlist check`` through the real command line entry point."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from matching_eval import REPO

from wirewatch.cli import main
from wirewatch.settings import get_settings

DEMO = str(REPO / "config" / "watchlist.yaml")


def run(argv: list[str]) -> int:
    """Exit code of ``wirewatch argv`` (SystemExit included)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_try_explains_each_match_and_the_decision(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["try", "--watchlist", DEMO, "Des frappes aériennes russes sur Idleb."]) == 0
    out = capsys.readouterr().out
    assert "region     Idlib  ← alias 'Idleb' matched 'Idleb'" in out
    assert "escalation air strike" in out and "score 100" in out
    assert "ALERT severity high: rules strikes-on-watched-areas (high → slack-ops)" in out


def test_try_with_several_texts_says_which_make_one_story_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    texts = [
        "Frappes aériennes russes sur un marché de Saraqeb, dans la province d'Idleb : 12 morts",
        "Russian air strikes on a market in Saraqib, Idlib province, killed 17 people",
        "An air strike hit a hospital in Ariha, Idlib province",
        "Le cours du pétrole recule",
    ]
    assert run(["try", "-w", DEMO, *texts]) == 0
    stories = capsys.readouterr().out.split("stories:\n")[1].splitlines()
    assert stories[0].startswith("  text 1: opens story 1 — new story")
    assert stories[1].startswith("  text 2: joins story 1 — same event: places Saraqib; market; 12→17 killed")
    assert stories[1].endswith("update: 2 sources · new: text 2 · toll 12 → 17")
    assert stories[2].startswith("  text 3: opens story 2 — new story: not ")
    assert stories[2].endswith("another place (Ariha; the story: Saraqib)")
    assert stories[3] == "  text 4: no rule fires, no story"


def test_try_reads_the_text_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Le temps sera beau."))
    assert run(["try", "-w", DEMO]) == 0
    assert "no match" in capsys.readouterr().out


def test_try_jsonl_follows_the_contract(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"id": "a", "text": "Des frappes aériennes russes sur Idleb.", "lang": "fr"},
        {"id": 2, "title": "Shelling in Homs", "summary": "Russia denies."},
        "not json",
        {"text": "no id"},
        {"id": "c", "title": "Weather"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert run(["try", "--jsonl", "--watchlist", DEMO]) == 2
    captured = capsys.readouterr()
    answers = [json.loads(line) for line in captured.out.splitlines()]
    assert [list(a) for a in answers] == [
        ["id", "actors", "regions", "escalations", "alert", "severity", "rules"]
    ] * 3
    assert answers[0] == {
        "id": "a",
        "actors": ["Russia"],
        "regions": ["Idlib"],
        "escalations": ["air strike"],
        "alert": True,
        "severity": "high",
        "rules": ["strikes-on-watched-areas", "default"],
    }
    assert answers[1]["id"] == 2 and answers[1]["regions"] == ["Homs"] and answers[1]["alert"]
    assert answers[2] == {
        "id": "c",
        "actors": [],
        "regions": [],
        "escalations": [],
        "alert": False,
        "severity": None,
        "rules": [],
    }
    errors = captured.err.splitlines()
    assert errors[0].startswith("<stdin>:3: ") and errors[1] == "<stdin>:4: missing 'id'"


def test_try_uses_the_configured_watchlist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wl.yaml"
    path.write_text("version: 1\nregions:\n  - {name: Springfield}\n", encoding="utf-8")
    monkeypatch.setenv("WIREWATCH_WATCHLIST", str(path))
    get_settings.cache_clear()
    try:
        assert run(["try", "News from Springfield"]) == 0
    finally:
        get_settings.cache_clear()
    assert "region     Springfield" in capsys.readouterr().out


def test_watchlist_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["watchlist", "check", DEMO]) == 0
    assert "ok — " in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\nactors:\n  - {name: A}\n  - {name: A}\nrules:\n  - name: r\n    when: {regions: [X]}\n",
        encoding="utf-8",
    )
    assert run(["watchlist", "check", str(bad)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{bad}:4: duplicate name: also at line 3",
        f"{bad}:7: when.regions: 'X' is not a name or tag of the watchlist's regions",
    ]


def stdin_bytes(data: bytes) -> io.TextIOWrapper:
    """A stdin as a terminal or a pipe gives it: text over bytes (``.buffer``)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape")


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["   "], "", "text 1: empty"),
        (["Frappes sur Idleb", ""], "", "text 2: empty"),
        ([], "  \n", "<stdin>: empty: give the text to match as an argument, or on stdin"),
        (
            ["--jsonl", "Frappes sur Idleb"],
            "",
            "--jsonl: reads the JSON lines from stdin: give no text with it",
        ),
        (["--lang", "de", "Frappes sur Idleb"], "", "--lang: expected fr or en, got 'de'"),
        (["--jsonl", "--lang", "de"], '{"id": 1, "text": "x"}\n', "--lang: expected fr or en, got 'de'"),
    ],
)
def test_try_refuses_what_it_would_not_use_in_one_line(
    argv: list[str],
    stdin: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert run(["try", "-w", DEMO, *argv]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err.splitlines()) == ("", [message])


def test_try_refuses_stdin_that_is_not_utf8_instead_of_missing_a_term(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", stdin_bytes("Frappes aériennes\nsur Idl".encode() + b"\xffeb"))
    assert run(["try", "-w", DEMO]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err.splitlines()) == ("", ["<stdin>:2: not UTF-8 text: byte 0xff"])


def test_try_jsonl_tells_each_bad_line_by_number_and_answers_the_others(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        b'{"id": 1, "text": "Des frappes a\xc3\xa9riennes russes sur Idleb."}',
        b"not json at all",
        b'{"id": 3, "text": "Shelling in Homs", "lang": "de"}',
        b'{"id": 4, "text": "Frappes sur Idl\xe9b"}',
        b"[1, 2]",
        b'{"id": 6, "text": "   "}',
        b'{"id": 7, "title": "Shelling in Homs", "lang": "en"}',
    ]
    monkeypatch.setattr("sys.stdin", stdin_bytes(b"\n".join(lines) + b"\n"))
    assert run(["try", "--jsonl", "-w", DEMO]) == 2
    captured = capsys.readouterr()
    assert [json.loads(line)["id"] for line in captured.out.splitlines()] == [1, 7]
    assert captured.err.splitlines() == [
        "<stdin>:2: not a JSON object: 'not json at all'",
        "<stdin>:3: 'lang' must be fr, en or null, got 'de'",
        "<stdin>:4: not UTF-8 text: byte 0xe9",
        "<stdin>:5: not a JSON object: '[1, 2]'",
        "<stdin>:6: the text to match is empty",
    ]


def test_try_jsonl_lang_option_is_the_hint_of_lines_without_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": "a", "text": "Des frappes sur Idleb."}\n'))
    assert run(["try", "--jsonl", "--lang", "fr", "-w", DEMO]) == 0
    assert json.loads(capsys.readouterr().out)["regions"] == ["Idlib"]
