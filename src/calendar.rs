//! Business days in the marketplace's time zone: seller deadlines and the legal refund
//! deadline count them, skipping weekends and configured public holidays.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Offset, Utc, Weekday};

use crate::config::Settings;

/// Which days are business days, and in which time zone.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    offset: FixedOffset,
    holidays: Vec<NaiveDate>,
}

impl BusinessCalendar {
    /// The calendar of the settings (offset validated at start-up).
    pub fn from_settings(settings: &Settings) -> Self {
        let offset = FixedOffset::east_opt(settings.business_utc_offset_minutes * 60)
            .unwrap_or_else(|| Utc.fix());
        let mut holidays = settings.business_holidays.clone();
        holidays.sort_unstable();
        Self { offset, holidays }
    }

    /// Whether `day` is a business day.
    pub fn is_business_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
            && self.holidays.binary_search(&day).is_err()
    }

    /// `days` business days after `from`, at the same local time of day. A start on a
    /// weekend or holiday counts from the next business day, as a law office would.
    pub fn add_business_days(&self, from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let local = from.with_timezone(&self.offset);
        let mut at = local;
        let mut left = days;
        while left > 0 {
            at += Duration::days(1);
            if self.is_business_day(at.date_naive()) {
                left -= 1;
            }
        }
        at.with_timezone(&Utc)
    }

    /// The local calendar date of `at` (order numbers use it).
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset).date_naive()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn calendar(holidays: &[&str]) -> BusinessCalendar {
        BusinessCalendar::from_settings(&Settings {
            business_holidays: holidays.iter().map(|d| d.parse().unwrap()).collect(),
            ..Settings::default()
        })
    }

    #[test]
    fn three_business_days_from_a_thursday_skip_the_weekend() {
        // Thursday 2026-11-05 10:00 KST.
        let from = Utc.with_ymd_and_hms(2026, 11, 5, 1, 0, 0).unwrap();
        let due = calendar(&[]).add_business_days(from, 3);
        assert_eq!(due, Utc.with_ymd_and_hms(2026, 11, 10, 1, 0, 0).unwrap());
    }

    #[test]
    fn holidays_are_skipped_and_weekends_counted_in_korean_time() {
        // Friday 23:30 UTC is already Saturday in Korea: the next business day is Monday,
        // unless Monday is a holiday.
        let from = Utc.with_ymd_and_hms(2026, 11, 6, 23, 30, 0).unwrap();
        let cal = calendar(&["2026-11-09"]);
        assert_eq!(
            cal.add_business_days(from, 1),
            Utc.with_ymd_and_hms(2026, 11, 9, 23, 30, 0).unwrap()
        );
        assert!(!cal.is_business_day("2026-11-09".parse().unwrap()));
        assert_eq!(
            cal.local_date(from),
            NaiveDate::from_ymd_opt(2026, 11, 7).unwrap()
        );
    }
}
