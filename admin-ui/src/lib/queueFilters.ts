/**
 * The queue's filters as they live in the URL (`/queue?view=breached&q=배송`), so a view can
 * be bookmarked, shared and restored by "back", and as they go to `tickets(filter:)`.
 */

export const STATUSES = ['OPEN', 'PENDING', 'RESOLVED', 'CLOSED'] as const;
export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
export const CATEGORIES = [
  'ORDER_PAYMENT', 'SHIPPING', 'ACCOUNT', 'CANCELLATION', 'REFUND', 'RETURN_EXCHANGE', 'SETTLEMENT', 'OTHER',
] as const;
export const VIEWS = ['all', 'mine', 'unassigned', 'breached', 'urgentAccount'] as const;
/** The queue's orders; the first is the default and stays out of the URL. */
export const SORTS = ['due', 'newest'] as const;

export type TicketStatus = (typeof STATUSES)[number];
export type TicketPriority = (typeof PRIORITIES)[number];
export type TicketCategory = (typeof CATEGORIES)[number];
export type QueueView = (typeof VIEWS)[number];
export type QueueSort = (typeof SORTS)[number];

/** The API's order for a queue sort. */
export function apiSort(sort: QueueSort | undefined): 'SLA_DUE' | 'NEWEST' {
  return sort === 'newest' ? 'NEWEST' : 'SLA_DUE';
}

export interface QueueSearch {
  view?: QueueView;
  status?: TicketStatus;
  category?: TicketCategory;
  priority?: TicketPriority;
  q?: string;
  /** `newest`; absent means "SLA due first". */
  sort?: 'newest';
}

function oneOf<T extends string>(values: readonly T[], value: unknown): T | undefined {
  return typeof value === 'string' && (values as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** Reads the URL's search params; anything unknown or malformed is dropped, not fatal. */
export function parseQueueSearch(search: Record<string, unknown>): QueueSearch {
  // The router reads `?q=1005` as the number 1005: a ticket number is still a search.
  const raw = typeof search.q === 'number' ? String(search.q) : search.q;
  const q = typeof raw === 'string' ? raw.trim().slice(0, 200) : undefined;
  const parsed: QueueSearch = {
    view: oneOf(VIEWS, search.view),
    status: oneOf(STATUSES, search.status),
    category: oneOf(CATEGORIES, search.category),
    priority: oneOf(PRIORITIES, search.priority),
    q: q || undefined,
    sort: search.sort === 'newest' ? 'newest' : undefined,
  };
  // Drop absent keys so the URL stays short and equal searches compare equal.
  return Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as QueueSearch;
}

/** The variables of `tickets(filter:)` for a search, for the signed-in agent `meId`. */
export interface TicketFilterInput {
  status?: TicketStatus;
  category?: TicketCategory;
  priority?: TicketPriority;
  assigneeId?: string;
  unassigned?: boolean;
  slaBreached?: boolean;
  search?: string;
}

/** What each saved view means; the explicit filters of the URL narrow it further. */
export function viewFilter(view: QueueView, meId: string): TicketFilterInput {
  switch (view) {
    case 'mine':
      return { assigneeId: meId, status: 'OPEN' };
    case 'unassigned':
      return { unassigned: true, status: 'OPEN' };
    case 'breached':
      return { slaBreached: true, status: 'OPEN' };
    case 'urgentAccount':
      return { category: 'ACCOUNT', priority: 'URGENT', status: 'OPEN' };
    case 'all':
      return { status: 'OPEN' };
  }
}

export function toTicketFilter(search: QueueSearch, meId: string): TicketFilterInput {
  const filter: TicketFilterInput = { ...viewFilter(search.view ?? 'all', meId) };
  if (search.status) filter.status = search.status;
  if (search.category) filter.category = search.category;
  if (search.priority) filter.priority = search.priority;
  if (search.q) filter.search = search.q;
  return filter;
}
