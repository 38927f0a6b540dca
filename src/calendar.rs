//! Business days in the marketplace's time zone: seller deadlines and the legal refund
//! deadline count them, skipping weekends and configured public holidays.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, Utc,
    Weekday,
};

use crate::config::Settings;

/// Which days are business days, and in which time zone.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    offset: FixedOffset,
    holidays: Vec<NaiveDate>,
    opens: NaiveTime,
    closes: NaiveTime,
}

impl BusinessCalendar {
    /// The calendar of the settings (offset validated at start-up).
    pub fn from_settings(settings: &Settings) -> Self {
        let offset = FixedOffset::east_opt(settings.business_utc_offset_minutes * 60)
            .unwrap_or_else(|| Utc.fix());
        let mut holidays = settings.business_holidays.clone();
        holidays.sort_unstable();
        let hour = |h: u32| NaiveTime::from_hms_opt(h.min(23), 0, 0).unwrap_or(NaiveTime::MIN);
        Self {
            offset,
            holidays,
            opens: hour(settings.business_opens_hour),
            closes: hour(
                settings
                    .business_closes_hour
                    .max(settings.business_opens_hour + 1),
            ),
        }
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

    /// `minutes` of business hours after `from` (SLA targets count these): time outside
    /// opening hours, on weekends and on holidays does not count.
    pub fn add_business_minutes(&self, from: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        let mut at = from.with_timezone(&self.offset).naive_local();
        let mut left = Duration::minutes(minutes.max(0));
        loop {
            let day = at.date();
            if !self.is_business_day(day) || at.time() >= self.closes {
                at = (day + Duration::days(1)).and_time(self.opens);
                continue;
            }
            if at.time() < self.opens {
                at = day.and_time(self.opens);
            }
            let open_today = day.and_time(self.closes) - at;
            if left <= open_today {
                at += left;
                break;
            }
            left -= open_today;
            at = (day + Duration::days(1)).and_time(self.opens);
        }
        self.to_utc(at)
    }

    /// Business minutes between `from` and `to` (0 when `to` is not later).
    pub fn business_minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let mut at = from.with_timezone(&self.offset).naive_local();
        let end = to.with_timezone(&self.offset).naive_local();
        let mut total = Duration::zero();
        while at < end {
            let day = at.date();
            let next = (day + Duration::days(1)).and_time(NaiveTime::MIN);
            if self.is_business_day(day) {
                let start = at.max(day.and_time(self.opens));
                let stop = end.min(day.and_time(self.closes));
                if stop > start {
                    total += stop - start;
                }
            }
            at = next;
        }
        total.num_minutes()
    }

    fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        (local - Duration::seconds(i64::from(self.offset.local_minus_utc()))).and_utc()
    }

    /// Business days from the local date of `now` to that of `deadline`, as a seller reads a
    /// deadline chip: `0` the same day ("today"), `1` the next business day ("D-1"), `-2` two
    /// business days behind. Weekends and holidays in between do not count.
    pub fn business_days_until(&self, now: DateTime<Utc>, deadline: DateTime<Utc>) -> i64 {
        let (today, due) = (self.local_date(now), self.local_date(deadline));
        let (from, to, sign) = if due >= today {
            (today, due, 1)
        } else {
            (due, today, -1)
        };
        // Counts the business days in (from, to]; deadlines lie days away, not years.
        let mut count = 0;
        let mut day = from;
        while day < to {
            day += Duration::days(1);
            if self.is_business_day(day) {
                count += 1;
            }
        }
        sign * count
    }

    /// The local wall-clock time of `at` (for messages people read).
    pub fn local_time(&self, at: DateTime<Utc>) -> chrono::NaiveDateTime {
        at.with_timezone(&self.offset).naive_local()
    }

    /// The instant a local calendar day begins (dashboards count "today" from it).
    pub fn start_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        self.to_utc(day.and_time(NaiveTime::MIN))
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

    #[test]
    fn business_days_until_skips_weekends_and_holidays_both_ways() {
        // 2026-12-04 is a Friday; 2026-12-08 a Tuesday made a holiday.
        let calendar = calendar(&["2026-12-08"]);
        let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).unwrap();
        // 10:00 and 23:00 UTC are the same and the next Korean day.
        assert_eq!(calendar.business_days_until(at(4, 1), at(4, 5)), 0);
        assert_eq!(calendar.business_days_until(at(4, 1), at(7, 1)), 1);
        assert_eq!(calendar.business_days_until(at(4, 1), at(9, 1)), 2);
        assert_eq!(calendar.business_days_until(at(9, 1), at(4, 1)), -2);
        assert_eq!(calendar.business_days_until(at(4, 1), at(4, 23)), 0);
        assert_eq!(calendar.business_days_until(at(3, 23), at(4, 1)), 0);
    }

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
    fn business_minutes_count_opening_hours_only() {
        let cal = calendar(&[]);
        // Friday 2026-11-06 17:30 KST + 60 business minutes = Monday 09:30 KST.
        let from = Utc.with_ymd_and_hms(2026, 11, 6, 8, 30, 0).unwrap();
        let due = cal.add_business_minutes(from, 60);
        assert_eq!(due, Utc.with_ymd_and_hms(2026, 11, 9, 0, 30, 0).unwrap());
        assert_eq!(cal.business_minutes_between(from, due), 60);
        // Saturday night counts from Monday's opening.
        let saturday = Utc.with_ymd_and_hms(2026, 11, 7, 13, 0, 0).unwrap();
        assert_eq!(
            cal.add_business_minutes(saturday, 30),
            Utc.with_ymd_and_hms(2026, 11, 9, 0, 30, 0).unwrap()
        );
        assert_eq!(cal.business_minutes_between(saturday, due), 30);
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
