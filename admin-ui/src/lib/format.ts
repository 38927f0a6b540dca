/** Money, numbers and times the way Korean marketplaces print them: ko-KR, KRW, Asia/Seoul. */

export const TIME_ZONE = 'Asia/Seoul';

const won = new Intl.NumberFormat('ko-KR', { style: 'currency', currency: 'KRW', maximumFractionDigits: 0 });
const wonEn = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'KRW', maximumFractionDigits: 0 });
const integer = new Intl.NumberFormat('ko-KR');

/** `18900` → `₩18,900`. */
export function formatMoney(amount: number, locale = 'ko'): string {
  return (locale === 'en' ? wonEn : won).format(amount);
}

/** `12345` → `12,345`. */
export function formatNumber(value: number): string {
  return integer.format(value);
}

const dateTimes = new Map<string, Intl.DateTimeFormat>();

function dateTimeFormat(locale: string): Intl.DateTimeFormat {
  let format = dateTimes.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'en' ? 'en-US' : 'ko-KR', {
      timeZone: TIME_ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    dateTimes.set(locale, format);
  }
  return format;
}

/** An RFC 3339 instant shown in Seoul time: `2026. 12. 02. 19:05`. */
export function formatDateTime(iso: string, locale = 'ko'): string {
  return dateTimeFormat(locale).format(new Date(iso));
}

/** How a due time looks on a countdown. */
export type Urgency = 'ok' | 'soon' | 'late';

/** Less than this left turns a countdown amber. */
export const SOON_MS = 60 * 60 * 1000;

export function urgency(dueIso: string, now: number): Urgency {
  const left = Date.parse(dueIso) - now;
  if (left < 0) return 'late';
  return left < SOON_MS ? 'soon' : 'ok';
}

/**
 * A countdown to (or past) `dueIso`: `2시간 5분 남음` / `15분 초과`, `in 2h 5m` / `15m over`.
 * Minutes are rounded towards the deadline so "0분 남음" never shows once it has passed.
 */
export function formatCountdown(dueIso: string, now: number, locale = 'ko'): string {
  const left = Date.parse(dueIso) - now;
  const minutes = Math.floor(Math.abs(left) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (locale === 'en') {
    const parts = [days && `${days}d`, hours && `${hours}h`, `${mins}m`].filter(Boolean).join(' ');
    return left >= 0 ? `in ${parts}` : `${parts} over`;
  }
  const parts = [days && `${days}일`, hours && `${hours}시간`, `${mins}분`].filter(Boolean).join(' ');
  return left >= 0 ? `${parts} 남음` : `${parts} 초과`;
}

const relative = new Map<string, Intl.RelativeTimeFormat>();

/** How long ago `iso` was, in the largest whole unit: `3시간 전`, `2일 전`, `3 hours ago`. */
export function formatAgo(iso: string, now: number, locale = 'ko'): string {
  let format = relative.get(locale);
  if (!format) {
    format = new Intl.RelativeTimeFormat(locale === 'en' ? 'en-US' : 'ko-KR', { numeric: 'auto' });
    relative.set(locale, format);
  }
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
  // "0 minutes ago" reads oddly (auto words it "현재 분"); "now" does not.
  if (minutes < 1) return format.format(0, 'second');
  if (minutes < 60) return format.format(-minutes, 'minute');
  if (minutes < 48 * 60) return format.format(-Math.floor(minutes / 60), 'hour');
  return format.format(-Math.floor(minutes / 1440), 'day');
}
