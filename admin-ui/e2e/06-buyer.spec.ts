import type { Browser, Page } from '@playwright/test';
import { test, expect, api, apiLogin, expectAccessible, mailedLink, marker, screenshot, signIn, AGENT, BUYER, SELLER } from './fixtures';

interface Placed {
  id: string;
  orderNumber: string;
}

/** An order of one line from SELLER's store, paid by card (or failing as `outcome` says). */
async function cardOrder(buyer: string, seller: string, product: string, price: number, outcome = 'SUCCESS'): Promise<Placed> {
  const { me } = await api<{ me: { store: { id: string } } }>('query { me { store { id } } }', {}, seller);
  const { placeOrder } = await api<{ placeOrder: Placed }>(
    `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id orderNumber } }`,
    { i: { storeId: me.store.id, items: [{ productName: product, quantity: 1, unitPrice: price }] } },
    buyer,
  );
  await api(
    `mutation($id: ID!, $o: PaymentOutcome) { payOrder(orderId: $id, input: { method: CARD, cardBrand: "BC", cardLast4: "4242", simulate: $o }) { id } }`,
    { id: placeOrder.id, o: outcome },
    buyer,
  );
  return placeOrder;
}

async function signedInPage(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') throw new Error(`${email} console: ${message.text()}`);
  });
  await signIn(page, email);
  return page;
}

/** A buyer of their own (the demo buyers' passwords stay untouched). */
async function newBuyer(): Promise<{ email: string; password: string }> {
  const email = `buyer.${marker()}@storedesk.test`;
  const password = `Lantern-${marker()}-2026`;
  await api(
    `mutation($i: RegisterInput!) { register(input: $i) { accessToken } }`,
    { i: { email, password, name: '김하나', phone: '010-2345-6789' } },
  );
  return { email, password };
}

async function signInWith(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('이메일').fill(email);
  await page.getByLabel('비밀번호').fill(password);
  await page.getByRole('button', { name: '로그인' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}

test('the help center finds 배송 and 결제 실패 as you type, even mid-syllable, on a desk and on a phone @postgres', async ({ page }) => {
  await page.goto('/help');
  await expect(page.getByRole('heading', { name: '분야별 도움말' })).toBeVisible();
  await expectAccessible(page, 'help home');
  await screenshot(page, 'help-home');

  const box = page.getByLabel('무엇을 도와드릴까요?');
  await box.pressSequentially('배송');
  const results = page.getByTestId('help-results');
  await expect(results).toContainText('배송이 지연되었을 때 어떻게 대처해야 하나요?');
  await expect(results.locator('mark').first()).toContainText('배송');
  await expect(page).toHaveURL(/q=%EB%B0%B0%EC%86%A1/);

  // "결제 실" typed, "패" still being composed by the input method: results already come.
  await box.fill('');
  await box.pressSequentially('결제 실');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.imeSetComposition', { text: '패', selectionStart: 1, selectionEnd: 1 });
  await expect(results).toContainText('결제 문제는 어떻게 해결하나요?');
  await cdp.send('Input.insertText', { text: '패' });
  await expect(box).toHaveValue('결제 실패');
  await expectAccessible(page, 'help search');
  await screenshot(page, 'help-search');

  // The entry: a vote that can change, related entries, and the way to contact us.
  await results.getByRole('link', { name: '결제 문제는 어떻게 해결하나요?' }).click();
  await expect(page.getByRole('heading', { name: '결제 문제는 어떻게 해결하나요?' })).toBeVisible();
  await page.getByRole('button', { name: '네, 도움이 됐어요' }).click();
  await expect(page.getByText('의견을 주셔서 고맙습니다')).toBeVisible();
  await page.getByRole('button', { name: '아니요' }).click();
  await expect(page.getByRole('button', { name: '아니요' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('button', { name: '네, 도움이 됐어요' })).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByRole('heading', { name: '관련 도움말' })).toBeVisible();
  await expectAccessible(page, 'help entry');
  await screenshot(page, 'help-entry');
  await page.getByRole('link', { name: '주문·결제 문의하기' }).click();
  await expect(page.getByTestId('channels')).toContainText('전화');
  await expect(page.getByText('카드 번호 마지막 4자리')).toBeVisible();
  await expect(page.getByTestId('wait')).toContainText('첫 답변까지 약');
  await expectAccessible(page, 'help contact');
  await screenshot(page, 'help-contact');

  // English, then a phone.
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { name: 'Contact us: Orders & payments' })).toBeVisible();
  await page.getByRole('button', { name: '한국어' }).click();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/help?q=%EB%B0%B0%EC%86%A1');
  await expect(results).toContainText('배송');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await expectAccessible(page, 'help phone');
  await screenshot(page, 'help-phone');
});

test('a failed payment shows its reason and the buyer pays with another method', async ({ page }) => {
  const buyer = await apiLogin(BUYER);
  const seller = await apiLogin(SELLER);
  const order = await cardOrder(buyer, seller, `등산화 ${marker()}`, 89_000, 'CARD_DECLINED');

  await signIn(page, BUYER);
  await expect(page).toHaveURL(/\/my\/orders$/);
  await page.getByTestId('my-order').filter({ hasText: order.orderNumber }).getByRole('link').click();
  await expect(page.getByRole('alert').filter({ hasText: '결제에 실패했습니다' })).toContainText('카드사 승인 거절');
  await expectAccessible(page, 'buyer order failed');
  await screenshot(page, 'buyer-order-payment-failed');
  await page.getByRole('combobox', { name: '결제 수단' }).click();
  await page.getByRole('option', { name: '계좌이체' }).click();
  await page.getByRole('button', { name: '이 수단으로 결제' }).click();
  await expect(page.getByText('결제했습니다.')).toBeVisible();
  await expect(page.getByText('결제 완료').first()).toBeVisible();
  await expect(page.getByTestId('rule')).toContainText('바로 취소되고 전액 환불');
});

test('a buyer opens a payment ticket after FAQ suggestions; the agent’s reply arrives live; the buyer confirms and rates', async ({ page, browser }) => {
  const buyer = await apiLogin(BUYER);
  const seller = await apiLogin(SELLER);
  const order = await cardOrder(buyer, seller, `배낭 ${marker()}`, 64_000, 'INSUFFICIENT_FUNDS');
  const word = marker();

  await signIn(page, BUYER);
  await page.getByRole('link', { name: '내 문의' }).click();
  await page.getByRole('link', { name: '새 문의' }).click();
  await page.getByRole('combobox', { name: '주문', exact: true }).click();
  await page.getByRole('option', { name: new RegExp(order.orderNumber) }).click();
  await page.getByLabel('제목').fill(`결제 실패 ${word}`);
  const suggestions = page.getByTestId('deflection');
  await expect(suggestions).toContainText('이 답변이 도움이 될 수 있어요');
  await suggestions.getByTestId('suggestion').first().getByRole('button').first().click();
  await expect(suggestions).toContainText('문제가 해결됐나요?');
  await expectAccessible(page, 'new ticket with suggestions');
  await screenshot(page, 'buyer-ticket-new');
  await suggestions.getByRole('button', { name: '아니요' }).first().click();
  // The server's sentence lands on the field, and nothing typed is lost.
  await page.getByRole('button', { name: '문의 보내기' }).click();
  await expect(page.getByTestId('ticket-error')).toBeVisible();
  await expect(page.getByLabel('제목')).toHaveValue(`결제 실패 ${word}`);
  await page.getByLabel('내용').fill('잔액은 충분한데 결제가 안 됩니다. 다시 해도 같아요.');
  await page.getByRole('button', { name: '문의 보내기' }).click();
  await expect(page).toHaveURL(/\/my\/tickets\/[0-9a-f-]+$/);
  const ticketId = page.url().split('/').pop() as string;

  const agent = await signedInPage(browser, AGENT);
  await agent.goto(`/tickets/${ticketId}`);
  await expect(agent.getByRole('heading', { name: new RegExp(word) })).toBeVisible();
  await agent.getByLabel('고객에게 보낼 답변').fill(`확인해 보니 카드사 잔액 조회 오류였습니다 ${word}. 다시 결제해 주세요.`);
  await agent.getByRole('button', { name: '답변 보내기' }).click();

  // Without a reload.
  await expect(page.getByTestId('their-message')).toContainText(`잔액 조회 오류였습니다 ${word}`);
  const agentToken = await apiLogin(AGENT);
  await api(`mutation($id: ID!) { setTicketStatus(ticketId: $id, status: RESOLVED) { id } }`, { id: ticketId }, agentToken);
  await expect(page.getByTestId('confirm-fix')).toBeVisible();
  await expectAccessible(page, 'buyer ticket resolved');
  await screenshot(page, 'buyer-ticket');
  await page.getByRole('button', { name: '해결됐어요' }).click();
  await expect(page.getByText('종료', { exact: true })).toBeVisible();
  // The stars' radio inputs are visually hidden behind their icons.
  const five = await page.getByLabel('5점', { exact: true }).getAttribute('id');
  await page.locator(`label[for="${five}"]`).click();
  await page.getByLabel('하고 싶은 말 (선택)').fill('빨리 답해 주셔서 좋았어요');
  await page.getByRole('button', { name: '평가 보내기' }).click();
  await expect(page.getByTestId('rated')).toBeVisible();
  await expectAccessible(page, 'buyer ticket rated');
  const { ticket } = await api<{ ticket: { status: string; satisfaction: { score: number } } }>(
    `query($id: ID!) { ticket(id: $id) { status satisfaction { score } } }`,
    { id: ticketId },
    buyer,
  );
  expect(ticket).toEqual({ status: 'CLOSED', satisfaction: { score: 5 } });
  await agent.context().close();
});

test('“did this answer your question?” closes the form without a ticket', async ({ page }) => {
  const buyer = await apiLogin(BUYER);
  const count = async () => (await api<{ tickets: { totalCount: number } }>('{ tickets { totalCount } }', {}, buyer)).tickets.totalCount;
  const before = await count();
  await signIn(page, BUYER);
  await page.goto('/my/tickets/new');
  await page.getByRole('combobox', { name: '문의 유형' }).click();
  await page.getByRole('option', { name: '계정' }).click();
  await page.getByLabel('제목').fill('비밀번호를 잊어버렸');
  const first = page.getByTestId('suggestion').first();
  await first.getByRole('button').first().click();
  await first.getByRole('button', { name: '네, 해결됐어요' }).click();
  await expect(page).toHaveURL(/\/my\/tickets$/);
  await expect(page.getByText('문의를 보내지 않았습니다')).toBeVisible();
  expect(await count()).toBe(before);
});

test('a buyer asks to cancel a preparing order, the seller approves, and the buyer sees the refund @postgres', async ({ page, browser }) => {
  const buyer = await apiLogin(BUYER);
  const seller = await apiLogin(SELLER);
  const order = await cardOrder(buyer, seller, `캠핑 의자 ${marker()}`, 45_000);
  await api(`mutation($id: ID!) { markPreparing(orderId: $id) { id } }`, { id: order.id }, seller);

  await signIn(page, BUYER);
  await page.goto(`/my/orders/${order.id}`);
  await expect(page.getByTestId('rule')).toContainText('판매자가 취소 여부를 결정합니다');
  await page.getByRole('button', { name: '취소 요청' }).click();
  await page.getByRole('button', { name: '판매자에게 취소 요청' }).click();
  await expect(page.getByTestId('my-claim')).toContainText('판매자 승인 대기');
  await expect(page.getByTestId('my-claim')).toContainText('판매자 결정 기한');
  await expectAccessible(page, 'buyer order claim');

  const sellerPage = await signedInPage(browser, SELLER);
  await sellerPage.getByRole('link', { name: '취소·반품' }).click();
  await sellerPage.getByTestId('claim').filter({ hasText: order.orderNumber }).getByRole('button', { name: '승인' }).click();
  await expect(sellerPage.getByText(`${order.orderNumber} 요청을 승인했습니다`)).toBeVisible();
  await sellerPage.context().close();

  await page.reload();
  await expect(page.getByText('취소됨').first()).toBeVisible();
  await expect(page.getByTestId('my-refund')).toContainText('₩45,000');
  await expect(page.getByTestId('my-refund')).toContainText(/환불 (예정|완료)/);
  // The buyer rates how the request was handled.
  const four = await page.getByTestId('claims').getByLabel('4점', { exact: true }).getAttribute('id');
  await page.locator(`label[for="${four}"]`).click();
  await page.getByTestId('claims').getByRole('button', { name: '평가 보내기' }).click();
  await expect(page.getByTestId('claim-rated')).toBeVisible();
  await screenshot(page, 'buyer-order-refund');
  await page.setViewportSize({ width: 360, height: 740 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await expectAccessible(page, 'buyer order phone');
  await screenshot(page, 'buyer-order-phone');

  // Someone else's order is simply not there.
  const other = await cardOrder(await apiLogin('buyer.junho@storedesk.test'), seller, `남의 주문 ${marker()}`, 10_000);
  await page.goto(`/my/orders/${other.id}`);
  await expect(page.getByText('주문을 찾을 수 없습니다.')).toBeVisible();
  const junho = await apiLogin('buyer.junho@storedesk.test');
  const { createTicket } = await api<{ createTicket: { ticket: { id: string } } }>(
    `mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { id } } }`,
    { i: { category: 'OTHER', subject: `남의 문의 ${marker()}`, body: '다른 사람의 문의입니다.' } },
    junho,
  );
  await page.goto(`/my/tickets/${createTicket.ticket.id}`);
  await expect(page.getByText('문의를 찾을 수 없습니다.')).toBeVisible();
});

test('changing the phone needs the current password, and a refusal keeps what was typed', async ({ page }) => {
  const owner = await newBuyer();
  await signInWith(page, owner.email, owner.password);
  await page.getByRole('link', { name: '내 계정' }).click();
  const phone = page.getByLabel('새 휴대폰 번호 (비우면 삭제)');
  await phone.fill('010-9876-5432');
  const current = page.getByRole('textbox', { name: '현재 비밀번호' }).nth(1);
  await current.fill('not-my-password');
  await page.getByRole('button', { name: '저장' }).nth(1).click();
  await expect(page.getByText('현재 비밀번호가 맞지 않습니다.')).toBeVisible();
  await expect(phone).toHaveValue('010-9876-5432');
  await current.fill(owner.password);
  await page.getByRole('button', { name: '저장' }).nth(1).click();
  await expect(page.getByText('저장했습니다.')).toBeVisible();
  await expect(page.getByText(`${owner.email} · 010-9876-5432`)).toBeVisible();
});

test('sign up, forget the password, reset it from the mailed link, and sign in @postgres', async ({ page }) => {
  const email = `buyer.${marker()}@storedesk.test`;
  await page.goto('/signin');
  await page.getByRole('link', { name: '회원가입' }).click();
  await page.getByLabel('이름').fill('박새봄');
  await page.getByLabel('이메일').fill(email);
  await page.getByLabel('비밀번호').fill('short');
  await page.getByRole('button', { name: '가입하기' }).click();
  // Refused: every field keeps what was typed.
  await expect(page.getByLabel('이메일')).toHaveValue(email);
  await expect(page.locator('[id$="-error"]').first()).toBeVisible();
  await page.getByLabel('비밀번호').fill('Spring-lantern-2026');
  await page.getByRole('button', { name: '가입하기' }).click();
  await expect(page).toHaveURL(/\/my\/orders$/);
  await expect(page.getByText('아직 주문이 없습니다.')).toBeVisible();
  await page.getByTestId('account-menu').click();
  await page.getByRole('menuitem', { name: '로그아웃', exact: true }).click();

  const asked = Date.now() - 1_000;
  await page.getByRole('link', { name: '비밀번호를 잊으셨나요?' }).click();
  await page.getByLabel('이메일').fill(email);
  await page.getByRole('button', { name: '링크 보내기' }).click();
  await expect(page.getByTestId('reset-sent')).toBeVisible();
  await expectAccessible(page, 'forgot password');
  await screenshot(page, 'recovery-forgot');

  const link = await mailedLink(email, '/reset-password', asked);
  const response = await page.goto(link);
  expect(response?.headers()['cache-control']).toBe('no-store');
  expect(response?.headers()['referrer-policy']).toBe('no-referrer');
  await expect(page.getByRole('heading', { name: '새 비밀번호 정하기' })).toBeVisible();
  expect(page.url()).not.toContain('token');
  await page.getByRole('textbox', { name: '새 비밀번호', exact: true }).fill('Summer-lantern-2026');
  await page.getByLabel('새 비밀번호 확인').fill('Summer-lantern-2025');
  await page.getByRole('button', { name: '저장' }).click();
  await expect(page.getByText('두 비밀번호가 다릅니다.')).toBeVisible();
  await page.getByLabel('새 비밀번호 확인').fill('Summer-lantern-2026');
  await expectAccessible(page, 'reset password');
  await screenshot(page, 'recovery-reset');
  await page.getByRole('button', { name: '저장' }).click();
  await expect(page.getByTestId('password-set')).toBeVisible();

  // The link is spent: opening it again says so and offers a new one.
  await page.goto(link);
  await page.getByRole('textbox', { name: '새 비밀번호', exact: true }).fill('Autumn-lantern-2026');
  await page.getByLabel('새 비밀번호 확인').fill('Autumn-lantern-2026');
  await page.getByRole('button', { name: '저장' }).click();
  await expect(page.getByTestId('dead-link')).toBeVisible();
  await expect(page.getByRole('link', { name: '새 링크 요청하기' })).toBeVisible();
  await screenshot(page, 'recovery-dead-link');

  await signInWith(page, email, 'Summer-lantern-2026');
  await expect(page).toHaveURL(/\/my\/orders$/);
});

test('a hacked account is reported, an agent recovers it in the security desk, and the owner signs in again', async ({ page, browser }) => {
  const owner = await newBuyer();
  await page.goto('/report-hacked');
  await page.getByLabel('내 계정의 이메일 (원래 주소)').fill(owner.email);
  await page.getByLabel('무슨 일이 있었나요?').fill('오늘 새벽 모르는 기기에서 로그인 알림을 받았고 비밀번호가 바뀌었습니다.');
  await expectAccessible(page, 'report hacked');
  await screenshot(page, 'recovery-report');
  const reported = Date.now() - 1_000;
  await page.getByRole('button', { name: '신고하기' }).click();
  await expect(page.getByTestId('report-sent')).toBeVisible();

  // The owner's mailbox gets a "lock it now" link; opening it changes nothing, the button does.
  const lockLink = await mailedLink(owner.email, '/lock-account', reported);
  const opened = await page.goto(lockLink);
  expect(opened?.headers()['cache-control']).toBe('no-store');
  expect(page.url()).not.toContain('token');
  await expectAccessible(page, 'lock account');
  await screenshot(page, 'recovery-lock');
  await page.getByRole('button', { name: '지금 계정 잠그기' }).click();
  await expect(page.getByTestId('locked')).toBeVisible();

  const agent = await signedInPage(browser, AGENT);
  await agent.getByRole('link', { name: '계정 보안' }).click();
  await agent.getByLabel('이메일 또는 이름').fill(owner.email);
  await agent.getByRole('button', { name: '찾기' }).click();
  await agent.getByRole('link', { name: owner.email }).click();
  await expect(agent.getByTestId('security-events')).toBeVisible();
  // Locked by the owner's link: the agent verifies who is asking and starts the recovery.
  await expect(agent.getByText('잠김', { exact: true }).first()).toBeVisible();
  const started = Date.now() - 1_000;
  await agent.getByRole('button', { name: '계정 복구' }).click();
  const recovery = agent.getByRole('dialog');
  await recovery.getByLabel('이름').check();
  await recovery.getByLabel('휴대폰 번호').check();
  await recovery.getByRole('button', { name: '복구 링크 보내기' }).click();
  await expect(agent.getByText('복구 링크를 계정의 이전 이메일로 보냈습니다.')).toBeVisible();
  await agent.context().close();

  const link = await mailedLink(owner.email, '/recover-account', started);
  await page.goto(link);
  await expect(page.getByRole('heading', { name: '계정 복구: 새 비밀번호' })).toBeVisible();
  expect(page.url()).not.toContain('token');
  await page.getByRole('textbox', { name: '새 비밀번호', exact: true }).fill('Recovered-lantern-2026');
  await page.getByLabel('새 비밀번호 확인').fill('Recovered-lantern-2026');
  await screenshot(page, 'recovery-complete');
  await page.getByRole('button', { name: '저장' }).click();
  await expect(page.getByTestId('password-set')).toBeVisible();

  await signInWith(page, owner.email, 'Recovered-lantern-2026');
  await expect(page).toHaveURL(/\/my\/orders$/);
  await page.getByRole('link', { name: '내 계정' }).click();
  await expect(page.getByTestId('my-event').filter({ hasText: '계정 복구 완료' })).toBeVisible();
  await expect(page.getByTestId('my-session').first()).toContainText('이 기기');
  await expectAccessible(page, 'my account');
  await screenshot(page, 'buyer-account');
});

test('every public page and every buyer page fits a 360 px phone, in Korean and in English', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  const fits = async (path: string) => {
    await page.goto(path);
    await expect(page.locator('main')).toBeVisible();
    await expect(page.getByRole('heading').first()).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(360);
    await expectAccessible(page, `phone ${path}`);
  };
  for (const path of ['/signin', '/signup', '/forgot-password', '/report-hacked', '/reset-password', '/help/categories/SHIPPING', '/help/contact/SHIPPING']) {
    await fits(path);
  }
  await signIn(page, BUYER);
  for (const path of ['/my/orders', '/my/tickets', '/my/tickets/new', '/my/account']) await fits(path);
  await screenshot(page, 'buyer-account-phone');
  // English, from the account menu on a phone.
  await page.getByTestId('account-menu').click();
  await page.getByRole('menu').getByText('English', { exact: true }).click();
  await page.keyboard.press('Escape');
  await fits('/my/tickets/new');
  await expect(page.getByRole('heading', { name: 'New ticket' })).toBeVisible();
  await screenshot(page, 'buyer-ticket-new-phone-en');
});
