//! The fold table: `processors/matching/folding.py`'s `fold`, for the characters most copy is
//! made of.
//!
//! Python hands the table over (`native.fold_table()`): every character of Latin-1, Latin
//! Extended-A and the typographic block (`native.TABLE_RANGES`) that `folding.fold_char` folds
//! to exactly one character whose lowercase is one character too, so folded offsets are the
//! original's. A text with any other character (a ligature such as œ, ß, a combining accent,
//! Arabic script…) is not folded here: [`FoldTable::fold`] says so and the caller folds it in
//! Python.

use rustc_hash::FxHashMap;

/// One fold-table character: `(char, folded, folded lowercase, isalnum, is a dash)`.
pub(crate) type FoldEntry = (char, char, char, bool, bool);

/// One character of the fold table: folded with its case and lowercased, and what the article
/// check needs of the original (`normalise._ARTICLE_BEFORE`).
#[derive(Clone, Copy)]
pub(crate) struct Folded {
    pub(crate) cased: char,
    pub(crate) lower: char,
    pub(crate) alnum: bool,
    pub(crate) hyphen: bool,
}

/// The fold of the characters most copy is made of (Latin-1 and typographic marks), as
/// `folding.fold` gives it when each folds to exactly one character.
pub(crate) struct FoldTable {
    latin1: [Option<Folded>; 256],
    other: FxHashMap<char, Folded>,
}

/// A text folded one character per character: the original, folded with case, lowercased.
pub(crate) struct FoldedText {
    pub(crate) original: Vec<char>,
    pub(crate) cased: Vec<char>,
    pub(crate) lower: Vec<char>,
}

impl FoldTable {
    pub(crate) fn new(entries: Vec<FoldEntry>) -> Self {
        let mut table = FoldTable {
            latin1: [None; 256],
            other: FxHashMap::default(),
        };
        for (c, cased, lower, alnum, hyphen) in entries {
            let f = Folded {
                cased,
                lower,
                alnum,
                hyphen,
            };
            if (c as u32) < 256 {
                table.latin1[c as usize] = Some(f);
            } else {
                table.other.insert(c, f);
            }
        }
        table
    }

    pub(crate) fn get(&self, c: char) -> Option<Folded> {
        if (c as u32) < 256 {
            self.latin1[c as usize]
        } else {
            self.other.get(&c).copied()
        }
    }

    /// `text` folded, when every character of it is in the table; else `None`.
    pub(crate) fn fold(&self, text: &str) -> Option<FoldedText> {
        let mut original = Vec::with_capacity(text.len());
        let mut cased = Vec::with_capacity(text.len());
        let mut lower = Vec::with_capacity(text.len());
        for c in text.chars() {
            let f = self.get(c)?;
            original.push(c);
            cased.push(f.cased);
            lower.push(f.lower);
        }
        Some(FoldedText {
            original,
            cased,
            lower,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fold_table;

    fn folded(table: &FoldTable, text: &str) -> Option<(String, String)> {
        let f = table.fold(text)?;
        assert_eq!(f.original, text.chars().collect::<Vec<_>>());
        assert_eq!(f.cased.len(), f.lower.len());
        Some((f.cased.iter().collect(), f.lower.iter().collect()))
    }

    #[test]
    fn folds_accents_case_apostrophes_and_dashes() {
        let table = fold_table();
        assert_eq!(
            folded(&table, "Al–Qaïda’s É"),
            Some(("Al-Qaida's E".into(), "al-qaida's e".into()))
        );
        assert_eq!(folded(&table, ""), Some((String::new(), String::new())));
        assert_eq!(folded(&table, "a"), Some(("a".into(), "a".into())));
        // punctuation folds to a space, keeping offsets
        assert_eq!(folded(&table, "«x»,y."), Some((" x  y ".into(), " x  y ".into())));
    }

    #[test]
    fn a_character_outside_the_table_leaves_the_text_to_python() {
        let table = fold_table();
        // œ folds to two characters (oe), so Python never puts it in the table
        assert!(table.get('œ').is_none());
        assert!(folded(&table, "cœur").is_none());
        // outside the table's ranges altogether (Arabic, CJK), and a combining accent
        assert!(folded(&table, "Idlib إدلب").is_none());
        assert!(folded(&table, "e\u{301}").is_none());
        // the last character decides too
        assert!(folded(&table, "Idlib\u{2070}").is_none());
    }

    #[test]
    fn the_latin1_array_and_the_map_meet_at_256() {
        // ÿ (255) is in the array, Ā (256) and the typographic marks in the map
        let table = FoldTable::new(vec![
            ('\u{ff}', 'y', 'y', true, false),
            ('\u{100}', 'A', 'a', true, false),
            ('\u{2019}', '\'', '\'', false, false),
            ('\u{2013}', '-', '-', false, true),
        ]);
        assert_eq!(table.get('\u{ff}').map(|f| f.cased), Some('y'));
        assert_eq!(table.get('\u{100}').map(|f| (f.cased, f.lower)), Some(('A', 'a')));
        assert_eq!(table.get('\u{2019}').map(|f| f.lower), Some('\''));
        assert!(table.get('\u{2013}').is_some_and(|f| f.hyphen && !f.alnum));
        assert!(table.get('\u{fe}').is_none());
        assert!(table.get('\u{101}').is_none());
        assert!(table.get('a').is_none());
    }
}
