//! One text's pass, from its folded characters to the entity matches kept: mirrors
//! `processors/matching/engine.py` (`Engine._evaluate` up to the `Match` records).
//!
//! The pass blanks the dropped words and splits the text into words (`normalise.rs`), looks up
//! what each word is to the engine (remembered, see [`Memory`]), runs the exact pass
//! (`aliases.rs`) and the fuzzy pass (`fuzzy.rs`) around the words it left, keeps the
//! candidates whose capitals fit their alias (`Engine._cased`), resolves overlaps longest first
//! (`_longest_first`) with the best alias per span and entity (`_entity_matches`), and finds
//! the terms and idioms (`terms.rs`). Spans go back to the original text, with the article
//! written before a name (`normalise.with_article`) when the raw text is at hand.

use crate::aliases::{Alias, Candidate, CompiledAlias, ExactIndex, EXACT_SCORE, KEY_SCORE};
use crate::folding::{FoldEntry, FoldTable};
use crate::fuzzy::{FuzzyIndex, Group};
use crate::normalise::{chars, key, Spelling};
use crate::terms::{PhraseSlots, TermIndex};
use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::Mutex;

/// Key pairs, elided words, Arabic articles, article words, plural endings, clitics.
pub(crate) type SpellingTables = (
    Vec<(String, String)>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
);

/// An entity match: `(start, end, alias, score)`, a span of the original text.
pub(crate) type EntityOut = (usize, usize, u32, f64);
/// A term or idiom match: `(first word, end word, term, start, end, end of first word, start of
/// last word)`.
pub(crate) type TermOut = (usize, usize, u32, usize, usize, usize, usize);
/// What a pass finds: entities, terms, idioms.
pub(crate) type Found = (Vec<EntityOut>, Vec<TermOut>, Vec<TermOut>);

/// The index of one watchlist.
pub(crate) struct Index {
    pub(crate) aliases: Vec<Alias>,
    pub(crate) common: FxHashSet<String>,
    pub(crate) everyday: FxHashSet<String>,
    pub(crate) exact: ExactIndex,
    pub(crate) fuzzy: FuzzyIndex,
    pub(crate) terms: TermIndex,
    pub(crate) idioms: TermIndex,
    pub(crate) fold: FoldTable,
    pub(crate) spelling: Spelling,
}

/// What a word is to the engine; depends only on the word, so remembered.
pub(crate) struct WordInfo {
    pub(crate) key: String,
    pub(crate) key_id: Option<u32>,
    pub(crate) common: bool,
    pub(crate) everyday: bool,
    term_start: bool,
    idiom_start: bool,
    pub(crate) anywhere: Vec<Group>,
    pub(crate) capitalised: Vec<Group>,
}

/// The index of one watchlist, from what Python compiled (see `Core::new`).
pub(crate) fn build_index(
    aliases: Vec<CompiledAlias>,
    common: Vec<String>,
    everyday: Vec<String>,
    terms: Vec<PhraseSlots>,
    idioms: Vec<PhraseSlots>,
    fold: Vec<FoldEntry>,
    spelling: SpellingTables,
) -> Index {
    let (key_pairs, elided, articles, article_words, plural_endings, clitics) = spelling;
    let mut exact = ExactIndex::new();
    let mut fuzzy = FuzzyIndex::new(plural_endings);
    let mut compiled = Vec::with_capacity(aliases.len());
    for (i, a) in aliases.into_iter().enumerate() {
        let (entity, words, keys, flags, threshold, texts, anchor) = a;
        exact.insert(&keys, i as u32);
        fuzzy.file(&keys, anchor);
        compiled.push(Alias::new(entity, words, keys.len(), flags, threshold, texts));
    }
    Index {
        aliases: compiled,
        common: common.into_iter().collect(),
        everyday: everyday.into_iter().collect(),
        exact,
        fuzzy,
        terms: TermIndex::new(terms),
        idioms: TermIndex::new(idioms),
        fold: FoldTable::new(fold),
        spelling: Spelling::new(key_pairs, &elided, &articles, &article_words, &clitics),
    }
}

impl Index {
    fn word_info(&self, word: &str) -> WordInfo {
        let k = key(word, &self.spelling.key_pairs);
        let common = self.common.contains(word);
        let everyday = self.everyday.contains(word);
        let (anywhere, capitalised) = self.fuzzy.word_hits(&self.aliases, &k, common, everyday);
        WordInfo {
            key_id: self.exact.key_id(&k),
            key: k,
            common,
            everyday,
            term_start: self.terms.starts(word),
            idiom_start: self.idioms.starts(word),
            anywhere,
            capitalised,
        }
    }

    /// Bytes the index holds on the heap (its own count: lengths and table capacities, not
    /// allocator overhead).
    fn heap_bytes(&self) -> usize {
        let string = |s: &String| s.capacity() + std::mem::size_of::<String>();
        let aliases: usize = self.aliases.iter().map(Alias::heap_bytes).sum();
        let (postings, anchors) = self.fuzzy.heap_bytes();
        let (keys, trie) = self.exact.heap_bytes();
        let sets = |set: &FxHashSet<String>| set.iter().map(string).sum::<usize>() + set.capacity();
        aliases + postings + anchors + keys + trie + sets(&self.common) + sets(&self.everyday)
    }
}

/// One text's words, as the engine sees them.
pub(crate) struct Text<'a> {
    pub(crate) words: Vec<&'a str>,
    pub(crate) info: Vec<&'a WordInfo>,
    /// first character of the word, with its case, is upper
    pub(crate) capital: Vec<bool>,
    /// the word with its case: every cased character upper (for acronyms)
    upper: Vec<bool>,
    /// the word with its case: at least one cased character
    cased_any: Vec<bool>,
    /// words of an exact match, which the fuzzy pass leaves alone
    pub(crate) covered: Vec<bool>,
}

/// Words of a cased string whose every cased character is upper (Python's `str.isupper`).
fn case_flags(word: &[char]) -> (bool, bool, bool) {
    let capital = word.first().is_some_and(|c| c.is_uppercase());
    let any_cased = word.iter().any(|c| c.is_uppercase() || c.is_lowercase());
    let upper = any_cased && !word.iter().any(|c| c.is_lowercase());
    (capital, upper, any_cased)
}

/// Whether the text's capitals fit the alias (`Engine._cased`).
fn is_cased(index: &Index, text: &Text, c: &Candidate) -> bool {
    let alias = &index.aliases[c.alias as usize];
    if alias.acronym {
        // "".join(words).isupper(): some cased character, none lower
        let range = c.start..c.end;
        return text.cased_any[range.clone()].iter().any(|&a| a)
            && range.clone().all(|w| text.upper[w] || !text.cased_any[w]);
    }
    if (c.score < EXACT_SCORE || alias.one_word) && alias.proper {
        return text.capital[c.start..c.end].iter().any(|&c| c);
    }
    true
}

/// Longest non-overlapping spans (exact spellings first), then the best alias per span and
/// entity (`engine._longest_first`, `Engine._entity_matches`).
fn resolve(index: &Index, candidates: &[Candidate]) -> Vec<Candidate> {
    let rank = |c: &Candidate| {
        (
            c.score < KEY_SCORE,
            c.start as i64 - c.end as i64,
            -c.score,
            c.start,
        )
    };
    let mut order: Vec<&Candidate> = candidates.iter().collect();
    order.sort_by(|a, b| rank(a).partial_cmp(&rank(b)).unwrap_or(std::cmp::Ordering::Equal));
    let mut kept: FxHashSet<(usize, usize)> = FxHashSet::default();
    let mut taken: FxHashSet<usize> = FxHashSet::default();
    for c in order {
        if kept.contains(&(c.start, c.end)) {
            continue;
        }
        if (c.start..c.end).all(|w| !taken.contains(&w)) {
            kept.insert((c.start, c.end));
            taken.extend(c.start..c.end);
        }
    }
    let mut best: Vec<Candidate> = Vec::new();
    let mut slots: FxHashMap<(usize, usize, usize), usize> = FxHashMap::default();
    for c in candidates {
        if !kept.contains(&(c.start, c.end)) {
            continue;
        }
        let entity = index.aliases[c.alias as usize].entity;
        match slots.get(&(c.start, c.end, entity)) {
            Some(&at) => {
                if best[at].score < c.score {
                    best[at] = *c;
                }
            }
            None => {
                slots.insert((c.start, c.end, entity), best.len());
                best.push(*c);
            }
        }
    }
    best
}

/// Words seen: word → place in `infos`.
#[derive(Default)]
struct Memory {
    places: FxHashMap<String, u32>,
    infos: Vec<WordInfo>,
}

/// An index and the memory of the words its texts had: what `Core` holds.
pub(crate) struct Pass {
    index: Index,
    memory: Mutex<Memory>,
    /// words remembered before the memory starts again
    memory_words: usize,
}

impl Pass {
    pub(crate) fn new(index: Index, memory_words: usize) -> Self {
        Pass {
            index,
            memory: Mutex::new(Memory::default()),
            memory_words,
        }
    }

    /// One raw text, when every character of it is in the fold table; else `None`.
    pub(crate) fn scan_text(&self, text: &str) -> Option<Found> {
        let folded = self.index.fold.fold(text)?;
        let length = folded.original.len();
        Some(self.run(folded.cased, folded.lower, None, length, Some(&folded.original)))
    }

    /// One text folded (`cased`) and lowercased (`lower`); `None` if they differ in length.
    pub(crate) fn scan(
        &self,
        cased: &str,
        lower: &str,
        origin: Option<&[usize]>,
        length: usize,
    ) -> Option<Found> {
        let cased_c = chars(cased);
        let lower_c = chars(lower);
        if cased_c.len() != lower_c.len() {
            return None;
        }
        Some(self.run(cased_c, lower_c, origin, length, None))
    }

    #[cfg(test)]
    pub(crate) fn index(&self) -> &Index {
        &self.index
    }

    /// Bytes the index holds on the heap, the word memory excluded.
    pub(crate) fn index_bytes(&self) -> usize {
        self.index.heap_bytes()
    }

    /// Words remembered.
    pub(crate) fn remembered(&self) -> usize {
        self.memory.lock().map(|m| m.places.len()).unwrap_or(0)
    }

    /// The pass itself; `original` (the raw text, when it folded one character per character)
    /// lets entity starts take in their dropped article.
    fn run(
        &self,
        cased_c: Vec<char>,
        mut lower_c: Vec<char>,
        origin: Option<&[usize]>,
        length: usize,
        original: Option<&[char]>,
    ) -> Found {
        let index = &self.index;
        if lower_c.iter().any(|&c| c == '\'' || c == '-') {
            index.spelling.blank_dropped(&mut lower_c, &cased_c);
        }
        // Words: runs of non-spaces, without the standalone article words (Front al Nosra).
        let bounds = index.spelling.words(&lower_c);
        if bounds.is_empty() {
            return (Vec::new(), Vec::new(), Vec::new());
        }
        // The words, one string: word i is flat[cuts[i]..cuts[i + 1]], without the
        // transliteration marks a word keeps (Dar'a is the word dara: `normalise.split_words`).
        let mut flat = String::with_capacity(lower_c.len());
        let mut cuts = Vec::with_capacity(bounds.len() + 1);
        for &(s, e) in &bounds {
            cuts.push(flat.len());
            flat.extend(lower_c[s..e].iter().filter(|&&c| c != '\''));
        }
        cuts.push(flat.len());
        let words: Vec<&str> = cuts.windows(2).map(|c| &flat[c[0]..c[1]]).collect();
        let mut guard = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        let memory = &mut *guard;
        if memory.places.len() >= self.memory_words {
            memory.places.clear();
            memory.infos.clear();
        }
        let places: Vec<u32> = words
            .iter()
            .map(|w| match memory.places.get(*w) {
                Some(&at) => at,
                None => {
                    let at = memory.infos.len() as u32;
                    memory.infos.push(index.word_info(w));
                    memory.places.insert((*w).to_string(), at);
                    at
                }
            })
            .collect();
        let infos = &memory.infos;
        let info: Vec<&WordInfo> = places.iter().map(|&at| &infos[at as usize]).collect();
        let mut capital = Vec::with_capacity(words.len());
        let mut upper = Vec::with_capacity(words.len());
        let mut cased_any = Vec::with_capacity(words.len());
        for &(s, e) in &bounds {
            let (c, u, a) = case_flags(&cased_c[s..e]);
            capital.push(c);
            upper.push(u);
            cased_any.push(a);
        }
        let mut text = Text {
            covered: vec![false; words.len()],
            words,
            info,
            capital,
            upper,
            cased_any,
        };
        let mut candidates = index.exact.find(&index.aliases, &text);
        for c in &candidates {
            text.covered[c.start..c.end].iter_mut().for_each(|x| *x = true);
        }
        candidates.extend(index.fuzzy.find(&index.aliases, &text));
        candidates.retain(|c| is_cased(index, &text, c));

        let span = |w: usize| -> (usize, usize) {
            let (start, end) = bounds[w];
            match origin {
                None => (start, end),
                Some(o) => {
                    let after = if end < o.len() { o[end] } else { length };
                    (o[start], after.max(o[end - 1] + 1))
                }
            }
        };
        let entities = resolve(index, &candidates)
            .into_iter()
            .map(|c| {
                let begin = span(c.start).0;
                let begin = original.map_or(begin, |o| {
                    begin - index.spelling.article_before(&index.fold, o, begin)
                });
                (begin, span(c.end - 1).1, c.alias, c.score)
            })
            .collect();
        let terms_out = |terms: &TermIndex, flags: &dyn Fn(&WordInfo) -> bool| -> Vec<TermOut> {
            let starts: Vec<bool> = text.info.iter().map(|i| flags(i)).collect();
            terms
                .find(&text.words, &starts)
                .into_iter()
                .map(|(s, e, t)| (s, e, t, span(s).0, span(e - 1).1, span(s).1, span(e - 1).0))
                .collect()
        };
        let terms = terms_out(&index.terms, &|i| i.term_start);
        let idioms = if terms.is_empty() {
            Vec::new()
        } else {
            terms_out(&index.idioms, &|i| i.idiom_start)
        };
        (entities, terms, idioms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{entities, named, Watch, NONE};

    #[test]
    fn case_flags_are_pythons_isupper_and_first_letter() {
        let flags = |w: &str| case_flags(&chars(w));
        assert_eq!(flags("HTS"), (true, true, true));
        assert_eq!(flags("Hts"), (true, false, true));
        assert_eq!(flags("hTS"), (false, false, true));
        assert_eq!(flags("G7"), (true, true, true));
        assert_eq!(flags("7G"), (false, true, true));
        assert_eq!(flags("1701"), (false, false, false));
        assert_eq!(flags(""), (false, false, false));
        assert_eq!(flags("É"), (true, true, true));
    }

    #[test]
    fn acronyms_match_in_capitals_only() {
        let watch = Watch::new().actor("HTS").actor("HTS 2").actor("1701");
        assert_eq!(entities(&watch, "HTS"), [(0, 3, "HTS", EXACT_SCORE)]);
        assert_eq!(entities(&watch, "hts"), NONE);
        assert_eq!(entities(&watch, "Hts"), NONE);
        // "".join(words).isupper(): a word without letters takes no part, one lower letter does
        assert_eq!(entities(&watch, "HTS 2"), [(0, 5, "HTS 2", EXACT_SCORE)]);
        assert_eq!(entities(&watch, "hts 2"), NONE);
        assert_eq!(entities(&watch, "HTs 2"), NONE);
        // no letter at all: no capital either, so never a match
        assert_eq!(entities(&watch, "1701"), NONE);
    }

    #[test]
    fn proper_nouns_need_a_capital_when_one_word_or_a_variant() {
        let watch = Watch::new()
            .actor("Bachar al-Assad")
            .actor("daesh")
            .region("Nice")
            .region("Idlib")
            .region("Emirats");
        // values from the Python path
        for (text, want) in [
            ("Nice", &[(0, 4, "Nice", EXACT_SCORE)][..]),
            ("nice", &[]),
            ("NICE", &[(0, 4, "Nice", EXACT_SCORE)]),
            ("iDLIB", &[]),
            ("ÉMIRATS", &[(0, 7, "Emirats", EXACT_SCORE)]),
            ("Émirats", &[(0, 7, "Emirats", EXACT_SCORE)]),
            ("émirats", &[]),
            // the listed spelling of several words needs no capital, a variant needs one
            ("bachar al-assad", &[(0, 15, "Bachar al-Assad", EXACT_SCORE)]),
            ("bashar assad", &[]),
            ("bashar Assad", &[(0, 12, "Bachar al-Assad", KEY_SCORE)]),
            // an alias written in lower case is no proper noun
            ("daech", &[(0, 5, "daesh", KEY_SCORE)]),
        ] {
            assert_eq!(entities(&watch, text), want, "{text:?}");
        }
    }

    fn at(start: usize, end: usize, alias: u32, score: f64) -> Candidate {
        Candidate {
            start,
            end,
            alias,
            score,
        }
    }

    /// `resolve` over an index of aliases 0..4 of entity 0 and aliases 4..8 of entity 1.
    fn resolved(candidates: &[Candidate]) -> Vec<Candidate> {
        let watch = Watch::new()
            .entity(&["Aaaaa", "Baaaa", "Caaaa", "Daaaa"])
            .entity(&["Eaaaa", "Faaaa", "Gaaaa", "Haaaa"]);
        let (pass, _) = watch.build();
        resolve(pass.index(), candidates)
    }

    #[test]
    fn overlaps_are_resolved_longest_first() {
        // the longer span wins, whatever the order
        let (long, short) = (at(0, 3, 0, KEY_SCORE), at(1, 2, 4, EXACT_SCORE));
        assert_eq!(resolved(&[short, long]), [long]);
        assert_eq!(resolved(&[long, short]), [long]);
        // spans that only touch are both kept, in the candidates' order
        let (a, b) = (at(1, 2, 0, 90.0), at(0, 1, 4, 90.0));
        assert_eq!(resolved(&[a, b]), [a, b]);
        assert_eq!(resolved(&[]), []);
    }

    #[test]
    fn exact_spellings_go_before_longer_fuzzy_windows() {
        // a fuzzy window that swallowed a neighbour never hides the exact match inside it
        let (fuzzy, exact) = (at(0, 2, 0, 94.0), at(1, 2, 4, EXACT_SCORE));
        assert_eq!(resolved(&[fuzzy, exact]), [exact]);
        // a transliteration (KEY_SCORE) counts as exact; just under it is fuzzy
        let key = at(1, 2, 4, KEY_SCORE);
        assert_eq!(resolved(&[fuzzy, key]), [key]);
        let under = at(1, 2, 4, KEY_SCORE - 0.1);
        assert_eq!(resolved(&[fuzzy, under]), [fuzzy]);
    }

    #[test]
    fn equal_lengths_go_by_score_then_start() {
        let (a, b) = (at(0, 2, 0, 90.0), at(1, 3, 4, 93.0));
        assert_eq!(resolved(&[a, b]), [b]);
        let (a, b) = (at(1, 3, 0, 90.0), at(0, 2, 4, 90.0));
        assert_eq!(resolved(&[a, b]), [b]);
    }

    #[test]
    fn one_match_per_span_and_entity_the_best_scored() {
        // aliases 0 and 1 are one entity: the better stays, in the first one's place
        let (first, better, other) = (at(0, 2, 0, 90.0), at(0, 2, 1, 92.0), at(0, 2, 4, 89.0));
        assert_eq!(resolved(&[first, other, better]), [better, other]);
        // a tie keeps the first
        let tie = at(0, 2, 2, 90.0);
        assert_eq!(resolved(&[first, tie]), [first]);
        // a same span ranked after the kept one is not an overlap
        let (exact, fuzzy) = (at(0, 2, 0, EXACT_SCORE), at(0, 2, 5, 91.0));
        assert_eq!(resolved(&[fuzzy, exact]), [fuzzy, exact]);
    }

    #[test]
    fn the_longest_alias_in_a_text_wins() {
        let watch = Watch::new().actor("Zor").region("Deir ez-Zor");
        assert_eq!(
            entities(&watch, "Deir ez-Zor"),
            [(0, 11, "Deir ez-Zor", EXACT_SCORE)]
        );
        assert_eq!(entities(&watch, "Zor"), [(0, 3, "Zor", EXACT_SCORE)]);
    }

    #[test]
    fn a_raw_text_gives_its_dropped_article_back_a_folded_one_does_not() {
        let watch = Watch::new().actor("Al-Qaida");
        assert_eq!(entities(&watch, "al-Qaida"), [(0, 8, "Al-Qaida", EXACT_SCORE)]);
        assert_eq!(entities(&watch, "Al Qaida"), [(0, 8, "Al-Qaida", EXACT_SCORE)]);
        assert_eq!(
            entities(&watch, "de l’al-Qaida"),
            [(5, 13, "Al-Qaida", EXACT_SCORE)]
        );
        // Python folded this one (`Core.scan`) and adds the article itself
        let (pass, _) = watch.build();
        let found = pass.scan("al-Qaida", "al-qaida", None, 8).unwrap();
        assert_eq!(found.0, [(3, 8, 0, EXACT_SCORE)]);
    }

    #[test]
    fn spans_of_a_text_folded_by_python_are_the_originals() {
        let (pass, names) = Watch::new().region("Idlib").build();
        let scan = |cased: &str, origin: &[usize], length| {
            let lower = cased.to_lowercase();
            named(pass.scan(cased, &lower, Some(origin), length).unwrap(), &names)
        };
        // values from `normalise.normalise`: Straße folds to Strasse, one character longer
        let origin = [0, 1, 2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11];
        assert_eq!(
            scan("Strasse Idlib", &origin, 12),
            [(7, 12, "Idlib", EXACT_SCORE)]
        );
        // a combining accent after a word stays in its span, at the end of the text too
        assert_eq!(
            scan("Idlib x", &[0, 1, 2, 3, 4, 6, 7], 8),
            [(0, 6, "Idlib", EXACT_SCORE)]
        );
        assert_eq!(
            scan("x Idlib", &[0, 1, 2, 3, 4, 5, 6], 8),
            [(2, 8, "Idlib", EXACT_SCORE)]
        );
        // Œ folds to two characters
        let origin = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(scan("OEuvre Idlib", &origin, 11), [(6, 11, "Idlib", EXACT_SCORE)]);
        // ¼ folds to two words in one character: each ends past its last character
        let (pass, _) = Watch::new().term(&[&["1"]]).term(&[&["4"]]).build();
        let found = pass.scan("x 1 4", "x 1 4", Some(&[0, 1, 2, 2, 2]), 3).unwrap();
        assert_eq!(found.1, [(1, 2, 0, 2, 3, 3, 2), (2, 3, 1, 2, 3, 3, 2)]);
        // folded and lowercased copies of different lengths go back to Python
        assert!(pass.scan("Idlib", "idlibs", None, 5).is_none());
    }

    #[test]
    fn a_text_with_a_character_outside_the_table_goes_back_to_python() {
        let (pass, _) = Watch::new().region("Idlib").build();
        assert!(pass.scan_text("Idlib, cœur").is_none());
        assert!(pass.scan_text("Idlib, إدلب").is_none());
        assert!(pass.scan_text("Idlib").is_some());
    }

    #[test]
    fn texts_without_words_find_nothing() {
        let (pass, _) = Watch::new().region("Idlib").term(&[&["al"]]).build();
        for text in ["", " ", "…, «»", "al el", "l' -"] {
            assert_eq!(pass.scan_text(text), Some((vec![], vec![], vec![])), "{text:?}");
        }
    }

    #[test]
    fn terms_come_with_their_words_and_spans_idioms_only_with_terms() {
        let watch = Watch::new()
            .term(&[&["air"], &["strike", "strikes"]])
            .term(&[&["raid"]])
            .idiom(&[&["air"]]);
        let (pass, _) = watch.build();
        // (first word, end word, term, start, end, end of first word, start of last word)
        let (entities, terms, idioms) = pass.scan_text("The air  strikes.").unwrap();
        assert_eq!(entities, []);
        assert_eq!(terms, [(1, 3, 0, 4, 16, 7, 9)]);
        assert_eq!(idioms, [(1, 2, 0, 4, 7, 7, 4)]);
        let (_, terms, idioms) = pass.scan_text("air raid").unwrap();
        assert_eq!(terms, [(1, 2, 1, 4, 8, 8, 4)]);
        assert_eq!(idioms, [(0, 1, 0, 0, 3, 3, 0)]);
        // no term: idioms are not looked for
        assert_eq!(pass.scan_text("air cover").unwrap(), (vec![], vec![], vec![]));
    }

    #[test]
    fn the_word_memory_starts_again_past_its_bound() {
        let (pass, names) = Watch::new().region("Idlib").memory_words(3).build();
        assert_eq!(pass.remembered(), 0);
        let found = pass.scan_text("Idlib Idlib x y").unwrap();
        assert_eq!(found.0.len(), 2);
        assert_eq!(pass.remembered(), 3);
        // at the bound, a new text starts it again, and what it finds does not change
        assert_eq!(
            named(pass.scan_text("Idleb").unwrap(), &names),
            [(0, 5, "Idlib", 90.0)]
        );
        assert_eq!(pass.remembered(), 1);
        assert_eq!(
            named(pass.scan_text("Idleb").unwrap(), &names),
            [(0, 5, "Idlib", 90.0)]
        );
        assert_eq!(pass.remembered(), 1);
        // the bound is checked before a text: one text may take it past
        pass.scan_text("a b c d").unwrap();
        assert_eq!(pass.remembered(), 5);
        assert!(pass.index_bytes() > 0);
    }
}
