//! What the unit tests share: Python's tables (a few of them, as Python gives them) and a small
//! watchlist compiled as `aliases.make_alias` and `fuzzy.anchors_of` compile one.

use crate::aliases::CompiledAlias;
use crate::engine::{build_index, Found, Pass, SpellingTables};
use crate::folding::{FoldEntry, FoldTable};
use crate::normalise::{is_vowel, key, skeleton, Spelling};
use crate::terms::PhraseSlots;
use std::collections::HashMap;

/// Fold-table entries as `native.fold_table()` gives them: all of ASCII, and the non-ASCII
/// characters the tests use (values from Python).
pub(crate) fn fold_entries() -> Vec<FoldEntry> {
    let mut out: Vec<FoldEntry> = (0u8..128)
        .map(|b| {
            let c = b as char;
            match c {
                '\'' | '`' => (c, '\'', '\'', false, false),
                '-' => (c, '-', '-', false, true),
                _ if c.is_ascii_alphanumeric() => (c, c, c.to_ascii_lowercase(), true, false),
                _ => (c, ' ', ' ', false, false),
            }
        })
        .collect();
    for (c, folded) in [
        ('é', 'e'),
        ('É', 'E'),
        ('è', 'e'),
        ('ï', 'i'),
        ('Ï', 'I'),
        ('ç', 'c'),
        ('à', 'a'),
        ('â', 'a'),
        ('ô', 'o'),
        ('ÿ', 'y'),
        ('Ā', 'A'),
        ('ğ', 'g'),
        ('İ', 'I'),
        ('ı', 'i'),
        ('Ł', 'L'),
        ('ł', 'l'),
    ] {
        out.push((c, folded, folded.to_ascii_lowercase(), true, false));
    }
    for c in ['’', '‘'] {
        out.push((c, '\'', '\'', false, false));
    }
    for c in ['–', '—'] {
        out.push((c, '-', '-', false, true));
    }
    for c in ['«', '»', '…', '´', '\u{a0}'] {
        out.push((c, ' ', ' ', false, false));
    }
    out
}

pub(crate) fn fold_table() -> FoldTable {
    FoldTable::new(fold_entries())
}

/// `native.spelling()`: normalise.py's tables and fuzzy.py's plural endings.
pub(crate) fn spelling_tables() -> SpellingTables {
    let list = |s: &str| s.split('|').map(str::to_string).collect::<Vec<_>>();
    let pairs = [
        ("sch", "sh"),
        ("ch", "sh"),
        ("dj", "j"),
        ("kh", "h"),
        ("gh", "g"),
        ("ph", "f"),
        ("th", "t"),
        ("qu", "k"),
        ("q", "k"),
        ("ck", "k"),
        ("w", "u"),
        ("ou", "u"),
        ("y", "i"),
    ];
    let mut pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|&(a, b)| (a.to_string(), b.to_string()))
        .collect();
    // e for the a before a doubled a (Deraa, Daraa)
    pairs.extend(
        "bcdfghjklmnprstvxz"
            .chars()
            .map(|c| (format!("e{c}aa"), format!("a{c}aa"))),
    );
    (
        pairs,
        list("l|d|qu|s|n|j|c|m|t|jusqu|lorsqu|puisqu|presqu|quelqu|quoiqu"),
        list("al|el|ad|ed|az|ez|as|es|ash|esh|ach|ech|an|ar|er|at|et|ath|dh|ul|ud"),
        list("al|el|ez|az|ech|esh"),
        list("s|es|x"),
        list("s|t|d|m|re|ve|ll"),
    )
}

pub(crate) fn spelling() -> Spelling {
    let (pairs, elided, articles, article_words, _, clitics) = spelling_tables();
    Spelling::new(pairs, &elided, &articles, &article_words, &clitics)
}

/// Python's `words`: the normalised words of a text in the fold table.
pub(crate) fn words(text: &str) -> Vec<String> {
    let folded = fold_table().fold(text).expect("in the test fold table");
    let mut lower = folded.lower;
    let spelling = spelling();
    spelling.blank_dropped(&mut lower, &folded.cased);
    spelling
        .words(&lower)
        .into_iter()
        .map(|(s, e)| lower[s..e].iter().filter(|&&c| c != '\'').collect())
        .collect()
}

/// `wirewatch.watchlist.DEFAULT_THRESHOLD`
const DEFAULT_THRESHOLD: f64 = 88.0;

struct Spelled {
    entity: usize,
    spelling: &'static str,
    threshold: f64,
    exact: bool,
}

/// A small watchlist: entities and their spellings, the word lists, terms and idioms.
pub(crate) struct Watch {
    spellings: Vec<Spelled>,
    entities: usize,
    common: Vec<String>,
    everyday: Vec<String>,
    terms: Vec<PhraseSlots>,
    idioms: Vec<PhraseSlots>,
    memory_words: usize,
}

impl Watch {
    /// No entity yet; a few of `common.py`'s words.
    pub(crate) fn new() -> Self {
        let common = "a au aux de des du en et la le les sur the of in and front etat";
        Watch {
            spellings: Vec::new(),
            entities: 0,
            common: common.split(' ').map(str::to_string).collect(),
            everyday: Vec::new(),
            terms: Vec::new(),
            idioms: Vec::new(),
            memory_words: 1000,
        }
    }

    /// An entity and its spellings (name first), with this threshold and `exact` flag.
    pub(crate) fn entity_with(mut self, spellings: &[&'static str], threshold: f64, exact: bool) -> Self {
        for &spelling in spellings {
            self.spellings.push(Spelled {
                entity: self.entities,
                spelling,
                threshold,
                exact,
            });
        }
        self.entities += 1;
        self
    }

    pub(crate) fn entity(self, spellings: &[&'static str]) -> Self {
        self.entity_with(spellings, DEFAULT_THRESHOLD, false)
    }

    pub(crate) fn actor(self, name: &'static str) -> Self {
        self.entity(&[name])
    }

    pub(crate) fn region(self, name: &'static str) -> Self {
        self.entity(&[name])
    }

    pub(crate) fn exact_actor(self, name: &'static str) -> Self {
        self.entity_with(&[name], DEFAULT_THRESHOLD, true)
    }

    pub(crate) fn common(mut self, words: &[&str]) -> Self {
        self.common = words.iter().map(|w| w.to_string()).collect();
        self
    }

    pub(crate) fn everyday(mut self, words: &[&str]) -> Self {
        self.everyday = words.iter().map(|w| w.to_string()).collect();
        self
    }

    /// A term (or idiom) of these words' forms, `*` for a gap.
    fn phrase(slots: &[&[&str]]) -> PhraseSlots {
        slots
            .iter()
            .map(|forms| match forms {
                ["*"] => None,
                _ => Some(forms.iter().map(|f| f.to_string()).collect()),
            })
            .collect()
    }

    pub(crate) fn term(mut self, slots: &[&[&str]]) -> Self {
        self.terms.push(Self::phrase(slots));
        self
    }

    pub(crate) fn idiom(mut self, slots: &[&[&str]]) -> Self {
        self.idioms.push(Self::phrase(slots));
        self
    }

    pub(crate) fn memory_words(mut self, n: usize) -> Self {
        self.memory_words = n;
        self
    }

    /// The aliases as Python compiles them (`aliases.make_alias`, `fuzzy.anchors_of`), and
    /// the spelling of each.
    fn compiled(&self) -> (Vec<CompiledAlias>, Vec<&'static str>) {
        let pairs = spelling_tables().0;
        let common = |w: &String| self.common.contains(w);
        let mut aliases = Vec::new();
        let mut spellings = Vec::new();
        let mut seen: Vec<(usize, Vec<String>)> = Vec::new();
        for s in &self.spellings {
            let ws = words(s.spelling);
            if ws.is_empty() || seen.contains(&(s.entity, ws.clone())) {
                continue;
            }
            seen.push((s.entity, ws.clone()));
            let keys: Vec<String> = ws.iter().map(|w| key(w, &pairs)).collect();
            let letters: Vec<char> = s.spelling.chars().filter(|c| c.is_alphabetic()).collect();
            let acronym = letters.len() <= 5 && letters.iter().all(|c| c.is_uppercase());
            let joined: String = keys.concat();
            let plain: String = ws.concat();
            // a four-letter key from a long vowel or a final -ah/-eh/-é meets its equals
            let spelled: Vec<char> = s.spelling.chars().collect();
            let final_e_acute = spelled.iter().enumerate().any(|(i, &c)| {
                matches!(c, 'é' | 'É') && !spelled.get(i + 1).is_some_and(|n| n.is_alphabetic())
            });
            let shortened = final_e_acute
                || ws.iter().any(|w| {
                    let cs: Vec<char> = w.chars().collect();
                    let doubled = cs.windows(2).any(|p| p[0] == p[1] && is_vowel(p[0]));
                    let n = cs.len();
                    doubled || (n >= 2 && cs[n - 1] == 'h' && is_vowel(cs[n - 2]))
                });
            let key_chars = joined.chars().count();
            let strict = s.exact
                || acronym
                || ws.iter().all(common)
                || plain.chars().count() < 5
                || key_chars < 4
                || (key_chars < 5 && !shortened);
            let proper = letters.iter().any(|c| c.is_uppercase());
            let key_bones: String = keys.iter().map(|k| skeleton(k)).collect();
            let plain_bones: String = ws.iter().map(|w| skeleton(w)).collect();
            let flags = (strict, acronym, proper, ws.len() == 1);
            let texts = (joined, plain, key_bones, plain_bones);
            aliases.push((s.entity, ws, keys, flags, s.threshold, texts, -1));
            spellings.push(s.spelling);
        }
        // fuzzy.anchors_of: the rarest usable word (then the longest, then the first)
        let mut frequency: HashMap<String, usize> = HashMap::new();
        for a in aliases.iter().filter(|a| !a.3 .0) {
            let mut keys = a.2.clone();
            keys.sort();
            keys.dedup();
            for k in keys {
                *frequency.entry(k).or_default() += 1;
            }
        }
        for a in aliases
            .iter_mut()
            .filter(|a| !a.3 .0 && a.5 .0.chars().count() >= 5)
        {
            let usable =
                a.1.iter()
                    .zip(&a.2)
                    .enumerate()
                    .filter(|(_, (w, k))| k.chars().count() >= 4 && !common(w))
                    .map(|(pos, (_, k))| (frequency[k], -(k.chars().count() as i64), pos));
            a.6 = usable.min().map_or(-1, |(_, _, pos)| pos as i64);
        }
        (aliases, spellings)
    }

    /// The pass `Core` would run, and the spelling of each alias id.
    pub(crate) fn build(&self) -> (Pass, Vec<&'static str>) {
        let (aliases, spellings) = self.compiled();
        let index = build_index(
            aliases,
            self.common.clone(),
            self.everyday.clone(),
            self.terms.clone(),
            self.idioms.clone(),
            fold_entries(),
            spelling_tables(),
        );
        (Pass::new(index, self.memory_words), spellings)
    }
}

/// An entity match as the tests read it: original span, alias spelling, score.
pub(crate) type Entity = (usize, usize, &'static str, f64);

/// The entity matches `Core.scan_text` finds in `text`, in text order.
pub(crate) fn entities(watch: &Watch, text: &str) -> Vec<Entity> {
    let (pass, spellings) = watch.build();
    let found: Found = pass.scan_text(text).expect("in the test fold table");
    named(found, &spellings)
}

pub(crate) fn named(found: Found, spellings: &[&'static str]) -> Vec<Entity> {
    let mut out: Vec<Entity> = found
        .0
        .into_iter()
        .map(|(s, e, alias, score)| (s, e, spellings[alias as usize], score))
        .collect();
    out.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    out
}

/// No entity match.
pub(crate) const NONE: [Entity; 0] = [];
