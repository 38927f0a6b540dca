//! What storedesk says to people outside the API: the email and text-message notices and the
//! suggested resolutions agents see. The words live in templates under `templates/`, one
//! folder per locale, so they can be reviewed and edited without reading Rust; this module
//! loads them (embedded in the binary) and renders them.
//!
//! Templates are MiniJinja (Jinja2 syntax). Besides the built-in filters they have:
//! - `josa("이/가")`: the word with the Korean postposition its last sound takes;
//! - `won` (`1,234,500원`) and `krw` (`KRW 1,234,500`): amounts in won;
//! - `ko_date` (`2026년 11월 30일`): a date; `minute` (`2026-11-30 09:00`): a date and time.
//!
//! A variable a template names but the context lacks is an error, not an empty string, and a
//! test renders every template in every locale.

pub mod josa;

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};

/// The template sources, embedded at build time.
#[derive(rust_embed::Embed)]
#[folder = "templates/"]
struct Sources;

/// Every template, loaded and parsed once; the error says which template failed.
static TEMPLATES: LazyLock<Result<Environment<'static>, String>> =
    LazyLock::new(|| environment().map_err(|err| format!("{err:#}")));

fn templates() -> Result<&'static Environment<'static>, Error> {
    TEMPLATES
        .as_ref()
        .map_err(|err| Error::new(ErrorKind::InvalidOperation, err.clone()))
}

fn environment() -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()?,
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_filter("josa", |word: String, pair: String| {
        josa::josa(&word, &pair)
    });
    env.add_filter("won", |amount: i64| format!("{}원", grouped(amount)));
    env.add_filter("krw", |amount: i64| format!("KRW {}", grouped(amount)));
    env.add_filter("ko_date", |day: String| -> Result<String, Error> {
        let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(not_a("date"))?;
        Ok(day.format("%Y년 %-m월 %-d일").to_string())
    });
    env.add_filter("minute", |at: String| -> Result<String, Error> {
        let at = NaiveDateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M:%S%.f")
            .map_err(not_a("date and time"))?;
        Ok(at.format("%Y-%m-%d %H:%M").to_string())
    });
    for name in Sources::iter() {
        let Some(file) = Sources::get(&name) else {
            continue;
        };
        let source = String::from_utf8(file.data.into_owned())
            .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("{name} is not UTF-8")))?;
        env.add_template_owned(name.into_owned(), source)?;
    }
    Ok(env)
}

fn not_a(what: &'static str) -> impl Fn(chrono::ParseError) -> Error {
    move |err| Error::new(ErrorKind::InvalidOperation, format!("not a {what}: {err}"))
}

/// `1234500` as `1,234,500`.
fn grouped(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The template folder of `locale`: `en…` is English, anything else Korean (the default).
pub fn locale_folder(locale: &str) -> &'static str {
    if locale.starts_with("en") { "en" } else { "ko" }
}

/// Renders the named blocks of template `name` with `context`, each without the blank lines
/// around it.
pub fn render_blocks<const N: usize>(
    name: &str,
    context: Value,
    blocks: [&str; N],
) -> Result<[String; N], Error> {
    let env = templates()?;
    let template = env.get_template(name)?;
    let mut captured = template.render_captured(context)?;
    let mut out: [String; N] = std::array::from_fn(|_| String::new());
    for (slot, block) in out.iter_mut().zip(blocks) {
        let text = captured.with_state_mut(|state| state.render_block(block))?;
        *slot = text.trim_matches('\n').trim_end().to_owned();
    }
    Ok(out)
}

/// Renders the whole of template `name` with `context`, without the blank lines around it.
pub fn render(name: &str, context: Value) -> Result<String, Error> {
    let env = templates()?;
    let text = env.get_template(name)?.render(context)?;
    Ok(text.trim_matches('\n').trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use minijinja::context;

    use super::*;

    #[test]
    fn every_template_parses() {
        // Loading parses each one; a syntax error fails here, naming the template.
        let env = templates().expect("templates parse");
        let names: Vec<_> = Sources::iter().collect();
        assert!(names.len() > 50, "{} templates embedded", names.len());
        for name in names {
            env.get_template(&name).expect("a loaded template");
        }
    }

    #[test]
    fn filters_format_amounts_dates_and_postpositions() {
        let env = templates().expect("templates parse");
        let out = env
            .render_str(
                "{{ a|won }} {{ a|krw }} {{ d|ko_date }} {{ t|minute }} {{ n|josa('이/가') }}",
                context! { a => 1_234_500, d => "2026-11-30", t => "2026-11-30T09:05:00", n => "20261122-000002" },
            )
            .expect("renders");
        assert_eq!(
            out,
            "1,234,500원 KRW 1,234,500 2026년 11월 30일 2026-11-30 09:05 20261122-000002가"
        );
        assert_eq!(grouped(-1000), "-1,000");
        assert_eq!(grouped(999), "999");
    }

    #[test]
    fn a_missing_variable_is_an_error() {
        let env = templates().expect("templates parse");
        assert!(env.render_str("{{ nowhere }}", context! {}).is_err());
    }
}
