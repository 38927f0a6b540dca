//! Text analysis for search in Korean and English.
//!
//! Korean has no spaces between a noun and its particle (배송이, 배송지연), so whole words
//! make poor index terms, and a dictionary analyzer (lindera's ko-dic) needs a download at
//! build time. Overlapping character bigrams need neither: 배송지연 is indexed as 배송, 송지,
//! 지연, so the query 배송 finds it. A Hangul/CJK run of one syllable is kept as it is. Latin
//! letters and digits form lowercase words.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the analyzer is registered under in an index.
pub const ANALYZER: &str = "ko_bigram";

/// Words longer than this (in bytes) are dropped: they are noise (hashes, base64) and
/// would bloat the term dictionary.
const MAX_WORD_BYTES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    /// Hangul, kana and CJK ideographs: analyzed as bigrams.
    Cjk,
    /// Latin and other alphabets, digits: analyzed as words.
    Word,
    /// Spaces and punctuation: separators.
    Separator,
}

fn script(c: char) -> Script {
    match c {
        '\u{1100}'..='\u{11FF}'      // Hangul Jamo
        | '\u{3040}'..='\u{30FF}'    // Hiragana, Katakana
        | '\u{3130}'..='\u{318F}'    // Hangul compatibility Jamo
        | '\u{3400}'..='\u{4DBF}'    // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'    // CJK unified ideographs
        | '\u{A960}'..='\u{A97F}'    // Hangul Jamo extended A
        | '\u{AC00}'..='\u{D7AF}'    // Hangul syllables
        | '\u{D7B0}'..='\u{D7FF}'    // Hangul Jamo extended B
        | '\u{F900}'..='\u{FAFF}' => Script::Cjk, // CJK compatibility ideographs
        c if c.is_alphanumeric() => Script::Word,
        _ => Script::Separator,
    }
}

/// The tokens of `text`, with byte offsets into it (for highlighting) and positions.
pub fn analyze(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut push = |text: String, from: usize, to: usize| {
        tokens.push(Token {
            offset_from: from,
            offset_to: to,
            position: tokens.len(),
            text,
            position_length: 1,
        });
    };
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(offset, _)| offset);
    let mut start = 0;
    while start < chars.len() {
        let kind = script(chars[start].1);
        let mut end = start + 1;
        while end < chars.len() && script(chars[end].1) == kind {
            end += 1;
        }
        match kind {
            Script::Cjk if end - start == 1 => {
                push(chars[start].1.to_string(), chars[start].0, end_of(end));
            }
            Script::Cjk => {
                for i in start..end - 1 {
                    let pair: String = [chars[i].1, chars[i + 1].1].into_iter().collect();
                    push(pair, chars[i].0, end_of(i + 2));
                }
            }
            Script::Word => {
                let (from, to) = (chars[start].0, end_of(end));
                let word = text[from..to].to_lowercase();
                if word.len() <= MAX_WORD_BYTES {
                    push(word, from, to);
                }
            }
            Script::Separator => {}
        }
        start = end;
    }
    tokens
}

/// The distinct terms of `text`, in order of first appearance.
pub fn terms(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    analyze(text)
        .into_iter()
        .map(|token| token.text)
        .filter(|term| seen.insert(term.clone()))
        .collect()
}

/// Most words a search is split into (a longer query is cut, not refused).
const MAX_WORDS: usize = 8;

/// The words of a query: runs of letters and digits of any script, lowercased, without
/// duplicates, at most `MAX_WORDS`. Database searches match each word as a substring, which
/// for Hangul is what bigram matching gives the index.
pub fn words(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    text.split(|c: char| script(c) == Script::Separator)
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| word.len() <= MAX_WORD_BYTES && seen.insert(word.clone()))
        .take(MAX_WORDS)
        .collect()
}

/// [`analyze`] as a tantivy tokenizer.
#[derive(Debug, Clone, Default)]
pub struct BigramTokenizer;

/// The token stream of [`BigramTokenizer`].
pub struct BigramTokenStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = BigramTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BigramTokenStream {
        BigramTokenStream {
            tokens: analyze(text).into_iter(),
            current: Token::default(),
        }
    }
}

impl TokenStream for BigramTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        analyze(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn hangul_runs_become_overlapping_bigrams() {
        assert_eq!(texts("배송지연"), ["배송", "송지", "지연"]);
        assert_eq!(texts("배송이 늦어요"), ["배송", "송이", "늦어", "어요"]);
    }

    #[test]
    fn a_one_syllable_run_is_kept_whole() {
        assert_eq!(texts("꼭 환불"), ["꼭", "환불"]);
    }

    #[test]
    fn latin_words_are_lowercased_and_split_from_hangul() {
        assert_eq!(
            texts("Payment FAILED: 카드결제 VISA4242"),
            ["payment", "failed", "카드", "드결", "결제", "visa4242"]
        );
    }

    #[test]
    fn offsets_point_at_the_source_text() {
        let text = "My 환불금";
        for token in analyze(text) {
            let source = &text[token.offset_from..token.offset_to];
            assert_eq!(source.to_lowercase(), token.text);
        }
        let positions: Vec<usize> = analyze(text).iter().map(|t| t.position).collect();
        assert_eq!(positions, [0, 1, 2]);
    }

    #[test]
    fn punctuation_and_overlong_words_make_no_terms() {
        assert!(texts(" ... !!! ").is_empty());
        assert!(texts(&"a".repeat(100)).is_empty());
    }

    #[test]
    fn queries_split_into_lowercase_words() {
        assert_eq!(
            words("배송 지연, Late  PARCEL!"),
            ["배송", "지연", "late", "parcel"]
        );
        assert_eq!(words("a b c d e f g h i j").len(), MAX_WORDS);
        assert!(words(" %_ ").is_empty());
    }

    #[test]
    fn terms_are_distinct() {
        assert_eq!(terms("배송 배송 shipping Shipping"), ["배송", "shipping"]);
    }
}
