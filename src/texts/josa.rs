//! Korean postpositions (조사) that depend on the word before them: 주문 20261122-000001**이**,
//! 반품**을**, 전화번호**가**. A template writes `{{ order_number|josa("이/가") }}` instead of the
//! lazy `이(가)`.
//!
//! The choice follows the sound the word ends with: a final consonant (받침) takes the first
//! form, a vowel the second, and `으로/로` takes `로` after ㄹ as well. Digits are read as
//! Sino-Korean numbers (…1 일, …2 이, …10 십), Latin letters by their Korean names (…m 엠,
//! …l 엘), so order numbers, amounts and masked addresses get the right form too.

/// How a word ends, for choosing its postposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// A vowel: 가, 를, 는, 와, 로.
    Vowel,
    /// ㄹ: like a consonant, except `로`.
    Rieul,
    /// Any other final consonant: 이, 을, 은, 과, 으로.
    Consonant,
}

/// `word` followed by the right form of `pair` (`"이/가"`, `"을/를"`, `"은/는"`, `"과/와"`,
/// `"으로/로"`, `"이라/라"`, `"아/야"`: the form after a consonant first). A `pair` without a
/// slash is appended as it is.
pub fn josa(word: &str, pair: &str) -> String {
    let Some((after_consonant, after_vowel)) = pair.split_once('/') else {
        return format!("{word}{pair}");
    };
    let particle = match (ending(word), after_consonant) {
        (Ending::Consonant, _) => after_consonant,
        // ㄹ takes 로, not 으로; every other pair treats it as a consonant.
        (Ending::Rieul, "으로") => after_vowel,
        (Ending::Rieul, _) => after_consonant,
        (Ending::Vowel, _) => after_vowel,
    };
    format!("{word}{particle}")
}

/// How `word` sounds at its end, ignoring closing punctuation (quotes, brackets, dots).
fn ending(word: &str) -> Ending {
    let mut chars = word.chars().rev().skip_while(|c| !c.is_alphanumeric());
    match chars.next() {
        Some(c @ '가'..='힣') => {
            let final_consonant = (u32::from(c) - u32::from('가')) % 28;
            match final_consonant {
                0 => Ending::Vowel,
                8 => Ending::Rieul,
                _ => Ending::Consonant,
            }
        }
        Some('0') => {
            // 영 alone; …10 십, …100 백, …1000 천, …10000 만: all end in a consonant.
            Ending::Consonant
        }
        // 일, 칠, 팔
        Some('1' | '7' | '8') => Ending::Rieul,
        // 삼, 육
        Some('3' | '6') => Ending::Consonant,
        // 이, 사, 오, 구
        Some('2' | '4' | '5' | '9') => Ending::Vowel,
        Some(c) if c.is_ascii_alphabetic() => match c.to_ascii_lowercase() {
            // 엘, 알
            'l' | 'r' => Ending::Rieul,
            // 엠, 엔, and words like "com", "kakao bank" read as written
            'm' | 'n' => Ending::Consonant,
            _ => Ending::Vowel,
        },
        // Nothing readable: the consonant form reads acceptably after a symbol or a name in
        // another script.
        _ => Ending::Consonant,
    }
}

#[cfg(test)]
mod tests {
    use super::josa;

    #[test]
    fn hangul_words_take_the_form_of_their_last_sound() {
        assert_eq!(josa("반품", "을/를"), "반품을");
        assert_eq!(josa("취소", "을/를"), "취소를");
        assert_eq!(josa("전화번호", "이/가"), "전화번호가");
        assert_eq!(josa("이메일 주소", "이/가"), "이메일 주소가");
        assert_eq!(josa("1,234,500원", "이/가"), "1,234,500원이");
        assert_eq!(josa("2026년 11월 30일", "으로/로"), "2026년 11월 30일로");
        assert_eq!(josa("서울", "으로/로"), "서울로");
        assert_eq!(josa("부산", "으로/로"), "부산으로");
        assert_eq!(josa("\"배송 문의\"", "이/가"), "\"배송 문의\"가");
    }

    #[test]
    fn numbers_are_read_as_sino_korean_numerals() {
        assert_eq!(josa("20261122-000001", "이/가"), "20261122-000001이");
        assert_eq!(josa("20261122-000002", "이/가"), "20261122-000002가");
        assert_eq!(josa("20261122-000010", "이/가"), "20261122-000010이");
        assert_eq!(josa("주문 7", "으로/로"), "주문 7로");
        assert_eq!(josa("3", "은/는"), "3은");
        assert_eq!(josa("9", "은/는"), "9는");
    }

    #[test]
    fn latin_letters_are_read_by_their_korean_names() {
        assert_eq!(josa("b***@example.com", "으로/로"), "b***@example.com으로");
        assert_eq!(josa("CJ대한통운", "과/와"), "CJ대한통운과");
        assert_eq!(josa("DHL", "으로/로"), "DHL로");
        assert_eq!(josa("FedEx", "이/가"), "FedEx가");
        assert_eq!(josa("010-****-5678", "으로/로"), "010-****-5678로");
    }

    #[test]
    fn a_pair_without_a_slash_is_appended_as_it_is() {
        assert_eq!(josa("주문", "의"), "주문의");
    }
}
