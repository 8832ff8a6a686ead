//! The matching engine's per-text hot path, as one native pass; this file is the PyO3 glue,
//! the counterpart of `processors/matching/native.py`.
//!
//! `processors.matching.engine.Engine` compiles the watchlist in Python, then
//! builds a `Core` from its aliases, terms, word lists, spelling tables and
//! constants (`native.build_core`). Per text it calls
//! `Core.scan_text` with the raw text; a text with a character outside the
//! fold table is folded in Python first and goes to `Core.scan`. Either does
//! what the Python path does after folding, with the same rules and in the
//! same order, so both paths give the same decision
//! (`tests/unit/matching/test_matching_native.py` checks this on every
//! evaluation row, on gazetteer-scale articles and on generated text).
//! Each module mirrors one Python module of `processors/matching/`:
//!
//! * `folding.rs` (`folding.py`): the fold table, for texts folded here;
//! * `normalise.rs` (`normalise.py`): blank French elisions and Arabic articles,
//!   split into words, take each word's transliteration key and skeleton, and find
//!   the dropped article before a name (`with_article`) when the raw text is at hand;
//! * `aliases.rs` (`aliases.py`): the compiled aliases and the exact pass over key
//!   sequences (`ExactIndex`), here a trie of key ids instead of an Aho-Corasick scan
//!   of a key line;
//! * `fuzzy.rs` (`fuzzy.py`): blocked anchors, then windows of whole words scored by
//!   Indel similarity (bit-parallel LCS) blended with consonant skeletons;
//! * `terms.rs` (`terms.py`): escalation terms and idioms, returned unfiltered;
//! * `engine.rs` (`engine.py`): the pass over one text, the capital-letter checks and
//!   the longest-first overlap resolution of entity candidates.
//!
//! What a word looks like to the engine (key, skeletons, fuzzy anchors hit)
//! depends only on the word, so it is remembered, bounded like the Python
//! memories. Sentence ends, idiom filtering and the `Match` records stay in
//! Python: they concern the few term matches and final entity matches.
//!
//! Nothing here panics on any input: indexes stay within the slices they were
//! computed from, and a Python string that is not valid UTF-8 (a lone
//! surrogate) is refused by PyO3 before this code runs.
//!
//! The `python` feature (on by default: pip's build and `cargo build`) compiles the glue.
//! The unit tests run without it (`cargo test --no-default-features`): they need neither
//! PyO3 nor libpython, which a test executable could not link against with PyO3's
//! `extension-module` feature.

// Without the glue, what only `Core` calls is unused outside the tests.
#![cfg_attr(not(any(feature = "python", test)), allow(dead_code))]

mod aliases;
mod engine;
mod folding;
mod fuzzy;
mod normalise;
mod terms;
#[cfg(test)]
mod testing;

use aliases::{EXACT_SCORE, KEY_SCORE, MIN_VARIANT_CHARS};
use fuzzy::{
    ANCHOR_SCORE, FUZZY_CAP, MAX_PARTICLE_CHARS, MIN_ANCHOR_CHARS, MIN_DELETION_CHARS, SKELETON_WEIGHT,
};
use terms::GAP_WORDS;

/// The Python modules' constants this crate also uses: building a `Core` checks they agree
/// (`native.constants()`).
const CONSTANTS: [(&str, f64); 10] = [
    ("EXACT_SCORE", EXACT_SCORE),
    ("KEY_SCORE", KEY_SCORE),
    ("MIN_VARIANT_CHARS", MIN_VARIANT_CHARS as f64),
    ("MIN_ANCHOR_CHARS", MIN_ANCHOR_CHARS as f64),
    ("MIN_DELETION_CHARS", MIN_DELETION_CHARS as f64),
    ("ANCHOR_SCORE", ANCHOR_SCORE),
    ("SKELETON_WEIGHT", SKELETON_WEIGHT),
    ("MAX_PARTICLE_CHARS", MAX_PARTICLE_CHARS as f64),
    ("FUZZY_CAP", FUZZY_CAP),
    ("GAP_WORDS", GAP_WORDS as f64),
];

/// The first of our constants Python gives another value (or none), as the error to raise.
fn check_constants(given: &[(String, f64)]) -> Result<(), String> {
    for (name, ours) in CONSTANTS {
        match given.iter().find(|(n, _)| n == name) {
            Some((_, theirs)) if *theirs == ours => {}
            other => {
                return Err(format!(
                    "the native pass has {name} = {ours}, Python {:?}: rebuild it (pip install -e .)",
                    other.map(|(_, v)| v)
                ))
            }
        }
    }
    Ok(())
}

#[cfg(feature = "python")]
mod python {
    use crate::aliases::CompiledAlias;
    use crate::engine::{build_index, Found, Pass, SpellingTables};
    use crate::folding::FoldEntry;
    use crate::terms::PhraseSlots;
    use pyo3::prelude::*;

    #[pyclass(frozen)]
    struct Core {
        pass: Pass,
    }

    #[pymethods]
    impl Core {
        /// Build from what `Engine` compiled: per alias `(entity, words, keys, (strict, acronym,
        /// proper, one_word), threshold, (joined, plain, key_bones, plain_bones), anchor)` (anchor
        /// -1 for none), the common and everyday words, and the slots of every term and idiom.
        #[new]
        #[allow(clippy::too_many_arguments)]
        #[pyo3(signature = (aliases, common, everyday, terms, idioms, fold, spelling, constants, memory_words))]
        fn new(
            py: Python<'_>,
            aliases: Vec<CompiledAlias>,
            common: Vec<String>,
            everyday: Vec<String>,
            terms: Vec<PhraseSlots>,
            idioms: Vec<PhraseSlots>,
            fold: Vec<FoldEntry>,
            spelling: SpellingTables,
            constants: Vec<(String, f64)>,
            memory_words: usize,
        ) -> PyResult<Self> {
            crate::check_constants(&constants).map_err(pyo3::exceptions::PyValueError::new_err)?;
            // The arguments are Rust values now: the build (~0.3 s at 20k aliases) lets other
            // Python threads run, so a watchlist reloaded off the event loop does not stall it.
            let index = py
                .allow_threads(move || build_index(aliases, common, everyday, terms, idioms, fold, spelling));
            Ok(Core {
                pass: Pass::new(index, memory_words),
            })
        }

        /// One raw text, when every character of it is in the fold table (Latin-1 and the usual
        /// typographic marks: nearly all French and English copy); else `None`, and the caller
        /// folds in Python and calls `scan`. Entity starts already include a dropped article
        /// written before the name (Al-Qaïda), as `normalise.with_article` finds it.
        fn scan_text(&self, text: &str) -> Option<Found> {
            self.pass.scan_text(text)
        }

        /// One text, folded (`cased`) and lowercased (`lower`, same length).
        ///
        /// Returns `None` if the two differ in length (the caller then takes the
        /// Python path), else `(entities, terms, idioms)`:
        /// entities `(start, end, alias, score)` kept after overlaps, spans in the
        /// original text (`origin` maps folded to original indexes when folding
        /// changed lengths; `length` is the original's); terms and idioms
        /// `(first word, end word, term, start, end, end of first word, start of last word)`.
        #[pyo3(signature = (cased, lower, origin, length))]
        fn scan(&self, cased: &str, lower: &str, origin: Option<Vec<usize>>, length: usize) -> Option<Found> {
            self.pass.scan(cased, lower, origin.as_deref(), length)
        }

        /// Bytes the index holds on the heap (its own count: lengths and table capacities, not
        /// allocator overhead), the word memory excluded. The benchmark reports it.
        fn index_bytes(&self) -> usize {
            self.pass.index_bytes()
        }

        /// Words remembered (for tests and the memory bound).
        fn remembered(&self) -> usize {
            self.pass.remembered()
        }
    }

    #[pymodule]
    fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add_class::<Core>()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn python() -> Vec<(String, f64)> {
        CONSTANTS.iter().map(|&(n, v)| (n.to_string(), v)).collect()
    }

    #[test]
    fn constants_that_agree_pass() {
        assert_eq!(check_constants(&python()), Ok(()));
        let mut reordered = python();
        reordered.reverse();
        reordered.push(("SOMETHING_ELSE".into(), 1.0));
        assert_eq!(check_constants(&reordered), Ok(()));
    }

    #[test]
    fn a_constant_that_differs_or_is_missing_is_refused_by_name() {
        let mut given = python();
        given.iter_mut().find(|(n, _)| n == "FUZZY_CAP").unwrap().1 = 93.0;
        assert_eq!(
            check_constants(&given),
            Err(
                "the native pass has FUZZY_CAP = 94, Python Some(93.0): rebuild it (pip install -e .)".into()
            )
        );
        let given: Vec<_> = python().into_iter().filter(|(n, _)| n != "GAP_WORDS").collect();
        let error = check_constants(&given).unwrap_err();
        assert!(
            error.starts_with("the native pass has GAP_WORDS = 3, Python None"),
            "{error}"
        );
        assert!(check_constants(&[]).unwrap_err().contains("EXACT_SCORE"));
    }
}
