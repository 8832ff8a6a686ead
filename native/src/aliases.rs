//! Compiled aliases and the exact pass: mirrors `processors/matching/aliases.py`.
//!
//! Python compiles every watchlist spelling (`aliases.make_alias`) and hands it over as a
//! [`CompiledAlias`]. The exact pass finds the aliases whose key sequence is the text's
//! (`aliases.ExactIndex`): here a trie of key ids, walked from each text word, instead of an
//! Aho-Corasick scan of a key line; a hit is the alias's own spelling ([`EXACT_SCORE`]) or,
//! for a non-strict alias and words that are not all everyday, a transliteration of it
//! ([`KEY_SCORE`]).

use crate::engine::Text;
use crate::normalise::chars;
use rustc_hash::FxHashMap;

/// Score of the listed spelling itself (`aliases.EXACT_SCORE`).
pub(crate) const EXACT_SCORE: f64 = 100.0;
/// Score of a spelling equal to an alias once transliterated (`aliases.KEY_SCORE`).
pub(crate) const KEY_SCORE: f64 = 95.0;
/// Aliases whose key is shorter than this match their exact spelling only; windows of text
/// shorter than this are never fuzzy matches (`aliases.MIN_VARIANT_CHARS`).
pub(crate) const MIN_VARIANT_CHARS: usize = 5;

/// What Python compiled for one alias: `(entity, words, keys, (strict, acronym, proper,
/// one_word), threshold, (joined, plain, key_bones, plain_bones), anchor)` (anchor -1 for none).
pub(crate) type CompiledAlias = (
    usize,
    Vec<String>,
    Vec<String>,
    (bool, bool, bool, bool),
    f64,
    (String, String, String, String),
    i64,
);

/// One watchlist spelling, ready to match (`aliases.Alias`).
pub(crate) struct Alias {
    pub(crate) entity: usize,
    pub(crate) words: Vec<String>,
    pub(crate) strict: bool,
    pub(crate) acronym: bool,
    pub(crate) proper: bool,
    pub(crate) one_word: bool,
    pub(crate) threshold: f64,
    pub(crate) joined: String,
    pub(crate) joined_c: Vec<char>,
    pub(crate) plain_c: Vec<char>,
    pub(crate) key_bones_c: Vec<char>,
    pub(crate) plain_bones_c: Vec<char>,
    pub(crate) n_keys: usize,
}

impl Alias {
    pub(crate) fn new(
        entity: usize,
        words: Vec<String>,
        n_keys: usize,
        (strict, acronym, proper, one_word): (bool, bool, bool, bool),
        threshold: f64,
        (joined, plain, key_bones, plain_bones): (String, String, String, String),
    ) -> Self {
        Alias {
            entity,
            n_keys,
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
        }
    }

    /// Bytes this alias holds (for `Core.index_bytes`).
    pub(crate) fn heap_bytes(&self) -> usize {
        let string = |s: &String| s.capacity() + std::mem::size_of::<String>();
        let chars = |v: &Vec<char>| v.capacity() * 4 + std::mem::size_of::<Vec<char>>();
        std::mem::size_of::<Alias>()
            + self.words.iter().map(string).sum::<usize>()
            + self.joined.capacity()
            + [
                &self.joined_c,
                &self.plain_c,
                &self.key_bones_c,
                &self.plain_bones_c,
            ]
            .into_iter()
            .map(chars)
            .sum::<usize>()
    }
}

/// A possible match before overlaps are resolved: words `start..end` of the text
/// (`aliases.Candidate`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Candidate {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) alias: u32,
    pub(crate) score: f64,
}

/// Aliases by key sequence: a trie whose edges are key ids (`aliases.ExactIndex`).
pub(crate) struct ExactIndex {
    /// every key of every alias → its id
    key_ids: FxHashMap<String, u32>,
    /// (node, key id) → child node; node 0 is the root
    trie: FxHashMap<(u32, u32), u32>,
    /// per node, the aliases whose keys end there
    node_aliases: Vec<Vec<u32>>,
}

impl ExactIndex {
    pub(crate) fn new() -> Self {
        ExactIndex {
            key_ids: FxHashMap::default(),
            trie: FxHashMap::default(),
            node_aliases: vec![Vec::new()],
        }
    }

    /// Files alias `alias` under its key sequence.
    pub(crate) fn insert(&mut self, keys: &[String], alias: u32) {
        let mut node = 0u32;
        for k in keys {
            let next_id = self.key_ids.len() as u32;
            let id = *self.key_ids.entry(k.clone()).or_insert(next_id);
            let next_node = self.node_aliases.len() as u32;
            let node_aliases = &mut self.node_aliases;
            node = *self.trie.entry((node, id)).or_insert_with(|| {
                node_aliases.push(Vec::new());
                next_node
            });
        }
        self.node_aliases[node as usize].push(alias);
    }

    /// The id of a key some alias has, if one has it.
    pub(crate) fn key_id(&self, k: &str) -> Option<u32> {
        self.key_ids.get(k).copied()
    }

    /// The exact pass: aliases whose key sequence is the text's, then their own spelling or a
    /// variant (`ExactIndex.find`).
    pub(crate) fn find(&self, aliases: &[Alias], text: &Text) -> Vec<Candidate> {
        let mut out = Vec::new();
        let n = text.words.len();
        for first in 0..n {
            let Some(k) = text.info[first].key_id else {
                continue;
            };
            let mut node = match self.trie.get(&(0, k)) {
                Some(&node) => node,
                None => continue,
            };
            let mut last = first + 1;
            loop {
                for &i in &self.node_aliases[node as usize] {
                    let alias = &aliases[i as usize];
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
                match self.trie.get(&(node, k)) {
                    Some(&next) => node = next,
                    None => break,
                }
                last += 1;
            }
        }
        out
    }

    /// Bytes the key ids and the trie hold (for `Core.index_bytes`).
    pub(crate) fn heap_bytes(&self) -> (usize, usize) {
        let string = |s: &String| s.capacity() + std::mem::size_of::<String>();
        let keys: usize = self.key_ids.keys().map(string).sum::<usize>() + self.key_ids.capacity() * 5;
        let trie = self.trie.capacity() * 13
            + self
                .node_aliases
                .iter()
                .map(|v| v.capacity() * 4 + 24)
                .sum::<usize>();
        (keys, trie)
    }
}

/// Words that may not be a transliteration of a name: common words, or one everyday word
/// (`aliases._everyday`).
pub(crate) fn is_everyday(text: &Text, start: usize, end: usize) -> bool {
    let infos = &text.info[start..end];
    infos.iter().all(|i| i.common) || (end - start == 1 && infos[0].everyday)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{entities, Watch, NONE};

    #[test]
    fn the_trie_shares_prefixes_and_files_aliases_at_their_last_key() {
        let mut index = ExactIndex::new();
        let keys = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        index.insert(&keys(&["deir", "zor"]), 0);
        index.insert(&keys(&["deir"]), 1);
        index.insert(&keys(&["deir", "zor"]), 2);
        index.insert(&keys(&["zor", "deir"]), 3);
        assert_eq!(index.node_aliases, [vec![], vec![1], vec![0, 2], vec![], vec![3]]);
        assert_eq!(index.key_id("deir"), Some(0));
        assert_eq!(index.key_id("zor"), Some(1));
        assert_eq!(index.key_id("dei"), None);
        assert_eq!(index.key_id(""), None);
    }

    #[test]
    fn own_spelling_scores_exact_and_a_transliteration_key_score() {
        let watch = Watch::new().actor("Daesh").actor("Bachar al-Assad");
        assert_eq!(entities(&watch, "Daesh claims"), [(0, 5, "Daesh", EXACT_SCORE)]);
        assert_eq!(entities(&watch, "Daech revendique"), [(0, 5, "Daesh", KEY_SCORE)]);
        // words and keys: accents and case aside, it is the spelling
        assert_eq!(entities(&watch, "DAESH"), [(0, 5, "Daesh", EXACT_SCORE)]);
        // the article is no word: Bachar Assad is the spelling; its span takes the article back
        assert_eq!(
            entities(&watch, "Bashar al-Assad"),
            [(0, 15, "Bachar al-Assad", KEY_SCORE)]
        );
        assert_eq!(
            entities(&watch, "bachar el Assad"),
            [(0, 15, "Bachar al-Assad", EXACT_SCORE)]
        );
        // whole key sequences only: a prefix of the alias or one word off is nothing
        assert_eq!(entities(&watch, "Bachar"), NONE);
        assert_eq!(entities(&watch, "Daeshi"), NONE);
    }

    #[test]
    fn strict_aliases_and_everyday_text_words_match_the_spelling_only() {
        let watch = Watch::new().exact_actor("Hamas").region("Homs").actor("Fronte");
        assert_eq!(entities(&watch, "Hamas"), [(0, 5, "Hamas", EXACT_SCORE)]);
        // the same key (hamas), but the alias is `exact: true`
        assert_eq!(entities(&watch, "Hamass"), NONE);
        // Homs: a key of four letters makes a strict alias
        assert_eq!(entities(&watch, "Homs"), [(0, 4, "Homs", EXACT_SCORE)]);
        assert_eq!(entities(&watch, "Hommss"), NONE);
        // the key of Fronte is front's, but text words that are all common are no variant
        assert_eq!(entities(&watch, "Front"), NONE);
        assert_eq!(entities(&watch, "Frontte"), [(0, 7, "Fronte", KEY_SCORE)]);
        // nor is one everyday word, though the listed spelling still matches
        let shares = Watch::new().actor("Shares").actor("Chares").everyday(&["shares"]);
        assert_eq!(entities(&shares, "Shares"), [(0, 6, "Shares", EXACT_SCORE)]);
        assert_eq!(
            entities(&shares, "Chares"),
            [(0, 6, "Chares", EXACT_SCORE), (0, 6, "Shares", KEY_SCORE)]
        );
    }
}
