//! The matching engine's per-text hot path, as one native pass.
//!
//! `processors.matching.engine.Engine` compiles the watchlist in Python, then
//! builds a `Core` from its aliases, terms, word lists, spelling tables and
//! constants (`processors/matching/native.py`). Per text it calls
//! `Core.scan_text` with the raw text; a text with a character outside the
//! fold table is folded in Python first and goes to `Core.scan`. Either does
//! what the Python path does after folding, with the same rules and in the
//! same order, so both paths give the same decision
//! (`tests/unit/matching/test_matching_native.py` checks this on every
//! evaluation row, on gazetteer-scale articles and on generated text):
//!
//! * blank French elisions and Arabic articles, split into words, take each
//!   word's transliteration key (`normalise.py`);
//! * the exact pass over key sequences (`aliases.ExactIndex`), here a trie of
//!   key ids instead of an Aho-Corasick scan of a key line;
//! * the fuzzy pass: blocked anchors, then windows of whole words scored by
//!   Indel similarity (bit-parallel LCS) blended with consonant skeletons
//!   (`fuzzy.py`);
//! * escalation terms and idioms (`terms.TermIndex`), returned unfiltered;
//! * the capital-letter checks and the longest-first overlap resolution of
//!   entity candidates (`engine.py`), and the dropped article before a name
//!   (`normalise.with_article`) when the raw text is at hand.
//!
//! What a word looks like to the engine (key, skeletons, fuzzy anchors hit)
//! depends only on the word, so it is remembered, bounded like the Python
//! memories. Sentence ends, idiom filtering and the `Match` records stay in
//! Python: they concern the few term matches and final entity matches.
//!
//! Nothing here panics on any input: indexes stay within the slices they were
//! computed from, and a Python string that is not valid UTF-8 (a lone
//! surrogate) is refused by PyO3 before this code runs.

use pyo3::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::OnceCell;
use std::sync::Mutex;

const EXACT_SCORE: f64 = 100.0;
const KEY_SCORE: f64 = 95.0;
const MIN_VARIANT_CHARS: usize = 5;
const MIN_ANCHOR_CHARS: usize = 4;
const MIN_DELETION_CHARS: usize = 5;
const ANCHOR_SCORE: f64 = 70.0;
const SKELETON_WEIGHT: f64 = 0.5;
const MAX_PARTICLE_CHARS: usize = 4;
const FUZZY_CAP: f64 = 94.0;
const GAP_WORDS: usize = 3;

/// The Python modules' constants this file also uses: building a `Core` checks they agree.
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

fn check_constants(given: &[(String, f64)]) -> PyResult<()> {
    for (name, ours) in CONSTANTS {
        match given.iter().find(|(n, _)| n == name) {
            Some((_, theirs)) if *theirs == ours => {}
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "the native pass has {name} = {ours}, Python {:?}: rebuild it (pip install -e .)",
                    other.map(|(_, v)| v)
                )))
            }
        }
    }
    Ok(())
}

/// The spelling rules of `normalise.py` and `fuzzy.py`, given by Python so they live in one place.
struct Spelling {
    /// transliteration pairs, applied in order (`normalise.KEY_PAIRS`)
    key_pairs: Vec<(String, String)>,
    /// endings that make a plural, not another word (`fuzzy.PLURAL_ENDINGS`)
    plural_endings: Vec<String>,
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// A folded text's word characters: folding leaves letters, digits, spaces, `'` and `-` only.
fn is_word_char(c: char) -> bool {
    !matches!(c, ' ' | '\'' | '-')
}

/// Transliteration key of one normalised word (`normalise.key`).
fn key(word: &str, pairs: &[(String, String)]) -> String {
    let mut k = word.to_string();
    loop {
        let before = k.clone();
        for (old, new) in pairs {
            if k.contains(old.as_str()) {
                k = k.replace(old, new);
            }
        }
        let mut cs: Vec<char> = Vec::with_capacity(k.len());
        for c in k.chars() {
            if cs.last() != Some(&c) {
                cs.push(c);
            }
        }
        let mut n = cs.len();
        if n > 4 && cs[n - 1] == 'h' && is_vowel(cs[n - 2]) {
            n -= 1;
        }
        if (n > 4 && cs[n - 1] == 'e') || (n > 5 && cs[n - 1] == 'a') {
            n -= 1;
        }
        k = cs[..n].iter().collect();
        if k == before {
            return k;
        }
    }
}

/// `k` without its inner vowels (`normalise.skeleton`).
fn skeleton(k: &str) -> String {
    let mut out = String::with_capacity(k.len());
    for (i, c) in k.chars().enumerate() {
        if i == 0 || !is_vowel(c) {
            out.push(c);
        }
    }
    out
}

fn lcs(a: &[char], b: &[char]) -> usize {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let mut row = vec![0usize; b.len() + 1];
    for &ca in a {
        let mut diag = 0;
        for (j, &cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = if ca == cb { diag + 1 } else { up.max(row[j]) };
            diag = up;
        }
    }
    row[b.len()]
}

/// `rapidfuzz.distance.Indel.normalized_similarity(a, b, score_cutoff=cutoff)`.
fn indel(a: &[char], b: &[char], cutoff: f64) -> f64 {
    let maximum = a.len() + b.len();
    let norm_dist = if maximum > 0 {
        (maximum - 2 * lcs(a, b)) as f64 / maximum as f64
    } else {
        0.0
    };
    let sim = 1.0 - norm_dist;
    if sim >= cutoff {
        sim
    } else {
        0.0
    }
}

/// A string compared with many others: its characters' positions as bit masks (Hyyrö's
/// bit-parallel LCS, as rapidfuzz does) when it has at most 64 characters.
struct Pattern {
    chars: Vec<char>,
    ascii: Option<[u64; 128]>,
    other: Vec<(char, u64)>,
}

impl Pattern {
    fn new(chars: Vec<char>) -> Self {
        if chars.len() > 64 {
            return Pattern {
                chars,
                ascii: None,
                other: Vec::new(),
            };
        }
        let mut ascii = [0u64; 128];
        let mut other: Vec<(char, u64)> = Vec::new();
        for (i, &c) in chars.iter().enumerate() {
            let bit = 1u64 << i;
            if (c as u32) < 128 {
                ascii[c as usize] |= bit;
            } else if let Some(entry) = other.iter_mut().find(|(d, _)| *d == c) {
                entry.1 |= bit;
            } else {
                other.push((c, bit));
            }
        }
        Pattern {
            chars,
            ascii: Some(ascii),
            other,
        }
    }

    fn lcs(&self, b: &[char]) -> usize {
        let Some(ascii) = &self.ascii else {
            return lcs(&self.chars, b);
        };
        let m = self.chars.len();
        if m == 0 || b.is_empty() {
            return 0;
        }
        let mut v = !0u64;
        for &c in b {
            let mask = if (c as u32) < 128 {
                ascii[c as usize]
            } else {
                self.other.iter().find(|(d, _)| *d == c).map_or(0, |e| e.1)
            };
            let u = v & mask;
            v = v.wrapping_add(u) | (v - u);
        }
        let low = if m == 64 { !0u64 } else { (1u64 << m) - 1 };
        (!v & low).count_ones() as usize
    }

    /// `indel(self, b, cutoff)`, skipping the LCS when the lengths alone rule the cutoff out.
    fn indel(&self, b: &[char], cutoff: f64) -> f64 {
        let maximum = self.chars.len() + b.len();
        if maximum == 0 {
            return if 1.0 >= cutoff { 1.0 } else { 0.0 };
        }
        let best = 1.0 - (maximum - 2 * self.chars.len().min(b.len())) as f64 / maximum as f64;
        if best < cutoff {
            return 0.0;
        }
        let sim = 1.0 - (maximum - 2 * self.lcs(b)) as f64 / maximum as f64;
        if sim >= cutoff {
            sim
        } else {
            0.0
        }
    }
}

fn blend(plain: f64, bones: f64) -> f64 {
    100.0 * ((1.0 - SKELETON_WEIGHT) * plain + SKELETON_WEIGHT * bones)
}

/// Python's `round(x, 1)`: correctly rounded from the binary value, ties to even.
fn round1(x: f64) -> f64 {
    format!("{x:.1}").parse().unwrap_or(x)
}

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

/// Lookups a key is filed (or looked up) under: itself, its one-letter deletions (when
/// `deletions`), its skeleton.
fn lookups(k: &str, deletions: bool) -> Vec<String> {
    let cs = chars(k);
    let mut out = vec![k.to_string()];
    if deletions && cs.len() >= MIN_DELETION_CHARS {
        let mut seen = FxHashSet::default();
        for i in 0..cs.len() {
            let d: String = cs[..i].iter().chain(cs[i + 1..].iter()).collect();
            if seen.insert(d.clone()) {
                out.push(d);
            }
        }
    }
    let bones = skeleton(k);
    if bones.chars().count() >= 3 {
        out.push(format!("\x01{bones}"));
    }
    out
}

fn derived(window: &str, alias: &str, plural_endings: &[String]) -> bool {
    let (short, long) = if alias.chars().count() < window.chars().count() {
        (alias, window)
    } else {
        (window, alias)
    };
    long.starts_with(short) && !plural_endings.iter().any(|e| e == &long[short.len()..])
}

fn ending(k: &str) -> &str {
    &k[k.trim_end_matches(is_vowel).len()..]
}

fn other_ending(window: &str, alias: &str) -> bool {
    let (ours, theirs) = (ending(window), ending(alias));
    if ours == theirs {
        return false;
    }
    let feminine = matches!((ours, theirs), ("a" | "e", "") | ("", "a" | "e"));
    !feminine
}

struct Alias {
    entity: usize,
    words: Vec<String>,
    strict: bool,
    acronym: bool,
    proper: bool,
    one_word: bool,
    threshold: f64,
    joined: String,
    joined_c: Vec<char>,
    plain_c: Vec<char>,
    key_bones_c: Vec<char>,
    plain_bones_c: Vec<char>,
    n_keys: usize,
}

struct Group {
    size: usize,
    anchor: usize,
    ids: Vec<u32>,
}

/// Phrases (escalation terms or idioms): slots of accepted forms, `None` for a `*` gap.
struct Terms {
    slots: Vec<Vec<Option<FxHashSet<String>>>>,
    first: FxHashMap<String, Vec<u32>>,
}

impl Terms {
    fn new(terms: Vec<PhraseSlots>) -> Self {
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
        Terms { slots, first }
    }

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

    /// Every (start, end, term) in text order, the shortest reading at each start.
    fn find(&self, words: &[&str], starts: &[bool]) -> Vec<(usize, usize, u32)> {
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

/// One character of the fold table: folded with its case and lowercased, and what the article
/// check needs of the original (`normalise._ARTICLE_BEFORE`).
#[derive(Clone, Copy)]
struct Folded {
    cased: char,
    lower: char,
    alnum: bool,
    hyphen: bool,
}

/// The fold of the characters most copy is made of (Latin-1 and typographic marks), as
/// `folding.fold` gives it when each folds to exactly one character.
struct FoldTable {
    latin1: [Option<Folded>; 256],
    other: FxHashMap<char, Folded>,
    articles: Vec<Vec<char>>,
    words: Vec<Vec<char>>,
}

impl FoldTable {
    fn get(&self, c: char) -> Option<Folded> {
        if (c as u32) < 256 {
            self.latin1[c as usize]
        } else {
            self.other.get(&c).copied()
        }
    }

    /// How many characters before `start` are a dropped article (`normalise.with_article`):
    /// in the five characters before it, an article and a dash, or an article word and a space,
    /// not preceded by a letter or digit.
    fn article_before(&self, text: &[char], start: usize) -> usize {
        let low = start.saturating_sub(5);
        let before = &text[low..start];
        let lower_is = |c: char, letter: char| c.is_ascii() && c.to_ascii_lowercase() == letter;
        let fits = |article: &[char], tail: usize| -> usize {
            let n = article.len() + tail;
            if n > before.len() {
                return 0;
            }
            let at = before.len() - n;
            let letters_match = article.iter().zip(&before[at..]).all(|(&a, &c)| lower_is(c, a));
            let bounded = at == 0 || !self.get(before[at - 1]).is_some_and(|f| f.alnum);
            if letters_match && bounded {
                n
            } else {
                0
            }
        };
        let Some(&last) = before.last() else { return 0 };
        let mut best = 0;
        if self.get(last).is_some_and(|f| f.hyphen) {
            for article in &self.articles {
                best = best.max(fits(article, 1));
            }
        }
        if last == ' ' {
            for word in &self.words {
                best = best.max(fits(word, 1));
            }
        }
        best
    }
}

/// What a word is to the engine; depends only on the word, so remembered.
struct WordInfo {
    key: String,
    key_id: Option<u32>,
    common: bool,
    everyday: bool,
    term_start: bool,
    idiom_start: bool,
    anywhere: Vec<Group>,
    capitalised: Vec<Group>,
}

struct Index {
    aliases: Vec<Alias>,
    common: FxHashSet<String>,
    everyday: FxHashSet<String>,
    postings: FxHashMap<String, Vec<(u32, u32)>>,
    longest_anchor: usize,
    anchor_c: Vec<(Vec<char>, Vec<char>)>,
    key_ids: FxHashMap<String, u32>,
    trie: FxHashMap<(u32, u32), u32>,
    node_aliases: Vec<Vec<u32>>,
    terms: Terms,
    idioms: Terms,
    elided: Vec<Vec<char>>,
    articles: Vec<Vec<char>>,
    article_words: Vec<Vec<char>>,
    fold: FoldTable,
    spelling: Spelling,
}

#[derive(Clone, Copy)]
struct Candidate {
    start: usize,
    end: usize,
    alias: u32,
    score: f64,
}

fn better(new: &Candidate, old: Option<&Candidate>) -> bool {
    match old {
        None => true,
        Some(old) => (new.score, old.end - old.start) > (old.score, new.end - new.start),
    }
}

/// Alternatives longest first, as the regular expressions of `normalise.py` try them.
fn alternatives(spec: &[String]) -> Vec<Vec<char>> {
    let mut out: Vec<Vec<char>> = spec.iter().map(|a| chars(a)).collect();
    out.sort_by_key(|a| std::cmp::Reverse(a.len()));
    out
}

impl Index {
    fn hits(&self, k: &str, k_c: &[char], bones_c: &[char]) -> (Vec<Group>, Vec<Group>) {
        let mut groups: FxHashMap<(usize, usize, bool), FxHashSet<u32>> = FxHashMap::default();
        for lookup in lookups(k, k_c.len() <= self.longest_anchor + 1) {
            if let Some(posted) = self.postings.get(&lookup) {
                for &(alias_id, anchor) in posted {
                    let (a_key, a_bones) = &self.anchor_c[alias_id as usize];
                    let score = blend(indel(k_c, a_key, 0.0), indel(bones_c, a_bones, 0.0));
                    if score >= ANCHOR_SCORE {
                        let alias = &self.aliases[alias_id as usize];
                        groups
                            .entry((alias.n_keys, anchor as usize, alias.proper))
                            .or_default()
                            .insert(alias_id);
                    }
                }
            }
        }
        let mut keys: Vec<(usize, usize, bool)> = groups.keys().copied().collect();
        keys.sort();
        let (mut anywhere, mut capitalised) = (Vec::new(), Vec::new());
        for g in keys {
            let mut ids: Vec<u32> = groups[&g].iter().copied().collect();
            ids.sort();
            let group = Group {
                size: g.0,
                anchor: g.1,
                ids,
            };
            if g.2 {
                capitalised.push(group);
            } else {
                anywhere.push(group);
            }
        }
        (anywhere, capitalised)
    }

    fn word_info(&self, word: &str) -> WordInfo {
        let k = key(word, &self.spelling.key_pairs);
        let key_c = chars(&k);
        let key_bones = skeleton(&k);
        let common = self.common.contains(word);
        let everyday = self.everyday.contains(word);
        let (mut anywhere, mut capitalised) = (Vec::new(), Vec::new());
        // A key over four times the longest anchor's never scores ANCHOR_SCORE (`fuzzy.py`).
        if (MIN_ANCHOR_CHARS..=4 * self.longest_anchor).contains(&key_c.len()) && !common {
            (anywhere, capitalised) = self.hits(&k, &key_c, &chars(&key_bones));
            if everyday {
                anywhere.retain(|g| g.size > 1);
                capitalised.retain(|g| g.size > 1);
            }
        }
        WordInfo {
            key_id: self.key_ids.get(&k).copied(),
            key: k,
            common,
            everyday,
            term_start: self.terms.first.contains_key(word),
            idiom_start: self.idioms.first.contains_key(word),
            anywhere,
            capitalised,
        }
    }
}

/// One text's words, as the engine sees them.
struct Text<'a> {
    words: Vec<&'a str>,
    info: Vec<&'a WordInfo>,
    /// first character of the word, with its case, is upper
    capital: Vec<bool>,
    /// the word with its case: every cased character upper (for acronyms)
    upper: Vec<bool>,
    /// the word with its case: at least one cased character
    cased_any: Vec<bool>,
    covered: Vec<bool>,
}

struct Window {
    start: usize,
    end: usize,
    joined: String,
    /// characters of the joined keys and of the joined words
    joined_n: usize,
    plain_n: usize,
    capitalised: bool,
    particle: bool,
    /// joined keys, joined words, their skeletons: built when a score first needs them
    patterns: [OnceCell<Pattern>; 4],
}

/// Whether two strings of these lengths may reach `cutoff` (Indel similarity).
fn reachable(n: usize, m: usize, cutoff: f64) -> bool {
    n + m == 0 || 2.0 * n.min(m) as f64 / (n + m) as f64 >= cutoff
}

impl Window {
    fn pattern(&self, which: usize, text: &Text) -> &Pattern {
        self.patterns[which].get_or_init(|| {
            let (words, infos) = (
                &text.words[self.start..self.end],
                &text.info[self.start..self.end],
            );
            Pattern::new(match which {
                0 => self.joined.chars().collect(),
                1 => words.iter().flat_map(|w| w.chars()).collect(),
                // skeletons of the keys, of the words: only windows near a probe need them
                2 => infos
                    .iter()
                    .flat_map(|i| skeleton(&i.key).chars().collect::<Vec<_>>())
                    .collect(),
                _ => words
                    .iter()
                    .flat_map(|w| skeleton(w).chars().collect::<Vec<_>>())
                    .collect(),
            })
        })
    }

    fn score(&self, index: &Index, text: &Text, alias_id: u32) -> Option<Candidate> {
        let alias = &index.aliases[alias_id as usize];
        if alias.proper && !self.capitalised {
            return None;
        }
        let found = |score| {
            Some(Candidate {
                start: self.start,
                end: self.end,
                alias: alias_id,
                score,
            })
        };
        if self.joined == alias.joined {
            return found(KEY_SCORE);
        }
        if derived(&self.joined, &alias.joined, &index.spelling.plural_endings) {
            return None;
        }
        let need = (alias.threshold / 100.0 - SKELETON_WEIGHT) / (1.0 - SKELETON_WEIGHT);
        let mut score = 0.0;
        if reachable(self.joined_n, alias.joined_c.len(), need) {
            let plain = self.pattern(0, text).indel(&alias.joined_c, need);
            if plain != 0.0 {
                score = blend(plain, self.pattern(2, text).indel(&alias.key_bones_c, 0.0));
            }
        }
        if score < alias.threshold && reachable(self.plain_n, alias.plain_c.len(), need) {
            let plain = self.pattern(1, text).indel(&alias.plain_c, need);
            if plain != 0.0 {
                score = score.max(blend(
                    plain,
                    self.pattern(3, text).indel(&alias.plain_bones_c, 0.0),
                ));
            }
        }
        if score < alias.threshold || other_ending(&self.joined, &alias.joined) {
            return None;
        }
        found(round1(score.min(FUZZY_CAP)))
    }
}

impl<'a> Text<'a> {
    fn window(&self, start: usize, end: usize) -> Option<Box<Window>> {
        let ws = &self.words[start..end];
        let infos = &self.info[start..end];
        if self.covered[start..end].iter().any(|&c| c)
            || infos.iter().all(|i| i.common)
            || (end - start == 1 && infos[0].everyday)
        {
            return None;
        }
        let joined: String = infos.iter().map(|i| i.key.as_str()).collect();
        let joined_n = joined.chars().count();
        if joined_n < MIN_VARIANT_CHARS {
            return None;
        }
        let sizes: Vec<usize> = ws.iter().map(|w| w.chars().count()).collect();
        Some(Box::new(Window {
            start,
            end,
            joined,
            joined_n,
            plain_n: sizes.iter().sum(),
            capitalised: self.capital[start..end].iter().any(|&c| c),
            // a name particle (Bou Kamal), not a common word ("à Roissy" is not Arosia)
            particle: sizes
                .iter()
                .zip(infos)
                .any(|(&n, i)| n <= MAX_PARTICLE_CHARS && !i.common),
            patterns: Default::default(),
        }))
    }
}

/// Words of a cased string whose every cased character is upper (Python's `str.isupper`).
fn case_flags(word: &[char]) -> (bool, bool, bool) {
    let capital = word.first().is_some_and(|c| c.is_uppercase());
    let any_cased = word.iter().any(|c| c.is_uppercase() || c.is_lowercase());
    let upper = any_cased && !word.iter().any(|c| c.is_lowercase());
    (capital, upper, any_cased)
}

/// What Python compiled for one alias: `(entity, words, keys, (strict, acronym, proper,
/// one_word), threshold, (joined, plain, key_bones, plain_bones), anchor)` (anchor -1 for none).
type CompiledAlias = (
    usize,
    Vec<String>,
    Vec<String>,
    (bool, bool, bool, bool),
    f64,
    (String, String, String, String),
    i64,
);
/// One phrase: per word, its accepted forms, or `None` for a `*` gap.
type PhraseSlots = Vec<Option<Vec<String>>>;
/// One fold-table character: `(char, folded, folded lowercase, isalnum, is a dash)`.
type FoldEntry = (char, char, char, bool, bool);
/// Key pairs, elided words, Arabic articles, article words, plural endings.
type SpellingTables = (
    Vec<(String, String)>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
);

type EntityOut = (usize, usize, u32, f64);
type TermOut = (usize, usize, u32, usize, usize, usize, usize);

/// Words seen: word → place in `infos`.
#[derive(Default)]
struct Memory {
    places: FxHashMap<String, u32>,
    infos: Vec<WordInfo>,
}

#[pyclass(frozen)]
struct Core {
    index: Index,
    memory: Mutex<Memory>,
    /// words remembered before the memory starts again
    memory_words: usize,
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
        check_constants(&constants)?;
        // The arguments are Rust values now: the build (~0.3 s at 20k aliases) lets other Python
        // threads run, so a watchlist reloaded off the event loop does not stall it.
        let index =
            py.allow_threads(move || build_index(aliases, common, everyday, terms, idioms, fold, spelling));
        Ok(Core {
            index,
            memory: Mutex::new(Memory::default()),
            memory_words,
        })
    }

    /// One raw text, when every character of it is in the fold table (Latin-1 and the usual
    /// typographic marks: nearly all French and English copy); else `None`, and the caller
    /// folds in Python and calls `scan`. Entity starts already include a dropped article
    /// written before the name (Al-Qaïda), as `normalise.with_article` finds it.
    fn scan_text(&self, text: &str) -> Option<(Vec<EntityOut>, Vec<TermOut>, Vec<TermOut>)> {
        let fold = &self.index.fold;
        let mut original = Vec::with_capacity(text.len());
        let mut cased = Vec::with_capacity(text.len());
        let mut lower = Vec::with_capacity(text.len());
        for c in text.chars() {
            let f = fold.get(c)?;
            original.push(c);
            cased.push(f.cased);
            lower.push(f.lower);
        }
        let length = original.len();
        Some(self.run(cased, lower, None, length, Some(&original)))
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
    fn scan(
        &self,
        cased: &str,
        lower: &str,
        origin: Option<Vec<usize>>,
        length: usize,
    ) -> Option<(Vec<EntityOut>, Vec<TermOut>, Vec<TermOut>)> {
        let cased_c = chars(cased);
        let lower_c = chars(lower);
        if cased_c.len() != lower_c.len() {
            return None;
        }
        Some(self.run(cased_c, lower_c, origin.as_deref(), length, None))
    }

    /// Bytes the index holds on the heap (its own count: lengths and table capacities, not
    /// allocator overhead), the word memory excluded. The benchmark reports it.
    fn index_bytes(&self) -> usize {
        let index = &self.index;
        let string = |s: &String| s.capacity() + std::mem::size_of::<String>();
        let chars = |v: &Vec<char>| v.capacity() * 4 + std::mem::size_of::<Vec<char>>();
        let aliases: usize = index
            .aliases
            .iter()
            .map(|a| {
                std::mem::size_of::<Alias>()
                    + a.words.iter().map(string).sum::<usize>()
                    + a.joined.capacity()
                    + [&a.joined_c, &a.plain_c, &a.key_bones_c, &a.plain_bones_c]
                        .into_iter()
                        .map(chars)
                        .sum::<usize>()
            })
            .sum();
        let postings: usize = index
            .postings
            .iter()
            .map(|(k, v)| string(k) + v.capacity() * 8 + 24)
            .sum::<usize>()
            + index.postings.capacity() * 9;
        let anchors: usize = index.anchor_c.iter().map(|(a, b)| chars(a) + chars(b)).sum();
        let keys: usize = index.key_ids.keys().map(string).sum::<usize>() + index.key_ids.capacity() * 5;
        let trie = index.trie.capacity() * 13
            + index
                .node_aliases
                .iter()
                .map(|v| v.capacity() * 4 + 24)
                .sum::<usize>();
        let sets = |set: &FxHashSet<String>| set.iter().map(string).sum::<usize>() + set.capacity();
        aliases + postings + anchors + keys + trie + sets(&index.common) + sets(&index.everyday)
    }

    /// Words remembered (for tests and the memory bound).
    fn remembered(&self) -> usize {
        self.memory.lock().map(|m| m.places.len()).unwrap_or(0)
    }
}

impl Core {
    /// The pass itself; `original` (the raw text, when it folded one character per character)
    /// lets entity starts take in their dropped article.
    fn run(
        &self,
        cased_c: Vec<char>,
        mut lower_c: Vec<char>,
        origin: Option<&[usize]>,
        length: usize,
        original: Option<&[char]>,
    ) -> (Vec<EntityOut>, Vec<TermOut>, Vec<TermOut>) {
        let index = &self.index;
        if lower_c.iter().any(|&c| c == '\'' || c == '-') {
            blank_dropped(index, &mut lower_c);
        }
        // Words: runs of non-spaces, without the standalone article words (Front al Nosra).
        let mut bounds: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        let n = lower_c.len();
        while i < n {
            if lower_c[i] == ' ' {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && lower_c[i] != ' ' {
                i += 1;
            }
            let w = &lower_c[start..i];
            if index.article_words.iter().any(|a| a[..] == *w) {
                continue;
            }
            bounds.push((start, i));
        }
        if bounds.is_empty() {
            return (Vec::new(), Vec::new(), Vec::new());
        }
        // The words, one string: word i is flat[cuts[i]..cuts[i + 1]].
        let mut flat = String::with_capacity(lower_c.len());
        let mut cuts = Vec::with_capacity(bounds.len() + 1);
        for &(s, e) in &bounds {
            cuts.push(flat.len());
            flat.extend(&lower_c[s..e]);
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
        let mut candidates = exact(index, &text);
        for c in &candidates {
            text.covered[c.start..c.end].iter_mut().for_each(|x| *x = true);
        }
        candidates.extend(fuzzy(index, &text));
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
                let begin = original.map_or(begin, |o| begin - index.fold.article_before(o, begin));
                (begin, span(c.end - 1).1, c.alias, c.score)
            })
            .collect();
        let terms_out = |terms: &Terms, flags: &dyn Fn(&WordInfo) -> bool| -> Vec<TermOut> {
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

/// The index of one watchlist, from what Python compiled (see `Core::new`).
fn build_index(
    aliases: Vec<CompiledAlias>,
    common: Vec<String>,
    everyday: Vec<String>,
    terms: Vec<PhraseSlots>,
    idioms: Vec<PhraseSlots>,
    fold: Vec<FoldEntry>,
    spelling: SpellingTables,
) -> Index {
    let (key_pairs, elided, articles, article_words, plural_endings) = spelling;
    let article_words: Vec<Vec<char>> = article_words.iter().map(|w| chars(w)).collect();
    let mut table = FoldTable {
        latin1: [None; 256],
        other: FxHashMap::default(),
        articles: alternatives(&articles),
        words: article_words.clone(),
    };
    for (c, cased, lower, alnum, hyphen) in fold {
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
    let mut postings: FxHashMap<String, Vec<(u32, u32)>> = FxHashMap::default();
    let mut key_ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut trie: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    let mut node_aliases: Vec<Vec<u32>> = vec![Vec::new()];
    let mut anchor_c = Vec::with_capacity(aliases.len());
    let mut compiled = Vec::with_capacity(aliases.len());
    for (i, a) in aliases.into_iter().enumerate() {
        let (entity, words, keys, (strict, acronym, proper, one_word), threshold, texts, anchor) = a;
        let (joined, plain, key_bones, plain_bones) = texts;
        let mut node = 0u32;
        for k in &keys {
            let next_id = key_ids.len() as u32;
            let id = *key_ids.entry(k.clone()).or_insert(next_id);
            let next_node = node_aliases.len() as u32;
            node = *trie.entry((node, id)).or_insert_with(|| {
                node_aliases.push(Vec::new());
                next_node
            });
        }
        node_aliases[node as usize].push(i as u32);
        if anchor >= 0 {
            let k = &keys[anchor as usize];
            for lookup in lookups(k, true) {
                postings
                    .entry(lookup)
                    .or_default()
                    .push((i as u32, anchor as u32));
            }
            anchor_c.push((chars(k), chars(&skeleton(k))));
        } else {
            anchor_c.push((Vec::new(), Vec::new()));
        }
        compiled.push(Alias {
            entity,
            n_keys: keys.len(),
            words,
            strict,
            acronym,
            proper,
            one_word,
            threshold,
            joined_c: chars(&joined),
            joined,
            plain_c: chars(&plain),
            key_bones_c: chars(&key_bones),
            plain_bones_c: chars(&plain_bones),
        });
    }
    let longest_anchor = anchor_c.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    Index {
        longest_anchor,
        aliases: compiled,
        common: common.into_iter().collect(),
        everyday: everyday.into_iter().collect(),
        postings,
        anchor_c,
        key_ids,
        trie,
        node_aliases,
        terms: Terms::new(terms),
        idioms: Terms::new(idioms),
        elided: alternatives(&elided),
        articles: alternatives(&articles),
        article_words,
        fold: table,
        spelling: Spelling {
            key_pairs,
            plural_endings,
        },
    }
}

/// Blank elisions (l', qu'…) and dashed articles (al-, ash-…) (`normalised_text`), then turn
/// apostrophes and dashes into spaces. Only the lowercased copy is changed: it alone says where
/// words are; the cased copy is read at the same places for capitals.
fn blank_dropped(index: &Index, lower: &mut [char]) {
    let n = lower.len();
    let mut blanks: Vec<(usize, usize)> = Vec::new();
    for p in 0..n {
        let alts = match lower[p] {
            '\'' => &index.elided,
            '-' => &index.articles,
            _ => continue,
        };
        if p + 1 >= n || !is_word_char(lower[p + 1]) {
            continue;
        }
        for alt in alts {
            if alt.len() > p {
                continue;
            }
            let from = p - alt.len();
            if lower[from..p] == alt[..] && (from == 0 || !is_word_char(lower[from - 1])) {
                blanks.push((from, p + 1));
                break;
            }
        }
    }
    for (from, to) in blanks {
        lower[from..to].fill(' ');
    }
    for c in lower.iter_mut() {
        if *c == '\'' || *c == '-' {
            *c = ' ';
        }
    }
}

/// Words that may not be a transliteration of a name: common words, or one everyday word.
fn is_everyday(text: &Text, start: usize, end: usize) -> bool {
    let infos = &text.info[start..end];
    infos.iter().all(|i| i.common) || (end - start == 1 && infos[0].everyday)
}

/// The exact pass: aliases whose key sequence is the text's, then their own spelling or a variant.
fn exact(index: &Index, text: &Text) -> Vec<Candidate> {
    let mut out = Vec::new();
    let n = text.words.len();
    for first in 0..n {
        let Some(k) = text.info[first].key_id else {
            continue;
        };
        let mut node = match index.trie.get(&(0, k)) {
            Some(&node) => node,
            None => continue,
        };
        let mut last = first + 1;
        loop {
            for &i in &index.node_aliases[node as usize] {
                let alias = &index.aliases[i as usize];
                let found = &text.words[first..last];
                if found.iter().copied().eq(alias.words.iter().map(|w| w.as_str())) {
                    out.push(Candidate {
                        start: first,
                        end: last,
                        alias: i,
                        score: EXACT_SCORE,
                    });
                } else if !alias.strict && !is_everyday(text, first, last) {
                    out.push(Candidate {
                        start: first,
                        end: last,
                        alias: i,
                        score: KEY_SCORE,
                    });
                }
            }
            if last >= n {
                break;
            }
            let Some(k) = text.info[last].key_id else {
                break;
            };
            match index.trie.get(&(node, k)) {
                Some(&next) => node = next,
                None => break,
            }
            last += 1;
        }
    }
    out
}

/// The fuzzy pass: around each probe word, the best window of each alias it hits.
fn fuzzy(index: &Index, text: &Text) -> Vec<Candidate> {
    let mut out = Vec::new();
    let size = text.words.len();
    let mut windows: FxHashMap<(usize, usize), Option<Box<Window>>> = FxHashMap::default();
    for pos in 0..size {
        let info = text.info[pos];
        if text.covered[pos] || (info.anywhere.is_empty() && info.capitalised.is_empty()) {
            continue;
        }
        let groups: Vec<&Group> = if !info.capitalised.is_empty() && text.capital[pos] {
            info.anywhere.iter().chain(info.capitalised.iter()).collect()
        } else if !info.anywhere.is_empty() {
            info.anywhere.iter().collect()
        } else {
            continue;
        };
        let mut best: Vec<Candidate> = Vec::new();
        let mut slot: FxHashMap<u32, usize> = FxHashMap::default();
        for g in groups {
            for length in [g.size as i64, g.size as i64 - 1, g.size as i64 + 1] {
                if length < 1 {
                    continue;
                }
                let length = length as usize;
                let (p, a) = (pos as i64, g.anchor as i64);
                let low = 0.max(p - a - 1).max(p - length as i64 + 1);
                let high = (p - a + 1).min(p).min(size as i64 - length as i64);
                let mut start = low;
                while start <= high {
                    let (s, e) = (start as usize, start as usize + length);
                    start += 1;
                    let window = windows.entry((s, e)).or_insert_with(|| text.window(s, e));
                    let Some(window) = window else { continue };
                    if length > g.size && !window.particle {
                        continue;
                    }
                    for &id in &g.ids {
                        if let Some(c) = window.score(index, text, id) {
                            match slot.get(&id) {
                                Some(&at) => {
                                    if better(&c, Some(&best[at])) {
                                        best[at] = c;
                                    }
                                }
                                None => {
                                    slot.insert(id, best.len());
                                    best.push(c);
                                }
                            }
                        }
                    }
                }
            }
        }
        out.extend(best);
    }
    out
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

/// Longest non-overlapping spans (exact spellings first), then the best alias per span and entity.
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

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Core>()?;
    Ok(())
}
