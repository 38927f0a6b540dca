/**
 * The browser session. The access token lives in this module's memory only (never in
 * storage a script injected elsewhere could read); the refresh token is an HttpOnly cookie
 * scoped to `/auth` that only `POST /auth/refresh` sees. A refresh runs shortly before the
 * access token expires and whenever the API says UNAUTHENTICATED; concurrent callers share
 * one refresh (the cookie rotates, so two parallel refreshes would end the session).
 */

export type Role = 'BUYER' | 'SELLER' | 'AGENT' | 'ADMIN';

export interface SessionAccount {
  id: string;
  name: string;
  role: Role;
}

export interface Session {
  accessToken: string;
  expiresAt: number;
  account: SessionAccount;
}

/** Why the user is looking at the sign-in page. */
export type SignedOutReason = 'signedOut' | 'ended' | null;

type Listener = (session: Session | null, reason: SignedOutReason) => void;

/** Headers that prove a request is this site's own (see src/http/session_cookie.rs). */
export const CSRF_HEADERS = { 'X-Storedesk-CSRF': '1' } as const;

/** How long before expiry the timer refreshes. */
export const REFRESH_MARGIN_MS = 60_000;

export interface SessionDeps {
  fetch: typeof fetch;
  now: () => number;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
}

interface RefreshAnswer {
  accessToken: string;
  accessTokenExpiresAt: string;
  account: SessionAccount;
}

function errorCode(body: unknown): string | undefined {
  const errors = (body as { errors?: { extensions?: { code?: string } }[] } | null)?.errors;
  return errors?.[0]?.extensions?.code;
}

/** The session store; one per page (see `session` below), separate ones in tests. */
export class SessionStore {
  private current: Session | null = null;
  private inflight: Promise<Session | null> | null = null;
  private timer: unknown = null;
  private listeners = new Set<Listener>();
  private deps: SessionDeps;

  constructor(deps: SessionDeps) {
    this.deps = deps;
  }

  get(): Session | null {
    return this.current;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Installs the session a `login(cookie: true)` answered. */
  signedIn(payload: RefreshAnswer): void {
    this.install(payload);
  }

  /** A valid access token, refreshing first when it is about to expire. */
  async token(): Promise<string | null> {
    const session = this.current;
    if (session && session.expiresAt - this.deps.now() > 5_000) {
      return session.accessToken;
    }
    return (await this.refresh())?.accessToken ?? null;
  }

  /** Trades the cookie for a new access token; one refresh at a time. */
  refresh(): Promise<Session | null> {
    this.inflight ??= this.doRefresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** Ends this session (or every session of the account) and forgets it. */
  async signOut(everywhere = false): Promise<void> {
    try {
      await this.deps.fetch(`/auth/logout${everywhere ? '?everywhere=true' : ''}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: CSRF_HEADERS,
      });
    } finally {
      this.clear('signedOut');
    }
  }

  /** Forgets the session after the API refused it (revoked, expired, locked). */
  clear(reason: SignedOutReason): void {
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = null;
    const had = this.current !== null;
    this.current = null;
    if (had || reason !== 'ended') this.emit(reason);
  }

  private async doRefresh(): Promise<Session | null> {
    let response: Response;
    try {
      response = await this.deps.fetch('/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: CSRF_HEADERS,
      });
    } catch {
      // Offline: keep what we have; the caller's request fails and is retried later.
      return this.current;
    }
    if (response.status === 204) {
      // No cookie: nobody is signed in on this browser (any more).
      if (this.current) this.clear('ended');
      return null;
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.ok) {
      return this.install(body as RefreshAnswer);
    }
    if (response.status === 401 || errorCode(body) === 'UNAUTHENTICATED') {
      // Revoked, expired, signed out everywhere, or the account was locked: the server does
      // not say which (it would tell a thief holding a stolen cookie), so neither do we.
      this.clear('ended');
      return null;
    }
    return this.current;
  }

  private install(payload: RefreshAnswer): Session {
    const session: Session = {
      accessToken: payload.accessToken,
      expiresAt: Date.parse(payload.accessTokenExpiresAt),
      account: payload.account,
    };
    this.current = session;
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    const wait = Math.max(session.expiresAt - this.deps.now() - REFRESH_MARGIN_MS, 1_000);
    this.timer = this.deps.setTimer(() => void this.refresh(), wait);
    this.emit(null);
    return session;
  }

  private emit(reason: SignedOutReason): void {
    for (const listener of this.listeners) listener(this.current, reason);
  }
}

/** The page's session. */
export const session = new SessionStore({
  fetch: (input, init) => globalThis.fetch(input, init),
  now: () => Date.now(),
  setTimer: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimer: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
});
