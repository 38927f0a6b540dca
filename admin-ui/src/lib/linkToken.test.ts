import { describe, expect, it } from 'vitest';
import { linkToken, takeLinkToken } from './linkToken';

function fakeLocation(href: string): Location {
  const url = new URL(href);
  return { pathname: url.pathname, search: url.search } as Location;
}

describe('takeLinkToken', () => {
  it('keeps the token of an emailed link and takes it out of the address', () => {
    const replaced: unknown[][] = [];
    const history = { replaceState: (...args: unknown[]) => replaced.push(args) } as unknown as History;
    takeLinkToken(fakeLocation('https://desk.example/reset-password?token=abc-123'), history);
    expect(linkToken()).toBe('abc-123');
    expect(replaced).toEqual([[null, '', '/reset-password']]);
  });

  it('ignores every other page', () => {
    const history = { replaceState: () => { throw new Error('must not touch the address'); } } as unknown as History;
    takeLinkToken(fakeLocation('https://desk.example/queue?token=zzz'), history);
    expect(linkToken()).toBe('abc-123');
  });
});
