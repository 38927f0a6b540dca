import { test, expect, api, apiLogin, expectAccessible, marker, screenshot, signIn, AGENT } from './fixtures';

// Last: it adds seventy tickets, which would change the other files' counts.
test('a long queue renders only the rows in sight and pages in as it scrolls', async ({ page }) => {
  const agent = await apiLogin(AGENT);
  const { accounts } = await api<{ accounts: { nodes: { id: string; email: string }[] } }>(
    `query { accounts(first: 5, search: "buyer.junho@") { nodes { id email } } }`,
    {},
    agent,
  );
  const requesterId = accounts.nodes.find((a) => a.email === 'buyer.junho@storedesk.test')?.id;
  expect(requesterId).toBeTruthy();
  const word = marker();
  const total = 70;
  // Agents log phone calls for a customer; staff are not rate-limited. One by one, so that
  // "newest first" is the reverse of the numbering.
  for (let n = 1; n <= total; n += 1) {
    await api(
      `mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { id } } }`,
      {
        i: {
          subject: `전화 문의 ${word} ${String(n).padStart(3, '0')}`,
          body: '전화로 접수한 문의입니다.',
          category: 'OTHER',
          channel: 'PHONE',
          requesterId,
        },
      },
      agent,
    );
  }

  await signIn(page, AGENT);
  await page.goto(`/queue?q=${word}&sort=newest`);
  await expect(page.getByText(`${total}건`)).toBeVisible();
  const rows = page.getByTestId('queue-row');
  await expect(rows.filter({ hasText: `${word} 070` })).toBeVisible();
  // Virtual: far fewer rows in the DOM than loaded (the first page holds fifty).
  expect(await rows.count()).toBeLessThan(45);
  await expect(rows.filter({ hasText: `${word} 001` })).toHaveCount(0);

  // The keyboard cursor walks past what is rendered: the row it reaches scrolls into view,
  // and reaching the end of the first page fetches the second.
  await expect(async () => {
    for (let i = 0; i < 10; i += 1) await page.keyboard.press('j');
    await expect(rows.filter({ hasText: `${word} 001` })).toHaveAttribute('aria-selected', 'true', { timeout: 1_000 });
  }).toPass();
  expect(await rows.count()).toBeLessThan(45);
  await expect(rows.filter({ hasText: `${word} 070` })).toHaveCount(0);
  await expectAccessible(page, 'long queue');
  await screenshot(page, 'queue-long');

  // A ticket arriving while both pages are loaded joins the top; the older rows stay.
  await api(
    `mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { id } } }`,
    { i: { subject: `전화 문의 ${word} 071`, body: '새 전화 문의입니다.', category: 'OTHER', channel: 'PHONE', requesterId } },
    agent,
  );
  await expect(page.getByText(`${total + 1}건`)).toBeVisible();
  const scroller = page.getByTestId('queue-scroller');
  await scroller.evaluate((element) => element.scrollTo({ top: 0 }));
  await expect(rows.filter({ hasText: `${word} 071` })).toBeVisible();
  await expect(async () => {
    await scroller.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await expect(rows.filter({ hasText: `${word} 001` })).toBeVisible({ timeout: 1_000 });
  }).toPass();
});
