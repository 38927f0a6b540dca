//! Access tokens (JWT, HS256 pinned) and opaque refresh tokens.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::{Mode, Settings};

/// The only algorithm accepted; `alg` in a token header is never trusted to choose.
const ALGORITHM: Algorithm = Algorithm::HS256;
/// Clock skew tolerated on `exp`/`nbf`/`iat`, in seconds.
const LEEWAY_SECS: i64 = 5;
/// `typ` claim of access tokens. Links (reset, recovery, lock) are opaque tokens, not JWTs;
/// the claim keeps any other JWT signed with the same key from passing as an access token.
pub const ACCESS_TOKEN_TYPE: &str = "access";

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Account id.
    pub sub: Uuid,
    /// Session id: every request checks that this session is still live.
    pub sid: Uuid,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expiry.
    pub exp: i64,
    /// Token type, always [`ACCESS_TOKEN_TYPE`] here.
    pub typ: String,
}

/// Why a presented access token was refused. Never shown to clients in detail.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Not a well-formed JWT of our algorithm, or a bad signature.
    #[error("malformed or badly signed token")]
    Invalid,
    /// `kid` missing or not in our key set.
    #[error("unknown key id")]
    UnknownKey,
    /// `exp` passed.
    #[error("token expired")]
    Expired,
    /// `nbf`/`iat` in the future.
    #[error("token not yet valid")]
    NotYetValid,
    /// Not an access token.
    #[error("wrong token type")]
    WrongType,
}

/// The signing key and every key still accepted for verification.
pub struct JwtKeys {
    current_kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("current_kid", &self.current_kid)
            .field("kids", &self.decoding.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    kid: String,
    secret: String,
}

fn decode_secret(kid: &str, secret: &SecretString) -> anyhow::Result<Vec<u8>> {
    let bytes = STANDARD
        .decode(secret.expose_secret().trim())
        .with_context(|| format!("JWT secret of key {kid} is not valid base64"))?;
    if bytes.len() < 32 {
        bail!("JWT secret of key {kid} must be at least 32 bytes (256 bits)");
    }
    Ok(bytes)
}

impl JwtKeys {
    /// Keys from the settings; in development without a configured secret, a key generated
    /// once and kept in `<data_dir>/jwt-key.json`.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let (kid, secret) = match &settings.jwt_secret {
            Some(secret) => (
                settings.jwt_kid.clone(),
                decode_secret(&settings.jwt_kid, secret)?,
            ),
            None if settings.mode == Mode::Development => dev_key(&settings.data_dir)?,
            None => bail!("STOREDESK_JWT_SECRET is required in production mode"),
        };
        let mut decoding = HashMap::new();
        decoding.insert(kid.clone(), DecodingKey::from_secret(&secret));
        if let Some(previous) = &settings.jwt_previous_keys {
            for entry in previous
                .expose_secret()
                .split(',')
                .filter(|e| !e.trim().is_empty())
            {
                let Some((old_kid, old_secret)) = entry.trim().split_once(':') else {
                    bail!("jwt_previous_keys entries must look like kid:base64secret");
                };
                let bytes = decode_secret(old_kid, &SecretString::from(old_secret.to_owned()))?;
                decoding.insert(old_kid.to_owned(), DecodingKey::from_secret(&bytes));
            }
        }
        let ttl = i64::try_from(settings.access_token_ttl_secs)
            .unwrap_or(900)
            .min(900);
        Ok(Self {
            encoding: EncodingKey::from_secret(&secret),
            current_kid: kid,
            decoding,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            ttl: Duration::seconds(ttl),
        })
    }

    /// Signs an access token for `account_id` in session `session_id`.
    pub fn issue(
        &self,
        account_id: Uuid,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(String, DateTime<Utc>)> {
        let expires_at = now + self.ttl;
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: account_id,
            sid: session_id,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
            typ: ACCESS_TOKEN_TYPE.to_owned(),
        };
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.current_kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding)?;
        Ok((token, expires_at))
    }

    /// Verifies signature, algorithm, `kid`, `iss`, `aud`, type and times against `now`
    /// (the injected clock, hence the time checks here rather than in the library).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != ALGORITHM {
            return Err(TokenError::Invalid);
        }
        // Only `kid` selects a key, and only among ours; `jku`/`jwk`/`x5u` are ignored.
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.decoding.get(kid))
            .ok_or(TokenError::UnknownKey)?;
        let mut validation = Validation::new(ALGORITHM);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let data = jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
            .map_err(|_| TokenError::Invalid)?;
        let claims = data.claims;
        let now = now.timestamp();
        if claims.typ != ACCESS_TOKEN_TYPE {
            return Err(TokenError::WrongType);
        }
        if claims.exp + LEEWAY_SECS <= now {
            return Err(TokenError::Expired);
        }
        if claims.nbf - LEEWAY_SECS > now || claims.iat - LEEWAY_SECS > now {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

fn dev_key(data_dir: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let path = data_dir.join("jwt-key.json");
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let file: KeyFile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid key file", path.display()))?;
        let secret = decode_secret(&file.kid, &SecretString::from(file.secret))?;
        return Ok((file.kid, secret));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let mut secret = vec![0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let kid = format!("dev-{}", &Uuid::now_v7().simple().to_string()[..12]);
    let file = KeyFile {
        kid: kid.clone(),
        secret: STANDARD.encode(&secret),
    };
    write_private(&path, &serde_json::to_vec_pretty(&file)?)?;
    tracing::info!(path = %path.display(), "generated a development JWT key");
    Ok((kid, secret))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot create {}", path.display()))
}

/// A new opaque token of 256 random bits, URL-safe.
pub fn new_opaque_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Hex SHA-256 of a token: what is stored instead of the token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        let settings = Settings {
            jwt_secret: Some(SecretString::from(STANDARD.encode([7u8; 32]))),
            ..Settings::default()
        };
        JwtKeys::from_settings(&settings).unwrap()
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let keys = keys();
        let now = Utc::now();
        let (token, exp) = keys.issue(Uuid::now_v7(), Uuid::now_v7(), now).unwrap();
        assert!(exp - now <= Duration::minutes(15));
        assert!(keys.verify(&token, now).is_ok());
        assert!(matches!(
            keys.verify(&token, exp + Duration::seconds(6)),
            Err(TokenError::Expired)
        ));
        assert!(matches!(
            keys.verify(&token, now - Duration::seconds(60)),
            Err(TokenError::NotYetValid)
        ));
    }

    #[test]
    fn refresh_token_hashes_are_stable_and_tokens_unique() {
        let a = new_opaque_token();
        assert_ne!(a, new_opaque_token());
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_eq!(hash_token(&a).len(), 64);
    }
}
