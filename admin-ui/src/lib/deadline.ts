/** How a seller reads a decision deadline: "오늘 마감", "D-1", "2일 초과". */
export interface DeadlineChip {
  /** i18n key under `seller.deadline`. */
  key: 'today' | 'passedToday' | 'daysLeft' | 'daysLate';
  /** Business days left or late (for `daysLeft` / `daysLate`). */
  days: number;
  color: 'red' | 'orange' | 'yellow' | 'gray';
}

/**
 * The chip for `sellerBusinessDaysLeft` (business days to the deadline, counted by the server
 * with the marketplace's holidays) and `overdue` (the deadline has passed). Null once decided.
 */
export function deadlineChip(daysLeft: number | null | undefined, overdue: boolean): DeadlineChip | null {
  if (daysLeft === null || daysLeft === undefined) return null;
  if (daysLeft < 0) return { key: 'daysLate', days: -daysLeft, color: 'red' };
  if (daysLeft === 0) return overdue ? { key: 'passedToday', days: 0, color: 'red' } : { key: 'today', days: 0, color: 'orange' };
  return { key: 'daysLeft', days: daysLeft, color: daysLeft === 1 ? 'yellow' : 'gray' };
}
