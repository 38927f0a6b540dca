/**
 * What a buyer may do about an order now, and the rule to explain before they act
 * (DOMAIN.md): before preparing, cancel at once with a full refund; while preparing, ask
 * and the seller decides; once shipped, no cancellation (return it after delivery);
 * returns within seven days of delivery. The server enforces the same rules; this only
 * decides what to show.
 */
export const RETURN_WINDOW_DAYS = 7;

export type ClaimAction = 'cancelNow' | 'requestCancel' | 'requestReturn' | 'none';
export type ClaimRule = 'beforePreparing' | 'preparing' | 'shipped' | 'returnWindow' | 'returnClosed' | 'closed';

export interface CancellationRule {
  action: ClaimAction;
  rule: ClaimRule;
  kind: 'CANCEL' | 'RETURN';
  /** The last moment a return is accepted, for a delivered order. */
  returnUntil: string | null;
}

export function cancellationRule(status: string, deliveredAt: string | null, now: number): CancellationRule {
  const none = (rule: ClaimRule): CancellationRule => ({ action: 'none', rule, kind: 'CANCEL', returnUntil: null });
  switch (status) {
    case 'PAID':
      return { action: 'cancelNow', rule: 'beforePreparing', kind: 'CANCEL', returnUntil: null };
    case 'PREPARING':
      return { action: 'requestCancel', rule: 'preparing', kind: 'CANCEL', returnUntil: null };
    case 'SHIPPED':
      return none('shipped');
    case 'DELIVERED':
    case 'CONFIRMED': {
      if (!deliveredAt) return none('returnClosed');
      const until = new Date(Date.parse(deliveredAt) + RETURN_WINDOW_DAYS * 24 * 3600 * 1000);
      return now <= until.getTime()
        ? { action: 'requestReturn', rule: 'returnWindow', kind: 'RETURN', returnUntil: until.toISOString() }
        : { ...none('returnClosed'), returnUntil: until.toISOString() };
    }
    default:
      return none('closed');
  }
}
