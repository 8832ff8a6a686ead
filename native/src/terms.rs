//! Escalation terms and idioms: mirrors `processors/matching/terms.py` (`TermIndex.find`).
//!
//! Python compiles every term into its spelling variants (`terms.compile_phrases`): per word
//! the accepted forms, or a `*` gap of up to [`GAP_WORDS`] words. Here the text's words are
//! read against them; what matches is returned unfiltered (idioms and overlaps are Python's).

use rustc_hash::{FxHashMap, FxHashSet};

/// Most words a `*` stands for (`terms.GAP_WORDS`).
pub(crate) const GAP_WORDS: usize = 3;

/// One phrase: per word, its accepted forms, or `None` for a `*` gap.
pub(crate) type PhraseSlots = Vec<Option<Vec<String>>>;

/// Phrases (escalation terms or idioms): slots of accepted forms, `None` for a `*` gap.
pub(crate) struct TermIndex {
    slots: Vec<Vec<Option<FxHashSet<String>>>>,
    first: FxHashMap<String, Vec<u32>>,
}

impl TermIndex {
    pub(crate) fn new(terms: Vec<PhraseSlots>) -> Self {
        let mut first: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        let slots: Vec<Vec<Option<FxHashSet<String>>>> = terms
            .into_iter()
            .map(|t| {
                t.into_iter()
                    .map(|s| s.map(|forms| forms.into_iter().collect()))
                    .collect()
            })
            .collect();
        for (i, t) in slots.iter().enumerate() {
            if let Some(Some(forms)) = t.first() {
                for form in forms {
                    first.entry(form.clone()).or_default().push(i as u32);
                }
            }
        }
        TermIndex { slots, first }
    }

    /// Whether some phrase may start with `word`.
    pub(crate) fn starts(&self, word: &str) -> bool {
        self.first.contains_key(word)
    }

    /// End of the words matching `slots[s..]` from word `j`, or `None` (`terms._match`).
    fn matches_from(
        &self,
        slots: &[Option<FxHashSet<String>>],
        s: usize,
        words: &[&str],
        j: usize,
    ) -> Option<usize> {
        if s == slots.len() {
            return Some(j);
        }
        match &slots[s] {
            None => {
                for skip in 0..=GAP_WORDS {
                    if j + skip > words.len() {
                        break;
                    }
                    if let Some(end) = self.matches_from(slots, s + 1, words, j + skip) {
                        return Some(end);
                    }
                }
                None
            }
            Some(forms) => {
                if j < words.len() && forms.contains(words[j]) {
                    self.matches_from(slots, s + 1, words, j + 1)
                } else {
                    None
                }
            }
        }
    }

    /// Every (start, end, term) in text order, the shortest reading at each start; only words
    /// marked in `starts` are tried as a first word.
    pub(crate) fn find(&self, words: &[&str], starts: &[bool]) -> Vec<(usize, usize, u32)> {
        let mut out = Vec::new();
        for (i, w) in words.iter().enumerate() {
            if !starts[i] {
                continue;
            }
            if let Some(ids) = self.first.get(*w) {
                for &t in ids {
                    if let Some(end) = self.matches_from(&self.slots[t as usize], 1, words, i + 1) {
                        out.push((i, end, t));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(forms: &[&str]) -> Option<Vec<String>> {
        Some(forms.iter().map(|f| f.to_string()).collect())
    }

    fn find(index: &TermIndex, text: &str) -> Vec<(usize, usize, u32)> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let starts: Vec<bool> = words.iter().map(|w| index.starts(w)).collect();
        index.find(&words, &starts)
    }

    fn index() -> TermIndex {
        TermIndex::new(vec![
            // violation de * espace aerien
            vec![
                slot(&["violation", "violations"]),
                slot(&["de", "du", "des", "d"]),
                None,
                slot(&["espace"]),
                slot(&["aerien", "aeriens"]),
            ],
            // air strike, airstrike
            vec![slot(&["air"]), slot(&["strike", "strikes"])],
            vec![slot(&["airstrike", "airstrikes"])],
            // a phrase ending in a gap
            vec![slot(&["tirs"]), None],
        ])
    }

    #[test]
    fn a_gap_stands_for_zero_to_three_words() {
        let index = index();
        assert_eq!(find(&index, "violation de espace aerien"), [(0, 4, 0)]);
        assert_eq!(find(&index, "violations de son espace aeriens"), [(0, 5, 0)]);
        assert_eq!(find(&index, "violation de a b c espace aerien x"), [(0, 7, 0)]);
        assert_eq!(find(&index, "violation de a b c d espace aerien"), []);
        assert_eq!(find(&index, "violation de espace"), []);
        assert_eq!(find(&index, "violation du"), []);
        assert_eq!(find(&index, ""), []);
    }

    #[test]
    fn the_shortest_reading_is_taken_and_a_trailing_gap_takes_nothing() {
        let index = index();
        // "espace aerien" twice: the gap takes as few words as it can
        assert_eq!(
            find(&index, "violation d espace aerien espace aerien"),
            [(0, 4, 0)]
        );
        assert_eq!(find(&index, "tirs"), [(0, 1, 3)]);
        assert_eq!(find(&index, "x tirs y z"), [(1, 2, 3)]);
    }

    #[test]
    fn every_start_and_every_variant_in_text_order() {
        let index = index();
        assert_eq!(
            find(&index, "air strikes then airstrike and air strike"),
            [(0, 2, 1), (3, 4, 2), (5, 7, 1)]
        );
        assert_eq!(find(&index, "air air strike"), [(1, 3, 1)]);
        assert_eq!(find(&index, "strike air"), []);
        // only the words marked as possible starts are tried
        let words = ["air", "strike", "air", "strike"];
        assert_eq!(index.find(&words, &[false, false, true, false]), [(2, 4, 1)]);
    }
}
