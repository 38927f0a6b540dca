//! Input normalisation and checks for account fields.

use crate::error::ApiError;

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Trims and lowercases an email and checks its shape.
///
/// Only ASCII addresses are accepted: Unicode look-alikes (`а` Cyrillic for `a`) would let two
/// accounts look the same to people; internationalised domains must be given in punycode.
pub fn normalize_email(field: &'static str, raw: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::validation(field, "Enter a valid email address.");
    let email = raw.trim().to_ascii_lowercase();
    if email.is_empty() || email.len() > 254 || has_control(&email) || !email.is_ascii() {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return Err(invalid());
    }
    let local_ok = local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !local_ok || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

/// A display name: trimmed, 1..=100 characters, no control characters.
pub fn normalize_name(field: &'static str, raw: &str, max: usize) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(ApiError::validation(field, "This field is required."));
    }
    if name.chars().count() > max {
        return Err(ApiError::validation(
            field,
            format!("At most {max} characters."),
        ));
    }
    if has_control(name) {
        return Err(ApiError::validation(
            field,
            "Control characters are not allowed.",
        ));
    }
    Ok(name.to_owned())
}

/// An optional phone number: digits with an optional leading `+`, spaces and dashes allowed.
pub fn normalize_phone(field: &'static str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let shape_ok = raw
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0));
    if !shape_ok || !(7..=15).contains(&digits) || raw.len() > 32 {
        return Err(ApiError::validation(field, "Enter a valid phone number."));
    }
    Ok(Some(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            normalize_email("e", "  Kim@Example.COM ").unwrap(),
            "kim@example.com"
        );
    }

    #[test]
    fn malformed_and_lookalike_emails_are_refused() {
        for bad in [
            "",
            "no-at.example.com",
            "a@b",
            "a@@b.com",
            "kim@example.com\r\nBcc: x@y.com",
            "kim\0@example.com",
            "kіm@example.com", // Cyrillic і
            ".kim@example.com",
            "kim@-example.com",
        ] {
            assert!(
                normalize_email("e", bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn phones_accept_common_shapes() {
        assert_eq!(
            normalize_phone("p", Some("010-1234-5678"))
                .unwrap()
                .as_deref(),
            Some("010-1234-5678")
        );
        assert!(normalize_phone("p", Some("+82 10 1234 5678")).is_ok());
        assert!(normalize_phone("p", Some("call me")).is_err());
        assert_eq!(normalize_phone("p", Some("  ")).unwrap(), None);
    }
}
