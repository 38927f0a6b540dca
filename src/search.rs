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
    let mut stream = BigramTokenStream::new(text);
    let mut tokens = Vec::new();
    while stream.advance() {
        tokens.push(stream.token.clone());
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

/// The token stream of [`BigramTokenizer`]: tokens are cut as they are asked for, each
/// written into the one token's text. Highlighting runs the analyzer over every hit's
/// answer, where a `String` per token and a vector of the text's characters made the
/// analyzer 13 % of a search's work (BENCHMARKS.md, change 37).
pub struct BigramTokenStream<'a> {
    text: &'a str,
    rest: std::iter::Peekable<std::str::CharIndices<'a>>,
    /// The last character read of the Hangul/CJK run being cut, to pair with the next.
    run: Option<(usize, char)>,
    /// Whether that run has made a pair yet: a run of one character is a token itself.
    paired: bool,
    /// Tokens made so far: the next one's position.
    made: usize,
    token: Token,
}

impl<'a> BigramTokenStream<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            rest: text.char_indices().peekable(),
            run: None,
            paired: false,
            made: 0,
            token: Token::default(),
        }
    }

    /// Makes the text now in the token the next token, over `text[from..to]`.
    fn emit(&mut self, from: usize, to: usize) -> bool {
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.made;
        self.token.position_length = 1;
        self.made += 1;
        true
    }

    /// Cuts the pair that continues the current run, or the run's lone character where it
    /// ends without one; `false` when the run ended with no token.
    fn next_in_run(&mut self, from: usize, first: char) -> bool {
        let next = self.rest.peek().copied();
        match next {
            Some((at, second)) if script(second) == Script::Cjk => {
                self.rest.next();
                self.run = Some((at, second));
                self.paired = true;
                self.token.text.clear();
                self.token.text.push(first);
                self.token.text.push(second);
                self.emit(from, at + second.len_utf8())
            }
            _ => {
                self.run = None;
                if self.paired {
                    return false;
                }
                self.token.text.clear();
                self.token.text.push(first);
                self.emit(from, from + first.len_utf8())
            }
        }
    }

    /// Cuts the word starting with `first` at `from`, lowercased; `false` when it is too
    /// long to be a token.
    fn word(&mut self, from: usize, first: char) -> bool {
        let mut to = from + first.len_utf8();
        while let Some(&(at, c)) = self.rest.peek() {
            if script(c) != Script::Word {
                break;
            }
            self.rest.next();
            to = at + c.len_utf8();
        }
        let word = &self.text[from..to];
        self.token.text.clear();
        if word.is_ascii() {
            self.token.text.push_str(word);
            self.token.text.make_ascii_lowercase();
        } else {
            // Whole-word rules (a final sigma) apply, as for every other lowercasing here.
            self.token.text.push_str(&word.to_lowercase());
        }
        self.token.text.len() <= MAX_WORD_BYTES && self.emit(from, to)
    }
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = BigramTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BigramTokenStream<'a> {
        BigramTokenStream::new(text)
    }
}

impl TokenStream for BigramTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some((from, first)) = self.run {
                if self.next_in_run(from, first) {
                    return true;
                }
                continue;
            }
            let Some((from, c)) = self.rest.next() else {
                return false;
            };
            match script(c) {
                Script::Cjk => {
                    self.run = Some((from, c));
                    self.paired = false;
                }
                Script::Word => {
                    if self.word(from, c) {
                        return true;
                    }
                }
                Script::Separator => {}
            }
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
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
    fn runs_of_one_syllable_at_either_end_and_other_alphabets_are_tokens() {
        assert_eq!(texts("꼭 ÄRGER 환"), ["꼭", "ärger", "환"]);
        assert_eq!(texts("환불Ω"), ["환불", "ω"]);
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
