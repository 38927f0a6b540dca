//! Message texts in Korean (default) and English, chosen by the recipient's locale.

use chrono::NaiveDate;

use super::Notice;

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

fn won(amount: i64, english: bool) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if english {
        format!("KRW {grouped}")
    } else {
        format!("{grouped}원")
    }
}

fn date(day: NaiveDate, english: bool) -> String {
    if english {
        day.format("%Y-%m-%d").to_string()
    } else {
        day.format("%Y년 %m월 %d일").to_string()
    }
}

/// Renders `notice` for `locale` (`en`, otherwise Korean).
pub fn render(notice: &Notice, locale: &str) -> Rendered {
    let en = locale.starts_with("en");
    let (subject, lines): (String, Vec<String>) = match notice {
        Notice::RequestReceived {
            order_number,
            is_return,
            deadline,
        } => {
            let what = match (en, is_return) {
                (true, true) => "return",
                (true, false) => "cancellation",
                (false, true) => "반품",
                (false, false) => "취소",
            };
            if en {
                (
                    format!("We received your {what} request for order {order_number}"),
                    vec![
                        format!(
                            "Your {what} request for order {order_number} was sent to the seller."
                        ),
                        format!(
                            "The seller decides by {}; we will tell you the outcome.",
                            date(*deadline, en)
                        ),
                    ],
                )
            } else {
                (
                    format!("주문 {order_number} {what} 요청이 접수되었습니다"),
                    vec![
                        format!("주문 {order_number}의 {what} 요청을 판매자에게 전달했습니다."),
                        format!(
                            "판매자는 {}까지 처리하며, 결과를 알려 드리겠습니다.",
                            date(*deadline, en)
                        ),
                    ],
                )
            }
        }
        Notice::OrderCanceled {
            order_number,
            refund_amount,
            by_seller,
        } => {
            let refund = if *refund_amount > 0 {
                if en {
                    format!(
                        "A refund of {} is on its way to your payment method.",
                        won(*refund_amount, en)
                    )
                } else {
                    format!("{}이 결제 수단으로 환불됩니다.", won(*refund_amount, en))
                }
            } else if en {
                "Nothing had been charged, so there is nothing to refund.".to_owned()
            } else {
                "결제된 금액이 없어 환불할 금액이 없습니다.".to_owned()
            };
            let who = match (en, by_seller) {
                (true, true) => "The seller canceled order",
                (true, false) => "Your cancellation is complete for order",
                (false, true) => "판매자가 다음 주문을 취소했습니다:",
                (false, false) => "다음 주문의 취소가 완료되었습니다:",
            };
            if en {
                (
                    format!("Order {order_number} canceled"),
                    vec![format!("{who} {order_number}."), refund],
                )
            } else {
                (
                    format!("주문 {order_number} 취소 완료"),
                    vec![format!("{who} {order_number}"), refund],
                )
            }
        }
        Notice::ReturnApproved {
            order_number,
            refund_amount,
        } => {
            if en {
                (
                    format!("Return of order {order_number} accepted"),
                    vec![
                        format!("The seller accepted the return of order {order_number}."),
                        format!("A refund of {} is on its way.", won(*refund_amount, en)),
                    ],
                )
            } else {
                (
                    format!("주문 {order_number} 반품 승인"),
                    vec![
                        format!("판매자가 주문 {order_number}의 반품을 승인했습니다."),
                        format!("{}이 환불됩니다.", won(*refund_amount, en)),
                    ],
                )
            }
        }
        Notice::RequestRejected {
            order_number,
            is_return,
            reason,
        } => {
            if en {
                let what = if *is_return { "return" } else { "cancellation" };
                (
                    format!("Your {what} request for order {order_number} was declined"),
                    vec![
                        format!("The {what} request for order {order_number} was declined."),
                        format!("Reason: {reason}"),
                        "If you disagree, reply through the help center and an agent will review it.".to_owned(),
                    ],
                )
            } else {
                let what = if *is_return { "반품" } else { "취소" };
                (
                    format!("주문 {order_number} {what} 요청이 거절되었습니다"),
                    vec![
                        format!("주문 {order_number}의 {what} 요청이 거절되었습니다."),
                        format!("사유: {reason}"),
                        "이의가 있으시면 고객센터로 문의해 주세요. 상담원이 검토해 드립니다."
                            .to_owned(),
                    ],
                )
            }
        }
        Notice::RefundCompleted {
            order_number,
            amount,
        } => {
            if en {
                (
                    format!("Refund for order {order_number} completed"),
                    vec![format!(
                        "{} was refunded for order {order_number}. Card refunds can take 3–5 business days to show on your statement.",
                        won(*amount, en)
                    )],
                )
            } else {
                (
                    format!("주문 {order_number} 환불 완료"),
                    vec![format!(
                        "주문 {order_number}의 {}이 환불되었습니다. 카드 환불은 카드사에 따라 3~5 영업일 후 확인됩니다.",
                        won(*amount, en)
                    )],
                )
            }
        }
        Notice::OrderShipped {
            order_number,
            carrier,
            tracking_number,
            expected,
        } => {
            if en {
                (
                    format!("Order {order_number} shipped"),
                    vec![
                        format!(
                            "Order {order_number} is with {carrier} (tracking number {tracking_number})."
                        ),
                        format!("Expected delivery: {}.", date(*expected, en)),
                    ],
                )
            } else {
                (
                    format!("주문 {order_number} 발송 완료"),
                    vec![
                        format!(
                            "주문 {order_number}이(가) {carrier}(운송장 {tracking_number})로 발송되었습니다."
                        ),
                        format!("도착 예정일: {}", date(*expected, en)),
                    ],
                )
            }
        }
        Notice::TicketReply {
            number,
            subject,
            body,
        } => {
            if en {
                (
                    format!("Re: {subject} [#{number}]"),
                    vec![
                        format!("Support replied to your ticket #{number}:"),
                        String::new(),
                        body.clone(),
                        String::new(),
                        "Reply in the help center to continue the conversation.".to_owned(),
                    ],
                )
            } else {
                (
                    format!("Re: {subject} [#{number}]"),
                    vec![
                        format!("문의 #{number}에 답변이 등록되었습니다:"),
                        String::new(),
                        body.clone(),
                        String::new(),
                        "고객센터에서 답글을 남기시면 상담이 이어집니다.".to_owned(),
                    ],
                )
            }
        }
        Notice::PasswordResetLink { link, minutes } => {
            if en {
                (
                    "Reset your storedesk password".to_owned(),
                    vec![
                        "Someone asked to reset the password of your storedesk account.".to_owned(),
                        format!(
                            "To choose a new password, open this link within {minutes} minutes (it works once):"
                        ),
                        link.clone(),
                        "If it was not you, ignore this email: your password stays as it is."
                            .to_owned(),
                    ],
                )
            } else {
                (
                    "storedesk 비밀번호 재설정".to_owned(),
                    vec![
                        "storedesk 계정의 비밀번호 재설정이 요청되었습니다.".to_owned(),
                        format!("{minutes}분 안에 아래 링크를 열어 새 비밀번호를 정해 주세요 (한 번만 사용할 수 있습니다):"),
                        link.clone(),
                        "본인이 요청하지 않았다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.".to_owned(),
                    ],
                )
            }
        }
        Notice::RecoveryLink { link, minutes } => {
            if en {
                (
                    "Recover your storedesk account".to_owned(),
                    vec![
                        "Our support team confirmed your identity and started the recovery of your account.".to_owned(),
                        format!("Open this link within {minutes} minutes to set a new password; your account is unlocked then:"),
                        link.clone(),
                        "We never ask for your password by phone, chat or email.".to_owned(),
                    ],
                )
            } else {
                (
                    "storedesk 계정 복구 안내".to_owned(),
                    vec![
                        "상담원이 본인 확인을 마치고 계정 복구를 시작했습니다.".to_owned(),
                        format!(
                            "{minutes}분 안에 아래 링크에서 새 비밀번호를 정하시면 계정 잠금이 풀립니다:"
                        ),
                        link.clone(),
                        "storedesk는 전화, 채팅, 이메일로 비밀번호를 묻지 않습니다.".to_owned(),
                    ],
                )
            }
        }
        Notice::LockAccountLink { link, minutes } => {
            if en {
                (
                    "Someone reported your storedesk account as hacked".to_owned(),
                    vec![
                        "Someone told our help center that your storedesk account was taken over.".to_owned(),
                        format!(
                            "If that was you, or you think it is true, open this link within {minutes} minutes and press 'Lock my account now': every device is signed out and an agent helps you recover it."
                        ),
                        link.clone(),
                        "If you did not report anything and your account is fine, ignore this email: nothing is locked.".to_owned(),
                    ],
                )
            } else {
                (
                    "storedesk 계정 도용 신고가 접수되었습니다".to_owned(),
                    vec![
                        "누군가 고객센터에 이 storedesk 계정이 도용되었다고 신고했습니다.".to_owned(),
                        format!(
                            "본인이 신고했거나 도용이 의심되면 {minutes}분 안에 아래 링크를 열어 '지금 계정 잠그기'를 눌러 주세요. 모든 기기에서 로그아웃되고 상담원이 복구를 도와 드립니다:"
                        ),
                        link.clone(),
                        "신고한 적이 없고 계정에 문제가 없다면 이 메일을 무시하세요. 계정은 잠기지 않습니다.".to_owned(),
                    ],
                )
            }
        }
        Notice::PasswordChanged => {
            if en {
                (
                    "Your storedesk password was changed".to_owned(),
                    vec![
                        "The password of your storedesk account was just changed, and every device was signed out.".to_owned(),
                        "If it was not you, report it at once with 'My account was hacked' in the help center.".to_owned(),
                    ],
                )
            } else {
                (
                    "storedesk 비밀번호가 변경되었습니다".to_owned(),
                    vec![
                        "storedesk 계정의 비밀번호가 방금 변경되었고, 모든 기기에서 로그아웃되었습니다.".to_owned(),
                        "본인이 변경하지 않았다면 고객센터의 '계정 도용 신고'로 바로 알려 주세요.".to_owned(),
                    ],
                )
            }
        }
        Notice::AccountLocked => {
            if en {
                (
                    "Your storedesk account is locked".to_owned(),
                    vec![
                        "Your storedesk account was locked to protect it, and every device was signed out.".to_owned(),
                        "An agent will confirm your identity (name, phone, recent orders) and send a recovery link.".to_owned(),
                        "We never ask for your password.".to_owned(),
                    ],
                )
            } else {
                (
                    "storedesk 계정이 잠겼습니다".to_owned(),
                    vec![
                        "계정 보호를 위해 storedesk 계정을 잠그고 모든 기기에서 로그아웃했습니다."
                            .to_owned(),
                        "상담원이 본인 확인(이름, 연락처, 최근 주문) 후 복구 링크를 보내 드립니다."
                            .to_owned(),
                        "storedesk는 비밀번호를 묻지 않습니다.".to_owned(),
                    ],
                )
            }
        }
        Notice::ContactChanged { what, masked } => {
            let (what_en, what_ko) = if *what == "email" {
                ("email address", "이메일 주소")
            } else {
                ("phone number", "전화번호")
            };
            if en {
                (
                    format!("Your storedesk {what_en} was changed"),
                    vec![
                        format!("The {what_en} of your storedesk account was changed to {masked}."),
                        "If it was not you, report it with 'My account was hacked' in the help center: we will restore it.".to_owned(),
                    ],
                )
            } else {
                (
                    format!("storedesk {what_ko}가 변경되었습니다"),
                    vec![
                        format!("storedesk 계정의 {what_ko}가 {masked}(으)로 변경되었습니다."),
                        "본인이 변경하지 않았다면 고객센터의 '계정 도용 신고'로 알려 주세요. 되돌려 드립니다.".to_owned(),
                    ],
                )
            }
        }
        Notice::SlaBreached {
            number,
            subject,
            first_response,
            due,
        } => {
            let due = due.format("%Y-%m-%d %H:%M");
            if en {
                let target = if *first_response {
                    "first response"
                } else {
                    "resolution"
                };
                (
                    format!("SLA missed: ticket #{number} ({target})"),
                    vec![
                        format!(
                            "Ticket #{number} \"{subject}\" missed its {target} target (due {due})."
                        ),
                        "Please pick it up now, or hand it to someone who can.".to_owned(),
                    ],
                )
            } else {
                let target = if *first_response {
                    "첫 응답"
                } else {
                    "해결"
                };
                (
                    format!("SLA 초과: 문의 #{number} ({target})"),
                    vec![
                        format!(
                            "문의 #{number} \"{subject}\"가 {target} 목표 시간({due})을 넘겼습니다."
                        ),
                        "지금 처리하거나 처리할 수 있는 상담원에게 넘겨 주세요.".to_owned(),
                    ],
                )
            }
        }
        Notice::DeliveryDateChanged {
            order_number,
            expected,
        } => {
            if en {
                (
                    format!("New delivery date for order {order_number}"),
                    vec![
                        format!(
                            "The expected delivery date of order {order_number} is now {}.",
                            date(*expected, en)
                        ),
                        "We are sorry for the delay.".to_owned(),
                    ],
                )
            } else {
                (
                    format!("주문 {order_number} 도착 예정일 변경"),
                    vec![
                        format!(
                            "주문 {order_number}의 도착 예정일이 {}로 변경되었습니다.",
                            date(*expected, en)
                        ),
                        "배송이 늦어져 죄송합니다.".to_owned(),
                    ],
                )
            }
        }
    };
    let sms = format!("[storedesk] {}", lines.first().cloned().unwrap_or_default());
    let sign_off = if en {
        "— storedesk customer center"
    } else {
        "— storedesk 고객센터"
    };
    let body = format!("{}\n\n{sign_off}\n", lines.join("\n"));
    Rendered { subject, body, sms }
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
        assert!(render(&notice, "ko").body.contains("1,234,500원"));
        assert!(render(&notice, "en").body.contains("KRW 1,234,500"));
        let changed = Notice::DeliveryDateChanged {
            order_number: "20261122-000001".into(),
            expected: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        };
        assert!(render(&changed, "ko").body.contains("2026년 11월 30일"));
        assert!(
            render(&changed, "en")
                .subject
                .starts_with("New delivery date")
        );
    }
}
