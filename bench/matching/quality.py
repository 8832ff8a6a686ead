"""Precision and recall of the matching engine on the labelled evaluation set, per language.

Run: ``.venv/bin/python -m bench.matching.quality``. Prints the markdown
table for BENCHMARKS.md. The set (``tests/unit/matching/data/eval.jsonl``)
and the scoring live with the tests, which assert these figures hold.
"""

from __future__ import annotations

from processors.matching import Engine
from tests.unit.matching.matching_eval import eval_watchlist, evaluate, load_rows

GROUPS = (
    ("variant", "spellings the watchlist does not list, realistic copy"),
    ("plain", "listed spellings"),
    ("negative", "hard negatives: substrings, homonyms, lookalike idioms, names without escalation"),
    ("all", "every row"),
    ("alert", "alert decision per row"),
)


def main() -> None:
    rows = load_rows()
    counts = evaluate(Engine.build(eval_watchlist()), rows)
    sizes = {lang: sum(1 for r in rows if r["lang"] == lang) for lang in ("fr", "en")}
    print(f"Evaluation set: {len(rows)} sentences ({sizes['fr']} fr, {sizes['en']} en).\n")
    print("| group | lang | rows | precision | recall | what |\n|---|---|---|---|---|---|")
    for group, what in GROUPS:
        for lang in ("fr", "en"):
            c = counts[(lang, group)]
            print(f"| {group} | {lang} | {c.rows} | {c.precision:.3f} | {c.recall:.3f} | {what} |")
    for lang in ("fr", "en"):
        negative = counts[(lang, "negative")]
        dirty = {e.split(":")[0] for e in negative.errors if "wrongly found" in e}
        print(
            f"\n{lang}: hard-negative rows with no false match: {negative.rows - len(dirty)}/{negative.rows}"
        )
        for error in counts[(lang, "all")].errors:
            print(f"- {error}")


if __name__ == "__main__":
    main()
