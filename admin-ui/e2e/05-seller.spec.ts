import { test, expect, api, apiLogin, expectAccessible, marker, screenshot, signIn, AGENT, BUYER, SELLER } from './fixtures';

interface Placed {
  id: string;
  orderNumber: string;
}

/** A card-paid order of one line from SELLER's store. */
async function paidOrder(buyer: string, seller: string, product: string, price: number, quantity = 1): Promise<Placed> {
  const { me } = await api<{ me: { store: { id: string } } }>('query { me { store { id } } }', {}, seller);
  const { placeOrder } = await api<{ placeOrder: Placed }>(
    `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id orderNumber } }`,
    { i: { storeId: me.store.id, items: [{ productName: product, quantity, unitPrice: price }] } },
    buyer,
  );
  await api(
    `mutation($id: ID!) { payOrder(orderId: $id, input: { method: CARD, cardBrand: "BC", cardLast4: "4242" }) { id } }`,
    { id: placeOrder.id },
    buyer,
  );
  return placeOrder;
}

/** A paid order the seller started preparing, with the buyer's cancellation request. */
async function requestedCancellation(buyer: string, seller: string, product: string, price: number): Promise<Placed> {
  const order = await paidOrder(buyer, seller, product, price);
  await api(`mutation($id: ID!) { markPreparing(orderId: $id) { id } }`, { id: order.id }, seller);
  await api(
    `mutation($id: ID!) { requestCancellation(orderId: $id, reason: CHANGE_OF_MIND, details: "다른 색으로 다시 주문할게요") { id } }`,
    { id: order.id },
    buyer,
  );
  return order;
}

interface BuyerOrder {
  order: { status: string; refunds: { amount: number; status: string }[]; cancellationRequests: { status: string; rejectionReason: string | null }[] };
}

const BUYER_VIEW = `query($id: ID!) { order(id: $id) { status refunds { amount status } cancellationRequests { status rejectionReason } } }`;

test('a seller approves a buyer’s cancellation, and the buyer’s order shows the refund', async ({ page }) => {
  const buyer = await apiLogin(BUYER);
  const seller = await apiLogin(SELLER);
  const word = marker();
  const order = await requestedCancellation(buyer, seller, `캠핑 랜턴 ${word}`, 32_000);

  await signIn(page, SELLER);
  // The seller center opens on its dashboard; the waiting request counts there.
  await expect(page).toHaveURL(/\/seller$/);
  await expect(page.getByRole('heading', { name: '판매자 대시보드' })).toBeVisible();
  await expect(page.getByTestId('seller-tile').filter({ hasText: '취소 요청' })).toBeVisible();
  await expectAccessible(page, 'seller dashboard');
  await page.mouse.move(0, 0); // no chart tooltip in the picture
  await screenshot(page, 'seller-dashboard');
  await page.getByRole('link', { name: '취소·반품' }).click();
  await expect(page.getByRole('heading', { name: '취소·반품 관리' })).toBeVisible();
  const card = page.getByTestId('claim').filter({ hasText: order.orderNumber });
  await expect(card).toContainText(`캠핑 랜턴 ${word}`);
  await expect(card).toContainText('₩32,000');
  await expect(card).toContainText('다른 색으로 다시 주문할게요');
  // One business day to decide (the demo configuration): D-1, or "today" on a weekend start.
  await expect(card.getByTestId('deadline-chip')).toHaveText(/D-1|오늘 마감/);
  await expectAccessible(page, 'seller claims');
  await screenshot(page, 'seller-claims');

  await card.getByRole('button', { name: '승인' }).click();
  await expect(page.getByText(`${order.orderNumber} 요청을 승인했습니다`)).toBeVisible();
  await expect(card).toHaveCount(0);

  // The row moved to the decided list, with the refund it opened.
  await page.getByRole('tab', { name: '처리 완료' }).click();
  await expect(page).toHaveURL(/tab=decided/);
  const decided = page.getByTestId('claim').filter({ hasText: order.orderNumber });
  await expect(decided.getByTestId('claim-refund')).toContainText('₩32,000');

  const { order: seen } = await api<BuyerOrder>(BUYER_VIEW, { id: order.id }, buyer);
  expect(seen.status).toBe('CANCELED');
  expect(seen.refunds).toEqual([expect.objectContaining({ amount: 32_000 })]);
});

test('a rejection needs a reason, offers common ones, and keeps what was typed', async ({ page }) => {
  const buyer = await apiLogin(BUYER);
  const seller = await apiLogin(SELLER);
  const order = await requestedCancellation(buyer, seller, `텐트 ${marker()}`, 120_000);

  await signIn(page, SELLER);
  await page.getByRole('link', { name: '취소·반품' }).click();
  const card = page.getByTestId('claim').filter({ hasText: order.orderNumber });
  await card.getByRole('button', { name: '거절' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: '거절' }).click();
  await expect(dialog.getByText('입력해 주세요.')).toBeVisible();

  await dialog.getByText('이미 상품 포장과 출고 준비가 끝났습니다.').click();
  await expect(dialog.getByLabel(/거절 사유/)).toHaveValue('이미 상품 포장과 출고 준비가 끝났습니다.');
  await dialog.getByLabel(/거절 사유/).fill('오늘 오전에 이미 출고되어 취소할 수 없습니다.');
  await dialog.getByRole('button', { name: '이 사유를 저장' }).click();
  await expect(dialog.getByText('오늘 오전에 이미 출고되어 취소할 수 없습니다.', { exact: true }).first()).toBeVisible();
  await expectAccessible(page, 'seller reject');
  await screenshot(page, 'seller-reject');
  await dialog.getByRole('button', { name: '거절' }).click();
  await expect(page.getByText(`${order.orderNumber} 요청을 거절했습니다`)).toBeVisible();

  const { order: seen } = await api<BuyerOrder>(BUYER_VIEW, { id: order.id }, buyer);
  expect(seen.status).toBe('PREPARING');
  expect(seen.cancellationRequests[0]).toEqual({ status: 'REJECTED', rejectionReason: '오늘 오전에 이미 출고되어 취소할 수 없습니다.' });
});

test('a seller approves several requests at once', async ({ page }) => {
  const buyer = await apiLogin(BUYER);
  const seller = await apiLogin(SELLER);
  const word = marker();
  const first = await requestedCancellation(buyer, seller, `의자 ${word}`, 45_000);
  const second = await requestedCancellation(buyer, seller, `테이블 ${word}`, 89_000);

  await signIn(page, SELLER);
  await page.getByRole('link', { name: '취소·반품' }).click();
  await page.getByLabel(`${first.orderNumber} 선택`).check();
  await page.getByLabel(`${second.orderNumber} 선택`).check();
  await page.getByRole('button', { name: '선택 승인 (2)' }).click();
  await expect(page.getByText('2건을 승인했습니다')).toBeVisible();
  await expect(page.getByTestId('claim').filter({ hasText: word })).toHaveCount(0);
  for (const order of [first, second]) {
    const { order: seen } = await api<BuyerOrder>(BUYER_VIEW, { id: order.id }, buyer);
    expect(seen.status).toBe('CANCELED');
  }
});

/** A day `days` from now in Seoul, as a date input takes it. */
function seoulDay(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Seoul' });
}

test('a seller prepares and ships two orders at once and reports a delay the buyer sees', async ({ page, browser }) => {
  const buyer = await apiLogin(BUYER);
  const seller = await apiLogin(SELLER);
  const word = marker();
  const orders = [await paidOrder(buyer, seller, `버너 ${word}`, 54_000), await paidOrder(buyer, seller, `코펠 ${word}`, 27_000)];
  const [first, second] = orders as [(typeof orders)[0], (typeof orders)[0]];

  await signIn(page, SELLER);
  await page.getByRole('link', { name: '배송' }).click();
  await expect(page.getByRole('heading', { name: '배송 관리' })).toBeVisible();
  for (const order of orders) await page.getByLabel(`${order.orderNumber} 선택`).check();
  await page.getByRole('button', { name: '선택 발송 준비 (2)' }).click();
  await expect(page.getByText('2건을 발송 준비로 옮겼습니다.')).toBeVisible();
  await expect(page.getByTestId('shipping-row').filter({ hasText: word })).toHaveCount(0);

  await page.getByRole('tab', { name: /발송 대기/ }).click();
  for (const order of orders) await page.getByLabel(`${order.orderNumber} 선택`).check();
  await page.getByRole('button', { name: '선택 발송 처리 (2)' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: '발송 처리' }).click();
  await expect(dialog.getByText('입력해 주세요.').first()).toBeVisible();
  await dialog.getByLabel('택배사').fill('CJ대한통운');
  await page.keyboard.press('Escape');
  await dialog.getByLabel('도착 예정일').fill(seoulDay(2));
  await dialog.getByLabel(`${first.orderNumber} 송장번호`).fill(`6301${Date.now() % 100_000_000}`.padEnd(12, '1'));
  await dialog.getByLabel(`${second.orderNumber} 송장번호`).fill(`6302${Date.now() % 100_000_000}`.padEnd(12, '2'));
  await expectAccessible(page, 'seller ship');
  await screenshot(page, 'seller-ship');
  await dialog.getByRole('button', { name: '발송 처리' }).click();
  await expect(page.getByText('2건을 발송 처리했습니다.')).toBeVisible();

  await page.getByRole('tab', { name: /배송 중/ }).click();
  const row = page.getByTestId('shipping-row').filter({ hasText: first.orderNumber });
  await expect(row).toContainText('CJ대한통운');
  await expect(row).toContainText('마지막 스캔');
  await row.getByRole('button', { name: '지연 안내' }).click();
  const later = seoulDay(5);
  await page.getByRole('dialog').getByLabel('새 도착 예정일').fill(later);
  await page.getByRole('dialog').getByLabel('지연 사유 (선택)').fill('물류센터 물량 증가');
  await page.getByRole('dialog').getByRole('button', { name: '안내 보내기' }).click();
  await expect(page.getByText(`${first.orderNumber} 구매자에게 새 도착 예정일을 안내했습니다.`)).toBeVisible();
  await expectAccessible(page, 'seller shipping');
  await screenshot(page, 'seller-shipping');

  const { order } = await api<{ order: { status: string; shipment: { expectedDeliveryAt: string } } }>(
    `query($id: ID!) { order(id: $id) { status shipment { expectedDeliveryAt } } }`,
    { id: first.id },
    buyer,
  );
  expect(order.status).toBe('SHIPPED');
  expect(new Date(order.shipment.expectedDeliveryAt).toLocaleDateString('sv-SE', { timeZone: 'Asia/Seoul' })).toBe(later);

  // The buyer's order page says it is late and shows the new date.
  const buyerPage = await (await browser.newContext()).newPage();
  await signIn(buyerPage, BUYER);
  await buyerPage.goto(`/my/orders/${first.id}`);
  await expect(buyerPage.getByTestId('delay-notice')).toContainText(`${later.replaceAll('-', '. ')}.`);
  await expect(buyerPage.getByTestId('tracking')).toContainText('CJ대한통운');
  await expectAccessible(buyerPage, 'buyer order delayed');
  await screenshot(buyerPage, 'buyer-order-delayed');
  await buyerPage.context().close();
});

test('a seller refunds part of an order: checked against what is refundable, one refund per click', async ({ page }) => {
  const buyer = await apiLogin(BUYER);
  const seller = await apiLogin(SELLER);
  const order = await paidOrder(buyer, seller, `침낭 ${marker()}`, 35_000, 2);

  await signIn(page, SELLER);
  await page.getByRole('link', { name: '환불' }).click();
  await expect(page.getByRole('heading', { name: '환불 관리' })).toBeVisible();
  await page.getByLabel('주문번호').fill(order.orderNumber);
  await page.getByLabel('주문번호').press('Enter');
  const form = page.getByTestId('refund-form');
  await expect(page.getByTestId('refund-order')).toContainText('₩70,000');
  await form.getByLabel('환불 금액').fill('80000');
  await form.getByLabel('사유').fill('한 개 파손');
  await form.getByRole('button', { name: '환불하기' }).click();
  await expect(form).toContainText('환불 가능 금액');
  await form.getByLabel('환불 금액').fill('35000');
  await form.getByRole('button', { name: '환불하기' }).dblclick();
  await expect(page.getByRole('table', { name: '전체 환불' }).getByTestId('refund-row').filter({ hasText: order.orderNumber })).toHaveCount(1);
  await expectAccessible(page, 'seller refunds');
  await screenshot(page, 'seller-refunds');

  const { order: seen } = await api<{ order: { refunds: { amount: number }[]; refundableAmount: number } }>(
    'query($id: ID!) { order(id: $id) { refunds { amount } refundableAmount } }',
    { id: order.id },
    buyer,
  );
  expect(seen.refunds).toEqual([{ amount: 35_000 }]);
  expect(seen.refundableAmount).toBe(35_000);
});

test('a seller asks the platform about a settlement and follows the answer live', async ({ page }) => {
  const word = marker();
  await signIn(page, SELLER);
  // The ticket page's live subscription, so the answer below is sent once it listens.
  const listening = page
    .waitForEvent('websocket')
    .then((socket) => socket.waitForEvent('framesent', (frame) => String(frame.payload).includes('MyTicketLive')));
  await page.getByRole('link', { name: '내 문의' }).click();
  await page.getByRole('link', { name: '새 문의' }).click();
  await expect(page.getByRole('combobox', { name: '문의 유형' })).toHaveValue('정산');
  await page.getByLabel('제목').fill(`11월 정산 금액 확인 ${word}`);
  await page.getByLabel('내용').fill('11월 정산 예정 금액이 주문 합계와 다릅니다. 수수료 내역을 알려 주세요.');
  await page.getByRole('button', { name: '문의 보내기' }).click();
  await expect(page).toHaveURL(/\/my\/tickets\/[0-9a-f-]+$/);
  const ticketId = page.url().split('/').pop() as string;
  await listening;

  const agent = await apiLogin(AGENT);
  await api(
    `mutation($id: ID!, $b: String!) { replyToTicket(ticketId: $id, body: $b) { id } }`,
    { id: ticketId, b: `수수료 5.5%와 환불 2건이 빠진 금액입니다 ${word}.` },
    agent,
  );
  await expect(page.getByTestId('their-message')).toContainText(`환불 2건이 빠진 금액입니다 ${word}`);
  await page.getByLabel('답장').fill('확인했습니다. 감사합니다.');
  await page.getByRole('button', { name: '보내기', exact: true }).click();
  await expect(page.getByTestId('my-message').last()).toContainText('확인했습니다');
  await expectAccessible(page, 'seller ticket');
  await screenshot(page, 'seller-ticket');
});
