//! Notices as email and text messages, in the recipient's locale. The words are templates
//! (`templates/notices/`, see [`crate::texts`]); this module picks the template and turns
//! the plain text into the email's HTML part.

use minijinja::value::{Serde, Value};

use super::Notice;
use crate::texts;

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Email subject.
    pub subject: String,
    /// Email body (plain text).
    pub body: String,
    /// Short text for SMS.
    pub sms: String,
}

/// Renders `notice` for `locale` (`en…`, otherwise Korean) from its templates,
/// `templates/notices/<locale>/<kind>.txt`, and the locale's sign-off.
pub fn render(notice: &Notice, locale: &str) -> Result<Rendered, minijinja::Error> {
    let folder = texts::locale_folder(locale);
    let [subject, body] = texts::render_blocks(
        &format!("notices/{folder}/{}.txt", notice.kind()),
        Value::from(Serde(notice)),
        ["subject", "body"],
    )?;
    let sign_off = texts::render(&format!("notices/{folder}/signoff.txt"), Value::UNDEFINED)?;
    // A text message is the first line of the email: what happened, without the details.
    let sms = format!("[storedesk] {}", body.lines().next().unwrap_or_default());
    Ok(Rendered {
        subject,
        body: format!("{body}\n\n{sign_off}\n"),
        sms,
    })
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `line` is one link into `link_base` (the configured public URL) and nothing else:
/// the only links our templates build. A URL in text someone else wrote (a rejection reason,
/// a reply, a report) stays text, so a storedesk-branded mail never carries a clickable
/// phishing link.
fn our_link(line: &str, link_base: &str) -> bool {
    !link_base.is_empty()
        && !line.contains(char::is_whitespace)
        && line
            .strip_prefix(link_base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
}

/// The HTML alternative of a plain-text email: the same words, paragraphs and line breaks,
/// our own links clickable. Nothing is loaded from anywhere (no images, no tracking pixels,
/// no styles from outside).
pub fn html_body(text: &str, link_base: &str) -> String {
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"></head>\
         <body style=\"font-family:sans-serif;line-height:1.5\">",
    );
    for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let lines: Vec<String> = paragraph
            .lines()
            .map(|line| {
                let line = line.trim_end();
                if our_link(line, link_base) {
                    let url = escape_html(line);
                    format!("<a href=\"{url}\">{url}</a>")
                } else {
                    escape_html(line)
                }
            })
            .collect();
        html.push_str("<p>");
        html.push_str(&lines.join("<br>"));
        html.push_str("</p>");
    }
    html.push_str("</body></html>");
    html
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn the_html_part_escapes_text_and_links_only_our_own_urls() {
        let html = html_body(
            "Hello <b>you</b> & co\nhttps://help.example/reset?token=a&b=c\n\n— team",
            "https://help.example",
        );
        assert!(html.contains("Hello &lt;b&gt;you&lt;/b&gt; &amp; co<br>"));
        assert!(html.contains("<a href=\"https://help.example/reset?token=a&amp;b=c\">"));
        assert!(html.contains("<p>— team</p>"));
        assert!(!html.contains("<img"));
        // Someone else's URL, on a line of its own or not, is never a link.
        for foreign in [
            "https://evil.example/login",
            "http://help.example.evil.example/reset",
            "https://help.example@evil.example/",
            "javascript:alert(1)",
        ] {
            let html = html_body(&format!("사유:\n{foreign}"), "https://help.example");
            assert!(!html.contains("<a "), "{foreign} became a link: {html}");
        }
    }

    #[test]
    fn amounts_are_grouped_and_dates_localised() {
        let notice = Notice::RefundCompleted {
            order_number: "20261122-000001".into(),
            amount: 1_234_500,
        };
        let ko = render(&notice, "ko").expect("renders");
        assert!(
            ko.body.contains("1,234,500원이 환불되었습니다"),
            "{}",
            ko.body
        );
        assert!(
            render(&notice, "en")
                .expect("renders")
                .body
                .contains("KRW 1,234,500")
        );
        let changed = Notice::DeliveryDateChanged {
            order_number: "20261122-000001".into(),
            expected: NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date"),
        };
        let ko = render(&changed, "ko").expect("renders");
        assert!(ko.body.contains("2026년 11월 30일로 변경"), "{}", ko.body);
        assert!(
            render(&changed, "en")
                .expect("renders")
                .subject
                .starts_with("New delivery date")
        );
    }

    #[test]
    fn every_notice_renders_in_every_locale_with_a_subject_a_body_and_a_text() {
        for notice in every_notice() {
            for locale in ["ko", "en"] {
                let rendered = render(&notice, locale)
                    .unwrap_or_else(|err| panic!("{} in {locale}: {err:#}", notice.kind()));
                assert!(!rendered.subject.is_empty(), "{}", notice.kind());
                assert!(!rendered.subject.contains('\n'), "{}", notice.kind());
                let sign_off = if locale == "ko" {
                    "고객센터"
                } else {
                    "customer center"
                };
                assert!(
                    rendered.body.trim_end().ends_with(sign_off),
                    "{}",
                    rendered.body
                );
                assert!(
                    rendered.sms.len() > "[storedesk] ".len(),
                    "{}",
                    notice.kind()
                );
                // No lazy postpositions: each is chosen for the word before it.
                for lazy in ["이(가)", "(으)로", "을(를)", "은(는)"] {
                    assert!(
                        !rendered.body.contains(lazy),
                        "{}: {}",
                        notice.kind(),
                        rendered.body
                    );
                    assert!(!rendered.subject.contains(lazy), "{}", rendered.subject);
                }
            }
        }
    }

    #[test]
    fn korean_postpositions_follow_the_word_before_them() {
        let shipped = Notice::OrderShipped {
            order_number: "20261122-000002".into(),
            carrier: "CJ대한통운".into(),
            tracking_number: "123456789012".into(),
            expected: NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date"),
        };
        let body = render(&shipped, "ko").expect("renders").body;
        assert!(
            body.contains("주문 20261122-000002가 CJ대한통운으로 발송되었습니다"),
            "{body}"
        );
        let changed = Notice::ContactChanged {
            what: "phone",
            masked: "010-****-5678".into(),
        };
        let body = render(&changed, "ko").expect("renders").body;
        assert!(
            body.contains("전화번호가 010-****-5678로 변경되었습니다"),
            "{body}"
        );
    }

    /// One of each notice.
    fn every_notice() -> Vec<Notice> {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date");
        let order_number = || "20261122-000001".to_owned();
        vec![
            Notice::RequestReceived {
                order_number: order_number(),
                is_return: true,
                deadline: day,
            },
            Notice::OrderCanceled {
                order_number: order_number(),
                refund_amount: 0,
                by_seller: true,
            },
            Notice::OrderCanceled {
                order_number: order_number(),
                refund_amount: 5000,
                by_seller: false,
            },
            Notice::ReturnApproved {
                order_number: order_number(),
                refund_amount: 5000,
            },
            Notice::RequestRejected {
                order_number: order_number(),
                is_return: false,
                reason: "이미 발송".into(),
            },
            Notice::RefundCompleted {
                order_number: order_number(),
                amount: 12_000,
            },
            Notice::OrderShipped {
                order_number: order_number(),
                carrier: "한진택배".into(),
                tracking_number: "1".into(),
                expected: day,
            },
            Notice::TicketReply {
                number: 7,
                subject: "배송 문의".into(),
                body: "확인했습니다.\n\n감사합니다.".into(),
            },
            Notice::PasswordResetLink {
                link: "https://help.example/reset-password#token=x".into(),
                minutes: 30,
            },
            Notice::RecoveryLink {
                link: "https://help.example/recover-account#token=x".into(),
                minutes: 30,
            },
            Notice::LockAccountLink {
                link: "https://help.example/lock-account#token=x".into(),
                minutes: 30,
            },
            Notice::PasswordChanged,
            Notice::AccountLocked,
            Notice::ContactChanged {
                what: "email",
                masked: "a***@example.com".into(),
            },
            Notice::SlaBreached {
                number: 7,
                subject: "배송 문의".into(),
                first_response: true,
                due: day.and_hms_opt(9, 30, 0).expect("a time"),
            },
            Notice::DeliveryDateChanged {
                order_number: order_number(),
                expected: day,
            },
        ]
    }
}
