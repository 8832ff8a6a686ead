//! Words and their transliteration keys: mirrors `processors/matching/normalise.py`.
//!
//! After folding (`folding.rs`): French elisions (l', qu'…) and dashed Arabic articles (al-,
//! ash-…) are blanked, apostrophes and dashes become spaces but for the transliteration marks
//! of an ʿayn or a hamza inside a capitalised word (Dar'a), which the word closes up over (the
//! engine leaves them out of its words), and the standalone article words
//! (Front al Nosra) are left out (`normalised_text`); each word then has a transliteration key
//! (`key`) and a skeleton without inner vowels (`skeleton`). The dropped article written before
//! a match is found back in the original text (`with_article`). The tables (`KEY_PAIRS`,
//! `ELIDED`, `ARTICLES`, `ARTICLE_WORDS`, `CLITICS`) come from Python (`native.spelling()`), so they live
//! in one place.

use crate::folding::FoldTable;

pub(crate) fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

pub(crate) fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// A folded text's word characters: folding leaves letters, digits, spaces, `'` and `-` only.
fn is_word_char(c: char) -> bool {
    !matches!(c, ' ' | '\'' | '-')
}

/// Transliteration key of one normalised word (`normalise.key`).
pub(crate) fn key(word: &str, pairs: &[(String, String)]) -> String {
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
pub(crate) fn skeleton(k: &str) -> String {
    let mut out = String::with_capacity(k.len());
    for (i, c) in k.chars().enumerate() {
        if i == 0 || !is_vowel(c) {
            out.push(c);
        }
    }
    out
}

/// Alternatives longest first, as the regular expressions of `normalise.py` try them.
pub(crate) fn alternatives(spec: &[String]) -> Vec<Vec<char>> {
    let mut out: Vec<Vec<char>> = spec.iter().map(|a| chars(a)).collect();
    out.sort_by_key(|a| std::cmp::Reverse(a.len()));
    out
}

/// The spelling rules of `normalise.py`, given by Python so they live in one place.
pub(crate) struct Spelling {
    /// transliteration pairs, applied in order (`normalise.KEY_PAIRS`)
    pub(crate) key_pairs: Vec<(String, String)>,
    /// elided words, longest first (`normalise.ELIDED`)
    pub(crate) elided: Vec<Vec<char>>,
    /// Arabic articles, longest first (`normalise.ARTICLES`)
    pub(crate) articles: Vec<Vec<char>>,
    /// article words dropped even without a dash (`normalise.ARTICLE_WORDS`)
    pub(crate) article_words: Vec<Vec<char>>,
    /// English clitics after an apostrophe, which then ends a word (`normalise.CLITICS`)
    pub(crate) clitics: Vec<Vec<char>>,
}

impl Spelling {
    pub(crate) fn new(
        key_pairs: Vec<(String, String)>,
        elided: &[String],
        articles: &[String],
        article_words: &[String],
        clitics: &[String],
    ) -> Self {
        Spelling {
            key_pairs,
            elided: alternatives(elided),
            articles: alternatives(articles),
            article_words: article_words.iter().map(|w| chars(w)).collect(),
            clitics: clitics.iter().map(|w| chars(w)).collect(),
        }
    }

    /// Blank elisions (l', qu'…) and dashed articles (al-, ash-…) (`normalised_text`), then turn
    /// apostrophes and dashes into spaces, but for the apostrophes that are transliteration
    /// marks (`normalise._marks`: Dar'a), which stay inside their word. Only the lowercased copy
    /// is changed: it alone says where words are; the cased copy (same length) is read at the
    /// same places for capitals.
    pub(crate) fn blank_dropped(&self, lower: &mut [char], cased: &[char]) {
        let n = lower.len();
        let mut blanks: Vec<(usize, usize)> = Vec::new();
        for p in 0..n {
            let alts = match lower[p] {
                '\'' => &self.elided,
                '-' => &self.articles,
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
        let kept = self.marks(lower, cased);
        for (c, keep) in lower.iter_mut().zip(kept) {
            if (*c == '\'' && !keep) || *c == '-' {
                *c = ' ';
            }
        }
    }

    /// Which apostrophes are transliteration marks: between word characters, in a word whose
    /// first character is a capital, and not before an English clitic (Assad's, Don't).
    fn marks(&self, lower: &[char], cased: &[char]) -> Vec<bool> {
        let n = lower.len();
        let mut kept = vec![false; n];
        let mut p = 0;
        while p < n {
            if !is_word_char(lower[p]) {
                p += 1;
                continue;
            }
            // a run of word characters joined by single apostrophes, piece by piece
            let mut capital = cased.get(p).is_some_and(|c| c.is_uppercase());
            while p < n && is_word_char(lower[p]) {
                p += 1;
            }
            while p + 1 < n && lower[p] == '\'' && is_word_char(lower[p + 1]) {
                let start = p + 1;
                let mut end = start;
                while end < n && is_word_char(lower[end]) {
                    end += 1;
                }
                let piece = &lower[start..end];
                if capital && !self.clitics.iter().any(|c| c[..] == *piece) {
                    kept[p] = true;
                } else {
                    capital = cased.get(start).is_some_and(|c| c.is_uppercase());
                }
                p = end;
            }
        }
        kept
    }

    /// Where the words of a blanked, lowercased text are: runs of non-spaces, without the
    /// standalone article words (Front al Nosra), as `(start, end)` character indexes.
    pub(crate) fn words(&self, lower: &[char]) -> Vec<(usize, usize)> {
        let mut bounds: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        let n = lower.len();
        while i < n {
            if lower[i] == ' ' {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && lower[i] != ' ' {
                i += 1;
            }
            // compared without its transliteration marks, as Python closes the word up over them
            let w = lower[start..i].iter().copied().filter(|&c| c != '\'');
            if self.article_words.iter().any(|a| a.iter().copied().eq(w.clone())) {
                continue;
            }
            bounds.push((start, i));
        }
        bounds
    }

    /// How many characters of the original `text` before `start` are a dropped article
    /// (`normalise.with_article`): in the five characters before it, an article and a dash, or
    /// an article word and a space, not preceded by a letter or digit.
    pub(crate) fn article_before(&self, fold: &FoldTable, text: &[char], start: usize) -> usize {
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
            let bounded = at == 0 || !fold.get(before[at - 1]).is_some_and(|f| f.alnum);
            if letters_match && bounded {
                n
            } else {
                0
            }
        };
        let Some(&last) = before.last() else { return 0 };
        let mut best = 0;
        if fold.get(last).is_some_and(|f| f.hyphen) {
            for article in &self.articles {
                best = best.max(fits(article, 1));
            }
        }
        if last == ' ' {
            for word in &self.article_words {
                best = best.max(fits(word, 1));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fold_table, spelling, words};

    fn k(word: &str) -> String {
        key(word, &spelling().key_pairs)
    }

    #[test]
    fn keys_meet_the_usual_transliterations() {
        // the examples of `normalise.key`, and each pair of `KEY_PAIRS` (values from Python)
        for (word, want) in [
            ("daech", "daesh"),
            ("konachenkov", "konashenkov"),
            ("poutine", "putin"),
            ("moscow", "moscu"),
            ("hassake", "hasak"),
            ("hasakah", "hasak"),
            ("idleb", "idleb"),
            ("schmidt", "shmidt"),
            ("djihad", "jihad"),
            ("khan", "han"),
            ("ghouta", "guta"),
            ("phosphore", "fosfor"),
            ("thabet", "tabet"),
            ("quneitra", "kneitr"),
            ("qatar", "katar"),
            ("raqqa", "raka"),
            ("rakka", "raka"),
            ("syria", "siria"),
            ("kowloon", "kulon"),
            ("ouagadougou", "uagadugu"),
            ("lattaquie", "lataki"),
            ("latakia", "lataki"),
            ("deraa", "dara"),
            ("daraa", "dara"),
            ("jerablus", "jerablus"), // e before a single a stays
        ] {
            assert_eq!(k(word), want, "key({word:?})");
        }
    }

    #[test]
    fn keys_of_empty_and_short_words() {
        assert_eq!(k(""), "");
        for one in ["a", "e", "h", "q", "w", "y"] {
            let want = match one {
                "q" => "k",
                "w" => "u",
                "y" => "i",
                _ => one,
            };
            assert_eq!(k(one), want);
        }
        assert_eq!(k("zzz"), "z");
        assert_eq!(k("eeeee"), "e");
        assert_eq!(k("aah"), "ah");
    }

    #[test]
    fn key_endings_are_cut_only_past_their_lengths() {
        // a final e goes from five letters, a final a from six, an h after a vowel from five
        assert_eq!(k("abce"), "abce");
        assert_eq!(k("abcde"), "abcd");
        assert_eq!(k("abcea"), "abcea");
        assert_eq!(k("abcdea"), "abcd"); // a, then e on the next round
        assert_eq!(k("hamah"), "hama"); // h cut, then four letters: the a stays
        assert_eq!(k("bahah"), "baha");
        assert_eq!(k("baah"), "bah"); // doubled letters first: four letters, the h stays
        assert_eq!(k("allah"), "alah");
        assert_eq!(k("jableh"), "jabl");
        assert_eq!(k("jabla"), "jabla");
    }

    #[test]
    fn keys_are_a_fixed_point() {
        for word in [
            "daech",
            "hasakah",
            "abcdea",
            "ouagadougou",
            "qquu",
            "wou",
            "schch",
        ] {
            let once = k(word);
            assert_eq!(k(&once), once, "key(key({word:?}))");
        }
    }

    #[test]
    fn skeletons_keep_the_first_letter_and_the_consonants() {
        for (word, want) in [
            ("", ""),
            ("a", "a"),
            ("ae", "a"),
            ("aei", "a"),
            ("idleb", "idlb"),
            ("idlib", "idlb"),
            ("bab", "bb"),
            ("xaaay", "xy"),
            ("konashenkov", "knshnkv"),
        ] {
            assert_eq!(skeleton(word), want, "skeleton({word:?})");
        }
    }

    #[test]
    fn alternatives_are_tried_longest_first() {
        let spec: Vec<String> = ["l", "qu", "jusqu", "d"].iter().map(|s| s.to_string()).collect();
        let alts: Vec<String> = alternatives(&spec).iter().map(|a| a.iter().collect()).collect();
        assert_eq!(alts, ["jusqu", "qu", "l", "d"]);
    }

    #[test]
    fn elisions_are_dropped_before_a_word() {
        // values from `normalise.normalised_text`
        for (text, want) in [
            ("l'etat", &["etat"][..]),
            ("L’État", &["etat"]),
            ("qu'il", &["il"]),
            ("jusqu'a", &["a"]),
            ("lorsqu'il", &["il"]),
            ("l'2", &["2"]),
            ("aujourd'hui", &["aujourd", "hui"]), // not at a word's start
            ("l'", &["l"]),                       // nothing after it
            ("l''etat", &["l", "etat"]),          // an apostrophe after it
            ("'l", &["l"]),
            ("qu'al", &[]),
        ] {
            assert_eq!(words(text), want, "{text:?}");
        }
    }

    #[test]
    fn an_apostrophe_inside_a_capitalised_word_is_a_transliteration_mark() {
        // values from `normalise.words`
        for (text, want) in [
            ("Dar'a", &["dara"][..]),
            ("Ma'arrat al-Nu'man", &["maarrat", "numan"]),
            (
                "Sana’a, Ba'ath, Shi'a, Qal'at",
                &["sanaa", "baath", "shia", "qalat"],
            ),
            ("DAR'A", &["dara"]),
            ("dar'a", &["dar", "a"]),    // not capitalised
            ("xDar'a", &["xdar", "a"]),  // the word starts lower case
            ("x'Dar'a", &["x", "dara"]), // a new word after a broken one
            ("l'Dar'a", &["dara"]),      // the elision first
            ("Dar'a's", &["dara", "s"]), // an English clitic ends the word
            ("Assad's", &["assad", "s"]),
            (
                "Don't, I'd, You're, We've, It'll, I'm",
                &[
                    "don", "t", "i", "d", "you", "re", "we", "ve", "it", "ll", "i", "m",
                ],
            ),
            ("O'Brien", &["obrien"]),
            ("Aujourd'hui aujourd'hui", &["aujourdhui", "aujourd", "hui"]),
            ("d'Alep, qu'Idleb", &["alep", "idleb"]),
            ("Dar''a", &["dar", "a"]),
            ("Dar'-a", &["dar", "a"]),
            ("Dar'", &["dar"]),
            ("A'l Nosra", &["nosra"]), // the article word, once closed up
        ] {
            assert_eq!(words(text), want, "{text:?}");
        }
    }

    #[test]
    fn arabic_articles_are_dropped_before_a_word_or_as_a_word() {
        for (text, want) in [
            ("al-qaida", &["qaida"][..]),
            ("AL-Qaïda", &["qaida"]),
            ("al–Qaïda", &["qaida"]), // an en dash
            ("ash-sham", &["sham"]),
            ("ul-haq", &["haq"]),
            ("adh-dhahab", &["adh", "dhahab"]), // dh, but inside a word
            ("Front al Nosra", &["front", "nosra"]),
            ("deir ez-zor", &["deir", "zor"]),
            ("deir ez zor", &["deir", "zor"]),
            ("d'al-qaida", &["qaida"]),
            ("al-l'etat", &["etat"]),
            ("el-al", &[]),
            ("Al-", &[]),
            ("-al", &[]),
            ("al", &[]),
            ("ala", &["ala"]),
            ("", &[]),
            ("   ", &[]),
        ] {
            assert_eq!(words(text), want, "{text:?}");
        }
    }

    #[test]
    fn the_article_written_before_a_match_is_found_in_the_original() {
        let (fold, spelling) = (fold_table(), spelling());
        // (text, match start, start with its article), from `normalise.with_article`
        for (text, start, want) in [
            ("Al-Qaida", 3, 0),
            ("AL–Qaida", 3, 0),
            ("ash-Sham", 4, 0),
            ("l’ash-Sham", 6, 2),
            ("de al-Qaida", 6, 3),
            ("é al-Q", 5, 2),
            ("Front al Nosra", 9, 6),
            ("esh x", 4, 0),
            ("Ez x", 3, 0),
            ("xal-Qaida", 4, 4), // a letter before the article
            ("xash-Sham", 5, 5), // the fifth character back bounds a three-letter article
            ("éal-Q", 4, 4),
            ("1al-Qaida", 4, 4),
            ("al -Q", 4, 4),
            ("al  Q", 4, 4),
            ("Idlib", 0, 0),
            ("-Q", 1, 1),
            ("al-", 0, 0),
        ] {
            let text_c = chars(text);
            let got = start - spelling.article_before(&fold, &text_c, start);
            assert_eq!(got, want, "with_article({text:?}, {start})");
        }
    }
}
