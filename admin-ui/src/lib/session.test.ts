import { describe, expect, it, vi } from 'vitest';
import { REFRESH_MARGIN_MS, SessionStore } from './session';

function answer(token: string, expiresAt: number) {
  return new Response(
    JSON.stringify({
      accessToken: token,
      accessTokenExpiresAt: new Date(expiresAt).toISOString(),
      account: { id: 'a1', name: '김상담', role: 'AGENT' },
    }),
    { status: 200, headers: { 'content-type': 'application/json' } },
  );
}

function store(fetch: typeof globalThis.fetch, now = 1_000_000) {
  const timers: { fn: () => void; ms: number }[] = [];
  const s = new SessionStore({
    fetch,
    now: () => now,
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
  });
  return { s, timers };
}

describe('the browser session', () => {
  it('shares one refresh between concurrent callers (the cookie rotates)', async () => {
    const fetch = vi.fn(async () => answer('t1', 1_000_000 + 900_000));
    const { s } = store(fetch);
    const [a, b, c] = await Promise.all([s.token(), s.token(), s.refresh()]);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect([a, b, c?.accessToken]).toEqual(['t1', 't1', 't1']);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/auth/refresh');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>)['X-Storedesk-CSRF']).toBe('1');
  });

  it('refreshes a minute before the access token expires', async () => {
    const { s, timers } = store(vi.fn(async () => answer('t1', 1_000_000 + 900_000)));
    await s.refresh();
    expect(timers.at(-1)?.ms).toBe(900_000 - REFRESH_MARGIN_MS);
  });

  it('uses the token in memory while it is fresh', async () => {
    const fetch = vi.fn(async () => answer('t1', 1_000_000 + 900_000));
    const { s } = store(fetch);
    await s.refresh();
    await s.token();
    await s.token();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('forgets the session when the server ends it, and says so', async () => {
    let call = 0;
    const fetch = vi.fn(async () =>
      call++ === 0
        ? answer('t1', 1_000_000 + 900_000)
        : new Response(JSON.stringify({ errors: [{ message: 'x', extensions: { code: 'UNAUTHENTICATED' } }] }), { status: 401 }),
    );
    const { s } = store(fetch);
    const reasons: (string | null)[] = [];
    s.subscribe((_session, reason) => reasons.push(reason));
    await s.refresh();
    expect(await s.refresh()).toBeNull();
    expect(s.get()).toBeNull();
    expect(reasons).toEqual([null, 'ended']);
  });

  it('treats a browser without the cookie as signed out, quietly', async () => {
    const { s } = store(vi.fn(async () => new Response(null, { status: 204 })));
    const reasons: (string | null)[] = [];
    s.subscribe((_session, reason) => reasons.push(reason));
    expect(await s.refresh()).toBeNull();
    expect(reasons).toEqual([]);
  });

  it('keeps the session through a network failure', async () => {
    let call = 0;
    const fetch = vi.fn(async () => {
      if (call++ === 0) return answer('t1', 1_000_000 + 900_000);
      throw new TypeError('Failed to fetch');
    });
    const { s } = store(fetch);
    await s.refresh();
    expect((await s.refresh())?.accessToken).toBe('t1');
  });
});
