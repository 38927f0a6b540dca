//! Row ids: UUIDv7 minted from the injected clock.
//!
//! Lists page by id, so an id's time must be the row's `created_at`, which comes from the
//! injected clock. `Uuid::now_v7()` reads the OS clock instead: where the two differ (the demo
//! seed playing a week of history, a test moving time) lists came out in insertion order, not
//! time order.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use rand::Rng;
use uuid::Uuid;

/// Bits of the counter that follows the millisecond: 12 in `rand_a`, 30 at the top of `rand_b`.
const COUNTER_BITS: u32 = 42;

/// A process-wide counter, started at a random point so two instances minting in the same
/// millisecond do not walk the same values. It is not reset per millisecond: ids minted in
/// one millisecond sort in minting order, and 2^41 ids pass before it could wrap.
static COUNTER: LazyLock<AtomicU64> =
    LazyLock::new(|| AtomicU64::new(rand::rng().random_range(0..1u64 << (COUNTER_BITS - 1))));

/// A new id whose time is `at`: ids sort by `at`, then by minting order within a millisecond.
pub fn at(at: DateTime<Utc>) -> Uuid {
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or_default();
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed) & ((1 << COUNTER_BITS) - 1);
    let random: u32 = rand::rng().random();
    // 12 bits of the counter fill rand_a; its low 30 bits and 32 random bits fill the 62 bits
    // of rand_b the variant leaves. `from_unix_timestamp_millis` writes version and variant
    // over the bits they own, which the layout below leaves free.
    let rand_a = (counter >> 30) as u16 & 0x0fff;
    let rand_b = ((counter & ((1 << 30) - 1)) << 32) | u64::from(random);
    let mut bytes = [0u8; 10];
    bytes[..2].copy_from_slice(&rand_a.to_be_bytes());
    bytes[2..].copy_from_slice(&rand_b.to_be_bytes());
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn ids_carry_the_given_time_and_sort_by_it() {
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let later = at(t + Duration::hours(1));
        let earlier = at(t);
        assert_eq!(earlier.get_version_num(), 7);
        let (secs, _) = earlier.get_timestamp().unwrap().to_unix();
        assert_eq!(secs, u64::try_from(t.timestamp()).unwrap());
        assert!(
            earlier < later,
            "minted later but dated earlier sorts first"
        );
    }

    #[test]
    fn ids_in_one_millisecond_sort_in_minting_order() {
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let ids: Vec<Uuid> = (0..1000).map(|_| at(t)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
