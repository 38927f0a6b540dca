import { describe, expect, it } from 'vitest';
import { deadlineChip } from './deadline';

describe('deadlineChip', () => {
  it('reads business days left, today and late', () => {
    expect(deadlineChip(2, false)).toEqual({ key: 'daysLeft', days: 2, color: 'gray' });
    expect(deadlineChip(1, false)).toEqual({ key: 'daysLeft', days: 1, color: 'yellow' });
    expect(deadlineChip(0, false)).toEqual({ key: 'today', days: 0, color: 'orange' });
    expect(deadlineChip(0, true)).toEqual({ key: 'passedToday', days: 0, color: 'red' });
    expect(deadlineChip(-2, true)).toEqual({ key: 'daysLate', days: 2, color: 'red' });
  });

  it('shows nothing once decided', () => {
    expect(deadlineChip(null, false)).toBeNull();
  });
});
