//! Access-token attacks from SECURITY.md: every one answers 401 `UNAUTHENTICATED`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Session, TEST_JWT_SECRET, TEST_KID, TestApp, error_code};

fn claims_of(session: &Session) -> Value {
    let payload = session.access.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value, secret: &[u8]) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn unsigned(claims: &Value) -> String {
    let header =
        URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "JWT", "kid": TEST_KID }).to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.")
}

async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let (status, body) = app.me(token).await;
    assert_eq!(status, 401, "{what}: {body}");
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{what}");
    assert!(body["data"].is_null(), "{what}");
}

pub async fn forged_and_tampered_tokens_are_refused(app: TestApp) {
    let session = app.buyer("jwt@example.com").await;
    let claims = claims_of(&session);
    // Sanity: re-signing the same claims with the real key is accepted.
    let good = sign(Algorithm::HS256, Some(TEST_KID), &claims, &TEST_JWT_SECRET);
    assert_eq!(app.me(&good).await.0, 200);

    assert_refused(&app, &unsigned(&claims), "alg none").await;
    assert_refused(
        &app,
        &sign(Algorithm::HS512, Some(TEST_KID), &claims, &TEST_JWT_SECRET),
        "HS512",
    )
    .await;
    assert_refused(
        &app,
        &sign(Algorithm::HS256, Some(TEST_KID), &claims, &[7u8; 32]),
        "wrong key",
    )
    .await;
    assert_refused(
        &app,
        &sign(
            Algorithm::HS256,
            Some("other-kid"),
            &claims,
            &TEST_JWT_SECRET,
        ),
        "unknown kid",
    )
    .await;
    assert_refused(
        &app,
        &sign(
            Algorithm::HS256,
            Some("../../etc/passwd"),
            &claims,
            &TEST_JWT_SECRET,
        ),
        "malicious kid",
    )
    .await;
    assert_refused(
        &app,
        &sign(Algorithm::HS256, None, &claims, &TEST_JWT_SECRET),
        "no kid",
    )
    .await;

    let tamperings: [(&str, Option<Value>); 5] = [
        ("iss", Some(json!("someone-else"))),
        ("aud", Some(json!("another-api"))),
        ("typ", Some(json!("reset"))),
        ("sub", Some(json!(uuid::Uuid::now_v7()))),
        ("sid", None),
    ];
    for (claim, value) in tamperings {
        let mut tampered = claims.clone();
        match value {
            Some(value) => tampered[claim] = value,
            None => {
                tampered.as_object_mut().unwrap().remove(claim);
            }
        }
        let token = sign(
            Algorithm::HS256,
            Some(TEST_KID),
            &tampered,
            &TEST_JWT_SECRET,
        );
        assert_refused(&app, &token, &format!("tampered {claim}")).await;
    }

    let now = claims["iat"].as_i64().unwrap();
    let mut future = claims.clone();
    future["nbf"] = json!(now + 600);
    future["iat"] = json!(now + 600);
    future["exp"] = json!(now + 1200);
    assert_refused(
        &app,
        &sign(Algorithm::HS256, Some(TEST_KID), &future, &TEST_JWT_SECRET),
        "not yet valid",
    )
    .await;
    let mut expired = claims.clone();
    expired["exp"] = json!(now - 10);
    assert_refused(
        &app,
        &sign(Algorithm::HS256, Some(TEST_KID), &expired, &TEST_JWT_SECRET),
        "expired",
    )
    .await;

    assert_refused(&app, &session.refresh, "refresh token as access token").await;
    assert_refused(&app, "garbage", "garbage").await;
    let response = app
        .client
        .post(app.graphql_url())
        .header("authorization", format!("Basic {}", session.access))
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401, "non-bearer scheme");
}

pub async fn a_token_issued_before_a_revocation_is_refused(app: TestApp) {
    let session = app.buyer("revoked@example.com").await;
    app.gql(
        "mutation($t: String!) { logout(refreshToken: $t) }",
        json!({ "t": session.refresh }),
    )
    .await;
    assert_refused(&app, &session.access, "token of a revoked session").await;
}

engine_tests!(
    forged_and_tampered_tokens_are_refused,
    a_token_issued_before_a_revocation_is_refused
);

/// During a key rotation, tokens signed with the previous key stay valid while that key is
/// configured; once the key is dropped from the configuration they stop working.
#[tokio::test]
async fn tokens_of_a_previous_key_work_during_rotation() {
    use base64::engine::general_purpose::STANDARD;
    let old_secret = [9u8; 32];
    let previous = format!("old-k0:{}", STANDARD.encode(old_secret));
    let app = TestApp::spawn_with(crate::helpers::Engine::Sqlite, |settings| {
        settings.jwt_previous_keys = Some(secrecy::SecretString::from(previous));
    })
    .await;
    let session = app.buyer("rotate@example.com").await;
    let claims = claims_of(&session);
    let old = sign(Algorithm::HS256, Some("old-k0"), &claims, &old_secret);
    assert_eq!(app.me(&old).await.0, 200);
    // The old key id with the new secret, or the new id with the old secret: refused.
    let mixed = sign(Algorithm::HS256, Some("old-k0"), &claims, &TEST_JWT_SECRET);
    assert_refused(&app, &mixed, "old kid, new secret").await;
    let mixed = sign(Algorithm::HS256, Some(TEST_KID), &claims, &old_secret);
    assert_refused(&app, &mixed, "new kid, old secret").await;

    let retired = TestApp::spawn(crate::helpers::Engine::Sqlite).await;
    let stranger = retired.buyer("rotate@example.com").await;
    let old = sign(
        Algorithm::HS256,
        Some("old-k0"),
        &claims_of(&stranger),
        &old_secret,
    );
    assert_refused(&retired, &old, "retired key").await;
}
