import { describe, expect, it } from 'vitest';
import { cancellationRule } from './cancellationRule';

const day = 24 * 3600 * 1000;
const delivered = '2026-11-02T00:00:00.000Z';

describe('cancellationRule', () => {
  it('cancels a paid order at once and asks the seller while preparing', () => {
    expect(cancellationRule('PAID', null, 0).action).toBe('cancelNow');
    expect(cancellationRule('PREPARING', null, 0)).toMatchObject({ action: 'requestCancel', kind: 'CANCEL' });
  });

  it('refuses to cancel a shipped order', () => {
    expect(cancellationRule('SHIPPED', null, 0)).toMatchObject({ action: 'none', rule: 'shipped' });
  });

  it('accepts returns for seven days after delivery, then not', () => {
    const start = Date.parse(delivered);
    const within = cancellationRule('DELIVERED', delivered, start + 7 * day);
    expect(within).toMatchObject({ action: 'requestReturn', kind: 'RETURN', returnUntil: '2026-11-09T00:00:00.000Z' });
    expect(cancellationRule('DELIVERED', delivered, start + 7 * day + 1).rule).toBe('returnClosed');
  });
});
