import { test, expect, expectAccessible, screenshot } from './fixtures';

// First and alone: if Debian's Chromium and the pinned Playwright stop speaking to each
// other, this is the one clear failure.
test('the console loads from the binary under its policy @postgres', async ({ page, problems }) => {
  const response = await page.goto('/');
  expect(response?.ok()).toBeTruthy();
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole('heading', { name: 'storedesk 로그인' })).toBeVisible();

  const index = await page.request.get('/queue', { headers: { accept: 'text/html' } });
  const policy = index.headers()['content-security-policy'] ?? '';
  expect(policy).toContain("script-src 'self';");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).not.toContain('unsafe-inline');
  expect(index.headers()['cache-control']).toBe('no-cache');
  expect(index.headers()['etag']).toBeTruthy();

  await expectAccessible(page, 'sign-in');
  await screenshot(page, 'sign-in');
  expect(problems).toEqual([]);
});

test('a stale chunk name is a 404, never the page', async ({ request }) => {
  const missing = await request.get('/assets/index-deadbeef.js');
  expect(missing.status()).toBe(404);
});

test('GraphiQL comes from the binary, not from a CDN, and runs a query', async ({ page, problems }) => {
  const origin = new URL(test.info().project.use.baseURL ?? '').origin;
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
  });
  const response = await page.goto('/graphql');
  expect(response?.ok()).toBeTruthy();
  const policy = response?.headers()['content-security-policy'] ?? '';
  expect(policy).toContain("script-src 'self';");
  expect(policy).toContain("frame-ancestors 'none'");

  // Monaco renders spaces as no-break spaces: match any white space. The editor must hold
  // the query before the button can run it.
  await expect(page.locator('.graphiql-query-editor')).toContainText(/query\s+Me/);
  await page.getByRole('button', { name: /execute query/i }).click();
  await expect(page.getByRole('region', { name: 'Result Window' })).toContainText(/"me":\s*null/);
  await screenshot(page, 'graphiql');
  expect(foreign).toEqual([]);

  // The page itself is reachable only there (and only in development mode).
  expect((await page.request.get('/graphiql.html')).status()).toBe(404);
  expect(problems).toEqual([]);
});
