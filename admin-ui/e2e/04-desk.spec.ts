import type { Page, WebSocketRoute } from '@playwright/test';
import { test, expect, signIn, expectAccessible, screenshot, api, apiLogin, AGENT, AGENT_2, BUYER, marker } from './fixtures';

interface OrderRow {
  id: string;
  orderNumber: string;
  status: string;
  refundableAmount: number;
  store: { id: string };
}

/** A paid order of the demo buyer (placed and paid through the API, as the shop would). */
async function paidOrder(buyer: string, amount: number): Promise<OrderRow> {
  const existing = await api<{ orders: { nodes: OrderRow[] } }>(
    '{ orders(first: 1) { nodes { id orderNumber status refundableAmount store { id } } } }',
    {},
    buyer,
  );
  const storeId = existing.orders.nodes[0]!.store.id;
  const placed = await api<{ placeOrder: { id: string } }>(
    'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }',
    { i: { storeId, items: [{ productName: '무선 이어폰 케이스', quantity: 1, unitPrice: amount }] } },
    buyer,
  );
  const paid = await api<{ payOrder: OrderRow }>(
    'mutation($id: ID!) { payOrder(orderId: $id, input: { method: CARD, cardBrand: "VISA", cardLast4: "4242" }) { id orderNumber status refundableAmount store { id } } }',
    { id: placed.placeOrder.id },
    buyer,
  );
  return paid.payOrder;
}

async function ticketFor(buyer: string, orderId: string, subject: string, category = 'REFUND'): Promise<string> {
  const created = await api<{ createTicket: { ticket: { id: string } } }>(
    'mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { id } } }',
    { i: { category, subject, body: '부분 환불을 받고 싶습니다. 상품 하나가 빠져 있었어요.', orderId } },
    buyer,
  );
  return created.createTicket.ticket.id;
}

test('an agent opens a breaching ticket by keyboard, applies a macro whose preview shows the order number, and replies', async ({ page }) => {
  const agent = await apiLogin(AGENT);
  // A breaching ticket of the demo data that has an order.
  const breached = await api<{ tickets: { nodes: { id: string; number: number; order: { orderNumber: string } | null }[] } }>(
    '{ tickets(filter: { slaBreached: true, status: OPEN }, first: 50) { nodes { id number order { orderNumber } } } }',
    {},
    agent,
  );
  const target = breached.tickets.nodes.find((ticket) => ticket.order !== null);
  expect(target, 'the demo data has a breaching ticket about an order').toBeDefined();
  const title = `주문번호 안내 ${marker()}`;
  await api(
    'mutation($i: MacroInput!) { createMacro(input: $i) { id } }',
    { i: { title, body: '{{customer.name}}님, 주문 {{order.orderNumber}} 건을 확인했습니다.' } },
    agent,
  );

  await signIn(page, AGENT);
  await page.goto(`/queue?view=breached&q=${target!.number}`);
  await expect(page.getByTestId('queue-row')).toHaveCount(1);
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/tickets/${target!.id}`));

  await page.getByRole('combobox', { name: '매크로' }).fill(title.slice(0, 6));
  await page.getByRole('option', { name: title }).click();
  const preview = page.getByTestId('macro-preview');
  await expect(preview).toContainText(target!.order!.orderNumber);
  await page.getByRole('button', { name: '답변에 넣기' }).click();
  const box = page.getByLabel('고객에게 보낼 답변을 입력하세요');
  await expect(box).toHaveValue(new RegExp(target!.order!.orderNumber));
  await page.getByRole('button', { name: '답변 보내기' }).click();
  await expect(page.getByTestId('public-message').filter({ hasText: target!.order!.orderNumber }).last()).toBeVisible();
});

/** Forwards the console's socket, and drops what the server sends once `frozen` is set. */
async function freezableSocket(page: Page): Promise<{ freeze: () => void }> {
  let frozen = false;
  await page.routeWebSocket(/\/graphql\/ws$/, (socket: WebSocketRoute) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      if (!frozen) socket.send(message);
    });
  });
  return { freeze: () => (frozen = true) };
}

test('a second agent sees presence, and a reply against a stale conversation is refused and keeps the draft', async ({ page, browser }) => {
  const buyer = await apiLogin(BUYER);
  const order = await paidOrder(buyer, 21_000);
  const ticketId = await ticketFor(buyer, order.id, `두 상담원 ${marker()}`);

  const lee = await browser.newContext({ locale: 'ko-KR', timezoneId: 'Asia/Seoul', viewport: { width: 1440, height: 900 } });
  const leePage = await lee.newPage();
  const socket = await freezableSocket(leePage);
  await signIn(leePage, AGENT_2);
  await leePage.goto(`/tickets/${ticketId}`);
  await expect(leePage.getByTestId('composer')).toBeVisible();

  await signIn(page, AGENT);
  await page.goto(`/tickets/${ticketId}`);
  await expect(page.getByTestId('presence')).toContainText('이지원');
  await expect(leePage.getByTestId('presence')).toContainText('김상담');
  await page.getByLabel('고객에게 보낼 답변을 입력하세요').fill('확인 중입니다');
  await expect(leePage.getByTestId('presence')).toContainText('입력 중');
  await expectAccessible(leePage, 'ticket with presence');
  await screenshot(leePage, 'ticket-presence');

  // Lee's page stops hearing the server, then Kim answers: Lee's view is now stale.
  socket.freeze();
  const kimReply = `김 상담원의 답변 ${marker()}`;
  await page.getByLabel('고객에게 보낼 답변을 입력하세요').fill(kimReply);
  await page.getByRole('button', { name: '답변 보내기' }).click();
  await expect(page.getByTestId('public-message').filter({ hasText: kimReply })).toBeVisible();

  const leeDraft = `이 상담원의 답변 ${marker()}`;
  await leePage.getByLabel('고객에게 보낼 답변을 입력하세요').fill(leeDraft);
  await leePage.getByRole('button', { name: '답변 보내기' }).click();
  await expect(leePage.getByRole('alert').filter({ hasText: '다른 사람이 먼저' })).toBeVisible();
  // The newer message is shown and nothing typed is lost.
  await expect(leePage.getByTestId('public-message').filter({ hasText: kimReply })).toBeVisible();
  await expect(leePage.getByLabel('고객에게 보낼 답변을 입력하세요')).toHaveValue(leeDraft);
  await screenshot(leePage, 'ticket-conflict');

  const seen = await api<{ ticket: { messages: { nodes: { body: string }[] } } }>(
    'query($id: ID!) { ticket(id: $id) { messages(first: 100) { nodes { body } } } }',
    { id: ticketId },
    buyer,
  );
  expect(seen.ticket.messages.nodes.some((m) => m.body === leeDraft)).toBe(false);
  // Having read the new message, Lee sends the same draft.
  await leePage.getByRole('button', { name: '답변 보내기' }).click();
  await expect(leePage.getByTestId('public-message').filter({ hasText: leeDraft })).toBeVisible();
  await lee.close();
});

test('an agent refunds part of an order from the ticket panel; a double click makes one refund', async ({ page, problems }) => {
  const buyer = await apiLogin(BUYER);
  const order = await paidOrder(buyer, 30_000);
  const ticketId = await ticketFor(buyer, order.id, `부분 환불 ${marker()}`);

  await signIn(page, AGENT);
  await page.goto(`/tickets/${ticketId}`);
  const panel = page.getByTestId('order-panel');
  await expect(panel).toContainText(order.orderNumber);
  await panel.getByRole('button', { name: '부분 환불' }).click();
  const form = page.getByTestId('refund-form');
  // More than what is refundable is refused before anything is sent.
  await form.getByLabel('환불 금액').fill('40000');
  await form.getByLabel('사유').fill('구성품 누락');
  await form.getByRole('button', { name: '환불하기' }).click();
  await expect(form).toContainText('환불 가능 금액');
  await form.getByLabel('환불 금액').fill('5000');
  await expectAccessible(page, 'refund form');
  await form.getByRole('button', { name: '환불하기' }).dblclick();
  await expect(panel.getByTestId('refund-row')).toHaveCount(1);
  await expect(panel.getByTestId('refundable')).toContainText('25,000');
  await screenshot(page, 'ticket-order-panel');

  const after = await api<{ order: { refunds: { amount: number }[]; refundableAmount: number } }>(
    'query($id: ID!) { order(id: $id) { refunds { amount } refundableAmount } }',
    { id: order.id },
    buyer,
  );
  expect(after.order.refunds).toEqual([{ amount: 5000 }]);
  expect(after.order.refundableAmount).toBe(25_000);
  expect(problems).toEqual([]);
});

test('the order desk finds an order by number and shows its timeline', async ({ page }) => {
  const buyer = await apiLogin(BUYER);
  const order = await paidOrder(buyer, 18_900);
  await signIn(page, AGENT);
  await page.getByRole('link', { name: '주문', exact: true }).click();
  await page.getByLabel('주문번호, 구매자 이메일 또는 운송장 번호').fill(order.orderNumber);
  await page.getByRole('button', { name: '찾기' }).click();
  await expect(page).toHaveURL(/\/orders\?q=/);
  await page.getByRole('link', { name: order.orderNumber }).click();
  const timeline = page.getByTestId('order-timeline');
  await expect(timeline).toContainText('주문 접수');
  await expect(timeline).toContainText('결제 완료');
  await expectAccessible(page, 'order page');

  // A demo order with a long story makes the screenshot worth looking at.
  await page.goto('/orders?q=buyer.minji@storedesk.test');
  await expect(page.getByTestId('order-rows')).toBeVisible();
  await expectAccessible(page, 'order desk');
  const agent = await apiLogin(AGENT);
  const rich = await api<{ orders: { nodes: { id: string; refunds: { id: string }[]; cancellationRequests: { id: string }[] }[] } }>(
    '{ orders(first: 100) { nodes { id refunds { id } cancellationRequests { id } } } }',
    {},
    agent,
  );
  const story = rich.orders.nodes.find((o) => o.refunds.length > 0 && o.cancellationRequests.length > 0) ?? rich.orders.nodes[0]!;
  await page.goto(`/orders/${story.id}`);
  await expect(page.getByTestId('order-timeline')).toBeVisible();
  await screenshot(page, 'order-timeline');
});

test('an agent locks an account and starts its recovery from the security desk', async ({ page }) => {
  await signIn(page, AGENT);
  await page.getByRole('link', { name: '계정 보안' }).click();
  await page.getByLabel('이메일 또는 이름').fill('buyer.alex@storedesk.test');
  await page.getByRole('button', { name: '찾기' }).click();
  await page.getByRole('link', { name: 'buyer.alex@storedesk.test' }).click();
  await expect(page.getByTestId('security-events')).toBeVisible();

  await page.getByRole('button', { name: '잠그기' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: '잠그기' }).click();
  await expect(dialog).toContainText('입력해 주세요');
  await dialog.getByLabel('사유').fill('고객 전화: 모르는 주문 알림을 받음');
  await dialog.getByRole('button', { name: '잠그기' }).click();
  await expect(page.getByText('잠김', { exact: true }).first()).toBeVisible();

  await page.getByRole('button', { name: '계정 복구' }).click();
  const recovery = page.getByRole('dialog');
  await recovery.getByLabel('이름').check();
  await recovery.getByLabel('최근 주문 번호').check();
  await recovery.getByRole('button', { name: '복구 링크 보내기' }).click();
  await expect(page.getByText('복구 링크를 계정의 이전 이메일로 보냈습니다.')).toBeVisible();
  await expect(page.getByTestId('security-events')).toContainText('계정 복구 시작');
  await expect(page.getByTestId('security-events')).toContainText('계정 잠금');
  await expectAccessible(page, 'security desk');
  await screenshot(page, 'security-desk');
  // No token or password is ever on the page.
  expect(await page.content()).not.toMatch(/token=|reset-password\?/);
});

test('the dashboard shows every figure with charts and links to the queue', async ({ page }) => {
  await signIn(page, AGENT);
  await page.getByRole('link', { name: '대시보드' }).click();
  await expect(page.getByText('유형별 열린 티켓')).toBeVisible();
  await expect(page.getByText('판매자 결정 기한 초과')).toBeVisible();
  await expectAccessible(page, 'dashboard');
  await screenshot(page, 'dashboard');
  await page.getByTestId('tile-unassigned').getByRole('link').click();
  await expect(page).toHaveURL(/view=unassigned/);
});

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

test('an agent sends a screenshot with a reply and the customer can download it', async ({ page }) => {
  const buyer = await apiLogin(BUYER);
  const order = await paidOrder(buyer, 12_000);
  const ticketId = await ticketFor(buyer, order.id, `첨부 ${marker()}`);
  await signIn(page, AGENT);
  await page.goto(`/tickets/${ticketId}`);
  await page.getByTestId('attach-drop').locator('input[type=file]').setInputFiles({
    name: '배송조회.png',
    mimeType: 'image/png',
    buffer: PNG,
  });
  await expect(page.getByTestId('attached-file')).toContainText('배송조회.png');
  await page.getByLabel('고객에게 보낼 답변을 입력하세요').fill('배송 조회 화면을 첨부합니다.');
  await page.getByRole('button', { name: '답변 보내기' }).click();
  const sent = page.getByTestId('public-message').filter({ hasText: '배송 조회 화면을 첨부합니다.' });
  await expect(sent.getByRole('link', { name: '배송조회.png' })).toBeVisible();
  await expect(page.getByTestId('attached-file')).toHaveCount(0);

  const seen = await api<{ ticket: { messages: { nodes: { attachments: { url: string; fileName: string }[] }[] } } }>(
    'query($id: ID!) { ticket(id: $id) { messages(first: 100) { nodes { attachments { url fileName } } } } }',
    { id: ticketId },
    buyer,
  );
  const file = seen.ticket.messages.nodes.flatMap((m) => m.attachments).find((a) => a.fileName === '배송조회.png');
  expect(file).toBeDefined();
  const response = await fetch(new URL(file!.url, page.url()), { headers: { authorization: `Bearer ${buyer}` } });
  expect(response.status).toBe(200);
  expect(Buffer.from(await response.arrayBuffer()).equals(PNG)).toBe(true);
});

test('agents write FAQ entries in Markdown with a sanitised preview, and macros with known placeholders only', async ({ page }) => {
  await signIn(page, AGENT);
  await page.getByRole('link', { name: 'FAQ·매크로' }).click();
  await expect(page.getByTestId('faq-rows')).toBeVisible();
  await page.getByRole('button', { name: '새 FAQ' }).click();
  const form = page.getByTestId('faq-form');
  // Nothing typed yet: the required fields say so and nothing is sent.
  await form.getByRole('button', { name: '저장' }).click();
  await expect(form).toContainText('입력해 주세요');
  const question = `택배가 분실된 것 같아요 ${marker()}`;
  await form.getByLabel('질문').fill(question);
  await form.getByLabel('답변').fill('**택배사**에 먼저 문의해 주세요.\n\n<script>window.pwned = 1</script>\n\n- 운송장 번호를 준비하세요');
  const preview = page.getByTestId('faq-preview');
  await expect(preview.locator('strong')).toHaveText('택배사');
  await expect(preview.locator('li')).toHaveText('운송장 번호를 준비하세요');
  await expect(preview.locator('script')).toHaveCount(0);
  // By keyboard, as an agent tabbing through the form would.
  await form.getByRole('switch', { name: '공개' }).focus();
  await page.keyboard.press('Space');
  await expect(form.getByRole('switch', { name: '공개' })).toBeChecked();
  await expectAccessible(page, 'faq editor');
  await screenshot(page, 'editors-faq');
  await form.getByRole('button', { name: '저장' }).click();
  await expect(page.getByTestId('faq-rows')).toContainText(question);
  const published = await api<{ faqEntries: { nodes: { question: string }[] } }>('{ faqEntries(first: 100) { nodes { question } } }');
  expect(published.faqEntries.nodes.some((entry) => entry.question === question)).toBe(true);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();

  await page.getByRole('tab', { name: '매크로' }).click();
  await page.getByRole('button', { name: '새 매크로' }).click();
  const macro = page.getByTestId('macro-form');
  const title = `분실 안내 ${marker()}`;
  await macro.getByLabel('제목').fill(title);
  await macro.getByLabel('본문').fill('{{customer.password}} 확인 부탁드립니다.');
  await macro.getByRole('button', { name: '저장' }).click();
  // The server refuses the unknown placeholder on the field; the text stays.
  await expect(macro.getByLabel('본문')).toHaveAttribute('aria-invalid', 'true');
  await expect(macro.getByLabel('본문')).toHaveValue('{{customer.password}} 확인 부탁드립니다.');
  await macro.getByLabel('본문').fill('');
  await macro.getByRole('button', { name: '{{customer.name}}' }).click();
  await macro.getByLabel('본문').pressSequentially('님, 운송장 ');
  await macro.getByRole('button', { name: '{{shipment.trackingNumber}}' }).click();
  await expect(macro.getByLabel('본문')).toHaveValue('{{customer.name}}님, 운송장 {{shipment.trackingNumber}}');
  await expectAccessible(page, 'macro editor');
  await macro.getByRole('button', { name: '저장' }).click();
  await expect(page.getByTestId('macro-rows')).toContainText(title);
});
