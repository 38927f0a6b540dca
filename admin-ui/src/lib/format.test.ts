import { describe, expect, it } from 'vitest';
import { formatAgo, formatCountdown, formatDateTime, formatMoney, urgency } from './format';

describe('money', () => {
  it('prints won without decimals', () => {
    expect(formatMoney(18900)).toBe('₩18,900');
    expect(formatMoney(1234567.4)).toBe('₩1,234,567');
    expect(formatMoney(0, 'en')).toBe('₩0');
  });
});

describe('dates', () => {
  it('shows instants in Seoul time whatever the machine zone', () => {
    // 15:30 UTC is 00:30 the next day in Seoul.
    expect(formatDateTime('2026-12-01T15:30:00Z')).toBe('2026. 12. 02. 00:30');
  });
});

describe('countdowns', () => {
  const now = Date.parse('2026-12-02T00:00:00Z');
  it('counts down and past the deadline', () => {
    expect(formatCountdown('2026-12-02T02:05:30Z', now)).toBe('2시간 5분 남음');
    expect(formatCountdown('2026-12-01T23:45:00Z', now)).toBe('15분 초과');
    expect(formatCountdown('2026-12-04T00:00:00Z', now, 'en')).toBe('in 2d 0m');
  });
  it('turns amber within the hour and red once late', () => {
    expect(urgency('2026-12-02T03:00:00Z', now)).toBe('ok');
    expect(urgency('2026-12-02T00:30:00Z', now)).toBe('soon');
    expect(urgency('2026-12-01T23:59:00Z', now)).toBe('late');
  });
});

describe('formatAgo', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  it('says how long since, in the largest whole unit', () => {
    expect(formatAgo('2026-12-02T12:00:00Z', now)).toBe('지금');
    expect(formatAgo('2026-12-02T11:55:00Z', now)).toBe('5분 전');
    expect(formatAgo('2026-12-02T09:00:00Z', now)).toBe('3시간 전');
    expect(formatAgo('2026-11-29T12:00:00Z', now)).toBe('3일 전');
    expect(formatAgo('2026-12-02T09:00:00Z', now, 'en')).toBe('3 hours ago');
  });
});
