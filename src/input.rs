//! Checks of free-text input shared by the commerce domains.

use crate::error::ApiError;
use crate::payments::reject_card_numbers;

/// Trims `raw` and checks it: required, at most `max` characters, no control characters
/// other than line breaks and tabs, no card numbers.
pub fn required_text(field: &'static str, raw: &str, max: usize) -> Result<String, ApiError> {
    optional_text(field, Some(raw), max)?
        .ok_or_else(|| ApiError::validation(field, "This field is required."))
}

/// Like [`required_text`], but empty or missing input is `None`.
pub fn optional_text(
    field: &'static str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(ApiError::validation(
            field,
            format!("At most {max} characters."),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(ApiError::validation(
            field,
            "Control characters are not allowed.",
        ));
    }
    reject_card_numbers(field, text)?;
    Ok(Some(text.to_owned()))
}

/// Escapes LIKE wildcards (escape character: backslash), so a search for `50%` finds
/// "50%", not everything.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
