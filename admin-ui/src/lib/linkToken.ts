/**
 * The token of an emailed link (reset, recovery, lock). Read once, as the page starts and
 * before the router or anything else sees the address, then removed from the address bar
 * and the history, so it is never in a bookmark, a screenshot or a later page's referrer.
 */
export const TOKEN_PAGES = ['/reset-password', '/recover-account', '/lock-account'];

let token: string | null = null;

export function takeLinkToken(location: Location = window.location, history: History = window.history): void {
  if (!TOKEN_PAGES.includes(location.pathname)) return;
  const params = new URLSearchParams(location.search);
  token = params.get('token');
  if (location.search) history.replaceState(null, '', location.pathname);
}

/** The token the page was opened with, if any. */
export function linkToken(): string | null {
  return token;
}

if (typeof window !== 'undefined') takeLinkToken();
