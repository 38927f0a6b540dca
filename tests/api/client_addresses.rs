//! Client addresses: forwarded headers count only from trusted proxies, the right-most
//! untrusted entry is the client, and IPv6 clients are throttled by their /64.

use sea_orm::EntityTrait;
use serde_json::json;

use crate::engine_tests;
use storedesk::config::Settings;

use crate::helpers::{TestApp, error_code};

/// A wrong-password login for `email` with the given `X-Forwarded-For` value.
async fn failed_login(app: &TestApp, email: &str, forwarded_for: &str) -> serde_json::Value {
    app.client
        .post(app.graphql_url())
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({
            "query": "mutation($e: String!) { login(email: $e, password: \"wrong password\") { accessToken } }",
            "variables": { "e": email },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn throttle_keys(app: &TestApp) -> Vec<String> {
    entity::login_throttle::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.key)
        .collect()
}

async fn audited_ips(app: &TestApp) -> Vec<String> {
    entity::audit_event::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "auth.login_failed")
        .filter_map(|e| e.ip)
        .collect()
}

fn proxies_elsewhere(settings: &mut Settings) {
    settings.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
}

fn behind_local_proxies(settings: &mut Settings) {
    settings.trusted_proxies = vec![
        "127.0.0.1/32".parse().unwrap(),
        "192.168.0.0/16".parse().unwrap(),
    ];
    settings.login_max_failures_per_ip = 3;
}

/// With proxies configured, a peer that is not one of them is the client: its own
/// `X-Forwarded-For` is ignored.
async fn forwarded_headers_from_an_untrusted_peer_are_ignored(app: TestApp) {
    failed_login(&app, "nobody@example.com", "203.0.113.9").await;
    assert_eq!(audited_ips(&app).await, ["127.0.0.1"]);
    let keys = throttle_keys(&app).await;
    assert!(keys.contains(&"ip:127.0.0.1".to_owned()), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("203.0.113.9")), "{keys:?}");
}

/// Behind a trusted proxy the client is the right-most untrusted entry, so rotating what
/// the client writes to the left of it neither changes its key nor escapes its lockout.
async fn a_spoofed_chain_behind_a_trusted_proxy_cannot_pick_or_multiply_the_key(app: TestApp) {
    for i in 0..3 {
        let chain = format!("198.51.100.{i}, 203.0.113.9, 192.168.7.7");
        failed_login(&app, &format!("guess{i}@example.com"), &chain).await;
    }
    assert_eq!(audited_ips(&app).await, ["203.0.113.9"; 3]);
    // The fourth try from the same client, with yet another made-up prefix.
    let body = failed_login(&app, "other@example.com", "1.1.1.1, 203.0.113.9").await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let keys = throttle_keys(&app).await;
    assert!(keys.contains(&"ip:203.0.113.9".to_owned()), "{keys:?}");
    assert!(
        !keys.iter().any(|k| k.starts_with("ip:198.51.100")),
        "{keys:?}"
    );
    assert!(!keys.iter().any(|k| k.contains("1.1.1.1")), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("192.168")), "{keys:?}");
    // Another client behind the same proxy is not affected.
    app.buyer("neighbour@example.com").await;
    let response = app
        .client
        .post(app.graphql_url())
        .header("x-forwarded-for", "203.0.113.10")
        .json(&json!({
            "query": "mutation { login(email: \"neighbour@example.com\", password: \"correct horse battery\") { accessToken } }",
        }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
}

/// IPv6 addresses of one /64 are one client for the throttle (the audit log keeps each
/// full address); the next /64 is someone else.
async fn ipv6_neighbours_share_one_throttle_key(app: TestApp) {
    for i in 1..=3 {
        failed_login(&app, "v6@example.com", &format!("2001:db8:1:2::{i:x}")).await;
    }
    let keys = throttle_keys(&app).await;
    let v6_keys: Vec<_> = keys.iter().filter(|k| k.starts_with("ip:2001")).collect();
    assert_eq!(v6_keys, ["ip:2001:db8:1:2::/64"], "{keys:?}");
    let mut ips = audited_ips(&app).await;
    ips.sort();
    assert_eq!(
        ips,
        ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3"]
    );

    // A fresh address of the same /64 is locked out with its neighbours …
    app.buyer("v6owner@example.com").await;
    let login = |xff: &'static str| {
        let request = app
            .client
            .post(app.graphql_url())
            .header("x-forwarded-for", xff)
            .json(&json!({
                "query": "mutation { login(email: \"v6owner@example.com\", password: \"correct horse battery\") { accessToken } }",
            }));
        async move {
            request
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let same_net = login("2001:db8:1:2:dead:beef:0:1").await;
    assert_eq!(error_code(&same_net), "UNAUTHENTICATED", "{same_net}");
    // … while the next /64 signs in.
    let next_net = login("2001:db8:1:3::1").await;
    assert!(
        next_net["data"]["login"]["accessToken"].is_string(),
        "{next_net}"
    );
}

engine_tests!(
    forwarded_headers_from_an_untrusted_peer_are_ignored with proxies_elsewhere,
    a_spoofed_chain_behind_a_trusted_proxy_cannot_pick_or_multiply_the_key with behind_local_proxies,
    ipv6_neighbours_share_one_throttle_key with behind_local_proxies,
);
