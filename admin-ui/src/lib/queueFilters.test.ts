import { describe, expect, it } from 'vitest';
import { apiSort, parseQueueSearch, toTicketFilter } from './queueFilters';

describe('queue filters in the URL', () => {
  it('keeps known values and drops the rest', () => {
    expect(parseQueueSearch({ view: 'breached', status: 'PENDING', priority: 'nope', q: '  배송 ' })).toEqual({
      view: 'breached',
      status: 'PENDING',
      q: '배송',
    });
    expect(parseQueueSearch({ q: '   ', category: 42 })).toEqual({});
  });

  it('turns a view and explicit filters into the API filter', () => {
    expect(toTicketFilter({ view: 'mine' }, 'me-1')).toEqual({ assigneeId: 'me-1', status: 'OPEN' });
    expect(toTicketFilter({ view: 'unassigned', status: 'PENDING', q: '환불' }, 'me-1')).toEqual({
      unassigned: true,
      status: 'PENDING',
      search: '환불',
    });
    expect(toTicketFilter({}, 'me-1')).toEqual({ status: 'OPEN' });
  });

  it('keeps a numeric search (a ticket number the router parsed as a number) as text', () => {
    expect(parseQueueSearch({ q: 1005 })).toEqual({ q: '1005' });
    expect(toTicketFilter(parseQueueSearch({ q: 1005 }), 'me-1').search).toBe('1005');
  });

  it('sorts by the next SLA target unless the URL says newest', () => {
    expect(parseQueueSearch({ sort: 'newest' })).toEqual({ sort: 'newest' });
    expect(parseQueueSearch({ sort: 'oldest' })).toEqual({});
    expect(apiSort(undefined)).toBe('SLA_DUE');
    expect(apiSort('newest')).toBe('NEWEST');
  });
});
