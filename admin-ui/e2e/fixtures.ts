import { test as base, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { e2eState, password } from './state';

export const AGENT = 'agent.kim@storedesk.test';
export const AGENT_2 = 'agent.lee@storedesk.test';
export const SELLER = 'seller.haneul@storedesk.test';
export const BUYER = 'buyer.minji@storedesk.test';

/** Where screenshots go (the README links to it). */
export const SCREENSHOTS = join(import.meta.dirname, '../screenshots');
mkdirSync(SCREENSHOTS, { recursive: true });

/** Every test fails on a console error or an unhandled rejection in the page. */
export const test = base.extend<{ problems: string[] }>({
  problems: async ({ page }, use) => {
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    await use(problems);
    expect(problems, 'console errors or unhandled rejections').toEqual([]);
  },
});

export { expect };

export async function signIn(page: Page, email: string): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('이메일').fill(email);
  await page.getByLabel('비밀번호').fill(password(email));
  await page.getByRole('button', { name: '로그인' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}

/** No serious or critical axe violation on the current screen. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${screen}: ${v.id} (${v.impact}) ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(' | ')}`),
  ).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  // Toasts come and go; they would only cover the screen being shown. (Hidden through the
  // CSSOM: an injected <style> would break the page's policy and count as a console error.)
  const toasts = (display: string) =>
    page.evaluate((value) => {
      document.querySelectorAll<HTMLElement>('.mantine-Notifications-root').forEach((root) => {
        root.style.display = value;
      });
    }, display);
  await toasts('none');
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  await toasts('');
}

/** Calls the GraphQL API directly (as a customer would from an app). */
export async function api<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const response = await fetch(`${e2eState().url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

export async function apiLogin(email: string): Promise<string> {
  const data = await api<{ login: { accessToken: string } }>(
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: email, p: password(email) },
  );
  return data.login.accessToken;
}

/** A unique word for finding what a test wrote (letters only: long digit runs look like card numbers to the API). */
export function marker(): string {
  return Array.from({ length: 8 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
}

/**
 * The newest link to `path` mailed to `to`, read from the development mail files
 * (`<data dir>/mail/*.eml`, written by the real outbox worker). Waits for the worker.
 */
export async function mailedLink(to: string, path: string, after = 0): Promise<string> {
  const { readdir, readFile, stat } = await import('node:fs/promises');
  const { simpleParser } = await import('mailparser');
  const dir = join(e2eState().dataDir, 'mail');
  let found: string | null = null;
  await expect
    .poll(
      async () => {
        const names = await readdir(dir).catch(() => [] as string[]);
        let newest = -1;
        for (const name of names.filter((n) => n.endsWith('.eml'))) {
          const file = join(dir, name);
          const modified = (await stat(file)).mtimeMs;
          if (modified < after || modified < newest) continue;
          const mail = await simpleParser(await readFile(file));
          const recipients = [mail.to].flat().flatMap((address) => address?.value ?? []).map((a) => a.address);
          const link = (mail.text ?? '').match(new RegExp(`https?://\\S+${path}\\?token=[\\w-]+`))?.[0];
          if (link && recipients.includes(to)) {
            newest = modified;
            found = link;
          }
        }
        return found;
      },
      { timeout: 30_000, message: `a mail to ${to} with a ${path} link` },
    )
    .not.toBeNull();
  return found as unknown as string;
}
