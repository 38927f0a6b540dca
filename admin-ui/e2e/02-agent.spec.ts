import { test, expect, signIn, expectAccessible, screenshot, api, apiLogin, AGENT, BUYER, marker } from './fixtures';

test('an agent opens a ticket from the queue by keyboard and replies @postgres', async ({ page, problems }) => {
  await signIn(page, AGENT);
  await expect(page).toHaveURL(/\/queue/);
  const rows = page.getByTestId('queue-row');
  await expect(rows.first()).toBeVisible();
  await expect(page.getByRole('tab', { name: /SLA 위반/ })).toBeVisible();
  await expectAccessible(page, 'queue');
  await screenshot(page, 'queue');

  // Filters live in the URL.
  await page.getByRole('tab', { name: /미배정/ }).click();
  await expect(page).toHaveURL(/view=unassigned/);
  await page.getByRole('tab', { name: /전체 열림/ }).click();
  await expect(page).toHaveURL(/view=all/);
  await expect(rows.first()).toBeVisible();

  // Keys act on the rows on screen: wait for the cursor to move before the next key.
  await page.keyboard.press('j');
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('k');
  await expect(rows.first()).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/tickets\//);
  await expect(page.getByTestId('composer')).toBeVisible();

  const reply = `안녕하세요, 확인해 보겠습니다 ${marker()}`;
  await page.getByLabel('고객에게 보낼 답변을 입력하세요').fill(reply);
  await page.getByRole('button', { name: '답변 보내기' }).click();
  await expect(page.getByTestId('public-message').filter({ hasText: reply })).toBeVisible();
  await expectAccessible(page, 'ticket');
  await screenshot(page, 'ticket');
  expect(problems).toEqual([]);
});

test('an internal note never reaches the customer', async ({ page }) => {
  const buyer = await apiLogin(BUYER);
  const created = await api<{ createTicket: { ticket: { id: string } } }>(
    `mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { id } } }`,
    { i: { subject: '포인트 적립이 안 됐어요', body: '지난주 주문의 포인트가 안 들어왔습니다.', category: 'OTHER' } },
    buyer,
  );
  const ticketId = created.createTicket.ticket.id;

  await signIn(page, AGENT);
  await page.goto(`/tickets/${ticketId}`);
  const note = `고객 본인 확인 필요 ${marker()}`;
  await expect(page.getByTestId('composer')).toBeVisible();
  // `n` switches the composer to an internal note (and focuses it).
  await page.keyboard.press('n');
  await expect(page.getByTestId('composer')).toHaveAttribute('data-mode', 'note');
  await page.getByLabel('상담원끼리만 보는 메모를 입력하세요').fill(note);
  await page.getByRole('button', { name: '메모 저장' }).click();
  await expect(page.getByTestId('internal-note').filter({ hasText: note })).toBeVisible();

  const seen = await api<{ ticket: { messages: { nodes: { body: string; internal: boolean }[] } } }>(
    `query($id: ID!) { ticket(id: $id) { messages(first: 100) { nodes { body internal } } } }`,
    { id: ticketId },
    buyer,
  );
  expect(seen.ticket.messages.nodes.some((m) => m.body.includes(note))).toBe(false);
});

test('a new ticket appears in an open queue without reload', async ({ page }) => {
  // The change must happen after the queue subscribed, or there is nothing to see live.
  const subscribed = page.waitForEvent('websocket').then(
    (socket) =>
      new Promise<void>((resolve) => {
        socket.on('framereceived', (frame) => {
          if (String(frame.payload).includes('connection_ack')) resolve();
        });
      }),
  );
  await signIn(page, AGENT);
  await expect(page.getByTestId('queue-row').first()).toBeVisible();
  await subscribed;
  const subject = `실시간 확인 ${marker()}`;
  const buyer = await apiLogin(BUYER);
  await api(
    `mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { id } } }`,
    { i: { subject, body: '새 문의입니다.', category: 'OTHER' } },
    buyer,
  );
  await expect(page.getByTestId('queue-row').filter({ hasText: subject })).toBeVisible();
});
