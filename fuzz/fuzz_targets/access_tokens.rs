//! Access-token parsing: whatever string arrives as a bearer token, verification never
//! panics and never accepts something we did not sign (forging needs the key).
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use storedesk::accounts::tokens::JwtKeys;
use storedesk::config::Settings;

static KEYS: LazyLock<JwtKeys> = LazyLock::new(|| {
    let secret = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let settings = Settings {
        jwt_secret: Some(secrecy::SecretString::from(secret)),
        ..Settings::default()
    };
    JwtKeys::from_settings(&settings).expect("keys from a fixed secret")
});

fuzz_target!(|token: &str| {
    let now = chrono::Utc::now();
    assert!(
        KEYS.verify(token, now).is_err(),
        "accepted a token we never issued: {token:?}"
    );
});
