/**
 * Composer drafts per ticket, kept in this tab's sessionStorage so they survive navigating
 * away and back (and a reload) but not the tab: a shared computer keeps no customer data.
 */

const PREFIX = 'storedesk.draft.';

export interface Draft {
  body: string;
  internal: boolean;
}

export function loadDraft(ticketId: string): Draft {
  try {
    const raw = sessionStorage.getItem(PREFIX + ticketId);
    const parsed = raw ? (JSON.parse(raw) as Partial<Draft>) : {};
    return { body: typeof parsed.body === 'string' ? parsed.body : '', internal: parsed.internal === true };
  } catch {
    return { body: '', internal: false };
  }
}

export function saveDraft(ticketId: string, draft: Draft): void {
  try {
    if (draft.body === '') sessionStorage.removeItem(PREFIX + ticketId);
    else sessionStorage.setItem(PREFIX + ticketId, JSON.stringify(draft));
  } catch {
    // Storage full or disabled: the draft still lives in the composer.
  }
}
