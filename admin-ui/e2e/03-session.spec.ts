import { test, expect, signIn, api, AGENT, SELLER } from './fixtures';

test('the refresh token is an HttpOnly, SameSite=Strict cookie on /auth, rotated on reload', async ({ page, context }) => {
  await signIn(page, AGENT);
  await expect(page).toHaveURL(/\/queue/);
  const cookie = (await context.cookies()).find((c) => c.name === 'storedesk_refresh');
  expect(cookie).toBeDefined();
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Strict');
  expect(cookie?.path).toBe('/auth');
  // Not in any script-readable place.
  expect(await page.evaluate(() => document.cookie)).not.toContain('storedesk_refresh');
  expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).not.toMatch(/eyJ/);

  // A reload keeps the agent signed in by trading the cookie for a new access token and a new cookie.
  await page.reload();
  await expect(page.getByTestId('queue-row').first()).toBeVisible();
  const rotated = (await context.cookies()).find((c) => c.name === 'storedesk_refresh');
  expect(rotated?.value).not.toBe(cookie?.value);
});

test('signing out everywhere kills the access token a thief copied', async ({ page }) => {
  let stolen = '';
  page.on('request', (request) => {
    const header = request.headers()['authorization'];
    if (header?.startsWith('Bearer ')) stolen = header.slice(7);
  });
  await signIn(page, AGENT);
  await expect(page.getByTestId('queue-row').first()).toBeVisible();
  expect(stolen).not.toBe('');
  expect((await api<{ me: { email: string } }>('{ me { email } }', {}, stolen)).me.email).toBe(AGENT);

  await page.getByTestId('account-menu').click();
  await page.getByRole('menuitem', { name: '모든 기기에서 로그아웃' }).click();
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByText('로그아웃했습니다.')).toBeVisible();
  const after = await api<{ me: { email: string } | null }>('{ me { email } }', {}, stolen).catch(() => ({ me: null }));
  expect(after.me).toBeNull();

  // The cookie is gone too: a reload stays signed out.
  await page.goto('/queue');
  await expect(page).toHaveURL(/\/signin/);
});

test('a seller signs in and lands on the seller center', async ({ page }) => {
  await signIn(page, SELLER);
  await expect(page).toHaveURL(/\/seller$/);
  await expect(page.getByRole('heading', { name: '판매자 대시보드' })).toBeVisible();
});

test('a wrong password keeps the email and says why', async ({ page }) => {
  await page.goto('/signin');
  await page.getByLabel('이메일').fill(AGENT);
  await page.getByLabel('비밀번호').fill('definitely wrong');
  await page.getByRole('button', { name: '로그인' }).click();
  await expect(page.getByTestId('signin-error')).toBeVisible();
  await expect(page.getByLabel('이메일')).toHaveValue(AGENT);
});
