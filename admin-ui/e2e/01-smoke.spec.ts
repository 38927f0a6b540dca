import { test, expect, expectAccessible, screenshot } from './fixtures';

// First and alone: if Debian's Chromium and the pinned Playwright stop speaking to each
// other, this is the one clear failure.
test('the console loads from the binary under its policy @postgres', async ({ page, problems }) => {
  const response = await page.goto('/');
  expect(response?.ok()).toBeTruthy();
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole('heading', { name: '상담 콘솔 로그인' })).toBeVisible();

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
