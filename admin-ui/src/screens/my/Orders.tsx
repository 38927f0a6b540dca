import { useState } from 'react';
import {
  Alert, Anchor, Badge, Button, Card, Group, Loader, Rating, Select, Stack, Table, Text, Textarea, Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link, getRouteApi } from '@tanstack/react-router';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql, type ResultOf } from '../../api/graphql';
import { describe, problemOf, type ApiProblem } from '../../lib/errors';
import { formatDateTime, formatMoney } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { cancellationRule, RETURN_WINDOW_DAYS } from '../../lib/cancellationRule';

const orderRoute = getRouteApi('/app/my/orders/$orderId');

const MyOrderList = graphql(`
  query MyOrderList($after: String) {
    orders(first: 20, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        orderNumber
        status
        totalAmount
        placedAt
        store {
          id
          name
        }
        items {
          productName
          quantity
        }
        shipment {
          delayed
          expectedDeliveryAt
        }
      }
    }
  }
`);

const MyOrderDetail = graphql(`
  query MyOrderDetail($id: ID!) {
    order(id: $id) {
      id
      orderNumber
      status
      totalAmount
      placedAt
      paidAt
      canceledAt
      refundableAmount
      store {
        id
        name
      }
      items {
        productName
        quantity
        unitPrice
        lineTotal
      }
      payment {
        id
        method
        status
        amount
        refundedAmount
        cardBrand
        failureReason
      }
      shipment {
        carrier
        trackingNumber
        status
        expectedDeliveryAt
        shippedAt
        deliveredAt
        lastEventAt
        delayed
        events {
          status
          description
          at
        }
      }
      cancellationRequests {
        id
        kind
        status
        reason
        details
        requestedAt
        sellerDeadlineAt
        decidedAt
        rejectionReason
        rating
      }
      refunds {
        id
        amount
        status
        dueAt
        overdue
        completedAt
      }
      timeline(first: 50) {
        action
        at
      }
    }
  }
`);

const PayAgain = graphql(`
  mutation PayAgain($orderId: ID!, $input: PayOrderInput!) {
    payOrder(orderId: $orderId, input: $input) {
      id
      status
      payment {
        id
        status
        method
        failureReason
      }
    }
  }
`);

const RequestCancellation = graphql(`
  mutation BuyerRequestCancellation($orderId: ID!, $kind: CancellationKind, $reason: CancellationReason!, $details: String) {
    requestCancellation(orderId: $orderId, kind: $kind, reason: $reason, details: $details) {
      id
      status
      sellerDeadlineAt
    }
  }
`);

const Withdraw = graphql(`
  mutation BuyerWithdrawCancellation($requestId: ID!) {
    withdrawCancellation(requestId: $requestId) {
      id
      status
    }
  }
`);

const RateCancellation = graphql(`
  mutation BuyerRateCancellation($requestId: ID!, $score: Int!, $comment: String) {
    rateCancellation(requestId: $requestId, score: $score, comment: $comment) {
      id
      rating
    }
  }
`);

const ConfirmPurchase = graphql(`
  mutation BuyerConfirmPurchase($orderId: ID!) {
    confirmPurchase(orderId: $orderId) {
      id
      status
    }
  }
`);

type Order = NonNullable<ResultOf<typeof MyOrderDetail>['order']>;

const METHODS = ['CARD', 'BANK_TRANSFER', 'VIRTUAL_ACCOUNT', 'MOBILE', 'POINTS'] as const;
const REASONS = ['CHANGE_OF_MIND', 'WRONG_PAYMENT_INFO', 'OUT_OF_STOCK', 'DELIVERY_DELAY', 'OTHER'] as const;

function OrderStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const red = status === 'PAYMENT_FAILED';
  return (
    <Badge color={red ? 'red' : 'blue'} variant={red ? 'filled' : 'light'} c={red ? undefined : 'var(--mantine-color-dark-8)'}>
      {t(`enums.OrderStatus.${status}`)}
    </Badge>
  );
}

export function MyOrdersScreen() {
  const { t, i18n } = useTranslation();
  const [after, setAfter] = useState<string[]>([]);
  return (
    <Stack gap="md" maw={760}>
      <Title order={1} size="h3">
        {t('my.orders.title')}
      </Title>
      {[null, ...after].map((cursor) => (
        <OrderPage
          key={cursor ?? 'first'}
          after={cursor}
          locale={i18n.language}
          onMore={(next) => setAfter((pages) => (pages.includes(next) ? pages : [...pages, next]))}
          last={cursor === (after.at(-1) ?? null)}
        />
      ))}
    </Stack>
  );
}

function OrderPage({ after, locale, onMore, last }: { after: string | null; locale: string; onMore: (cursor: string) => void; last: boolean }) {
  const { t } = useTranslation();
  const [{ data, fetching, error }] = useQuery({ query: MyOrderList, variables: { after } });
  if (fetching && !data) return <Loader aria-label={t('app.loading')} />;
  const problem = problemOf(error);
  if (problem) return <Alert color="red" role="alert">{describe(problem)}</Alert>;
  const page = data?.orders;
  if (!page) return null;
  if (after === null && page.nodes.length === 0) {
    return <Text c="dimmed">{t('my.orders.empty')}</Text>;
  }
  return (
    <>
      {page.nodes.map((order) => (
        <Card key={order.id} withBorder padding="sm" data-testid="my-order">
          <Group justify="space-between" wrap="nowrap" align="start">
            <Stack gap={2} style={{ minWidth: 0 }}>
              <Anchor fw={600} renderRoot={(props) => <Link {...props} to="/my/orders/$orderId" params={{ orderId: order.id }} />}>
                {order.items.map((item) => item.productName).join(', ')}
              </Anchor>
              <Text size="sm" c="dimmed">
                {order.orderNumber} · {order.store.name} · {formatDateTime(order.placedAt, locale)}
              </Text>
              {order.shipment?.delayed && (
                <Text size="sm" c="red.9">
                  {t('my.orders.delayedUntil', { at: formatDateTime(order.shipment.expectedDeliveryAt, locale) })}
                </Text>
              )}
            </Stack>
            <Stack gap={4} align="end">
              <OrderStatusBadge status={order.status} />
              <Text size="sm" fw={600}>{formatMoney(order.totalAmount, locale)}</Text>
            </Stack>
          </Group>
        </Card>
      ))}
      {last && page.pageInfo.hasNextPage && page.pageInfo.endCursor && (
        <Button variant="light" onClick={() => onMore(page.pageInfo.endCursor as string)}>
          {t('my.more')}
        </Button>
      )}
    </>
  );
}

function PaymentCard({ order, onChanged }: { order: Order; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const [method, setMethod] = useState<string>(order.payment?.method === 'CARD' ? 'BANK_TRANSFER' : 'CARD');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [{ fetching }, pay] = useMutation(PayAgain);
  const payment = order.payment;
  const canPay = order.status === 'PAYMENT_FAILED' || order.status === 'PAYMENT_PENDING';
  const submit = async () => {
    setProblem(null);
    const result = await pay({ orderId: order.id, input: { method: method as (typeof METHODS)[number] } });
    const refused = problemOf(result.error);
    if (refused) {
      setProblem(refused);
      return;
    }
    if (result.data?.payOrder.status === 'PAYMENT_FAILED') {
      setProblem({ code: 'INVALID_STATE', detail: t('my.orders.payFailedAgain') });
    } else {
      notifications.show({ color: 'green', message: t('my.orders.paid') });
    }
    onChanged();
  };
  return (
    <Card withBorder padding="sm">
      <Stack gap="xs">
        <Title order={2} size="h5">{t('my.orders.payment')}</Title>
        {payment ? (
          <Group justify="space-between">
            <Text size="sm">
              {t(`enums.PaymentMethod.${payment.method}`)}
              {payment.cardBrand ? ` · ${payment.cardBrand}` : ''} · {t(`enums.PaymentStatus.${payment.status}`)}
            </Text>
            <Text size="sm" fw={600}>{formatMoney(payment.amount, i18n.language)}</Text>
          </Group>
        ) : (
          <Text size="sm" c="dimmed">{t('my.orders.notPaid')}</Text>
        )}
        {payment?.failureReason && order.status === 'PAYMENT_FAILED' && (
          <Alert color="red" role="alert" title={t('my.orders.payFailed')}>
            {t(`enums.PaymentFailureReason.${payment.failureReason}`)} — {t(`my.orders.failureHint.${payment.failureReason}`)}
          </Alert>
        )}
        {canPay && (
          <Group align="end" wrap="wrap">
            <Select
              label={t('my.orders.otherMethod')}
              data={METHODS.map((value) => ({ value, label: t(`enums.PaymentMethod.${value}`) }))}
              value={method}
              allowDeselect={false}
              onChange={(value) => value && setMethod(value)}
              w={200}
            />
            <Button onClick={() => void submit()} loading={fetching}>
              {t('my.orders.payAgain')}
            </Button>
          </Group>
        )}
        {problem && <Alert color="red" role="alert">{problem.detail ?? describe(problem)}</Alert>}
        {payment && payment.refundedAmount > 0 && (
          <Text size="sm">{t('my.orders.refundedSoFar', { amount: formatMoney(payment.refundedAmount, i18n.language) })}</Text>
        )}
      </Stack>
    </Card>
  );
}

function ShipmentCard({ order }: { order: Order }) {
  const { t, i18n } = useTranslation();
  const shipment = order.shipment;
  // The seller moved the expected date (their delay report): the buyer is told here too.
  const rescheduled = order.timeline.some((entry) => entry.action === 'shipment.delivery_date_changed');
  if (!shipment) return null;
  return (
    <Card withBorder padding="sm" data-testid="tracking">
      <Stack gap="xs">
        <Title order={2} size="h5">{t('my.orders.tracking')}</Title>
        <Text size="sm">
          {shipment.carrier} · {shipment.trackingNumber} · {t(`enums.ShipmentStatus.${shipment.status}`)}
        </Text>
        {shipment.deliveredAt ? (
          <Text size="sm">{t('my.orders.deliveredAt', { at: formatDateTime(shipment.deliveredAt, i18n.language) })}</Text>
        ) : (
          <Text size="sm">{t('my.orders.expected', { at: formatDateTime(shipment.expectedDeliveryAt, i18n.language) })}</Text>
        )}
        {(shipment.delayed || rescheduled) && !shipment.deliveredAt && (
          <Alert color="orange" role="status" data-testid="delay-notice" title={t('my.orders.delayed')} styles={{ title: { color: 'var(--mantine-color-dark-8)' } }}>
            {t('my.orders.delayedBody', { at: formatDateTime(shipment.expectedDeliveryAt, i18n.language) })}
          </Alert>
        )}
        {shipment.events.length > 0 && (
          <Stack gap={2}>
            {[...shipment.events].reverse().map((event) => (
              <Text key={`${event.at}-${event.status}`} size="xs" c="dimmed">
                {formatDateTime(event.at, i18n.language)} · {event.description}
              </Text>
            ))}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

/** The buyer rates how a request was handled, once it was decided. */
function RateClaim({ requestId, rating }: { requestId: string; rating: number | null | undefined }) {
  const { t } = useTranslation();
  const [score, setScore] = useState(0);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [{ fetching }, rate] = useMutation(RateCancellation);
  if (rating) {
    return (
      <Group gap="xs" data-testid="claim-rated">
        <Text size="sm">{t('my.orders.rated')}</Text>
        <Rating value={rating} readOnly size="sm" role="img" aria-label={t('my.tickets.score', { score: rating })} />
      </Group>
    );
  }
  return (
    <Group gap="xs" wrap="wrap">
      <Text size="sm" id={`rate-${requestId}`}>{t('my.orders.rateClaim')}</Text>
      <Rating value={score} onChange={setScore} aria-labelledby={`rate-${requestId}`} getSymbolLabel={(value) => t('my.tickets.score', { score: value })} />
      <Button size="compact-sm" variant="light" disabled={score === 0} loading={fetching}
        onClick={() => void rate({ requestId, score }).then((result) => setProblem(problemOf(result.error)))}>
        {t('my.tickets.sendRating')}
      </Button>
      {problem && <Text size="sm" c="red.9" role="alert">{describe(problem)}</Text>}
    </Group>
  );
}

function ClaimCard({ order, onChanged }: { order: Order; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  const [reason, setReason] = useState<string>('CHANGE_OF_MIND');
  const [details, setDetails] = useState('');
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [{ fetching }, request] = useMutation(RequestCancellation);
  const [, withdraw] = useMutation(Withdraw);
  const [, confirm] = useMutation(ConfirmPurchase);
  const pending = order.cancellationRequests.find((r) => r.status === 'PENDING_SELLER');
  const rule = cancellationRule(order.status, order.shipment?.deliveredAt ?? null, now);
  const lang = i18n.language;

  const submit = async () => {
    setProblem(null);
    const result = await request({
      orderId: order.id,
      kind: rule.kind,
      reason: reason as (typeof REASONS)[number],
      details: details.trim() || null,
    });
    const refused = problemOf(result.error);
    if (refused) {
      // What the buyer typed stays in the form.
      setProblem(refused);
      return;
    }
    setOpen(false);
    setDetails('');
    notifications.show({ color: 'green', message: t(`my.orders.requested.${rule.action}`) });
    onChanged();
  };

  return (
    <Card withBorder padding="sm" data-testid="claims">
      <Stack gap="xs">
        <Title order={2} size="h5">{t('my.orders.cancelReturn')}</Title>
        {order.cancellationRequests.map((claim) => (
          <Group key={claim.id} justify="space-between" wrap="wrap" data-testid="my-claim">
            <Text size="sm">
              {t(`enums.CancellationKind.${claim.kind}`)} · {t(`enums.CancellationReason.${claim.reason}`)} ·{' '}
              <b>{t(`enums.CancellationStatus.${claim.status}`)}</b>
              {claim.status === 'PENDING_SELLER' && claim.sellerDeadlineAt &&
                ` · ${t('my.orders.decisionBy', { at: formatDateTime(claim.sellerDeadlineAt, lang) })}`}
              {claim.rejectionReason && ` · ${t('my.orders.rejectedBecause', { reason: claim.rejectionReason })}`}
            </Text>
            {claim.status === 'PENDING_SELLER' && (
              <Button size="compact-sm" variant="subtle" onClick={() => void withdraw({ requestId: claim.id }).then(onChanged)}>
                {t('my.orders.withdraw')}
              </Button>
            )}
            {['APPROVED', 'REJECTED', 'COMPLETED'].includes(claim.status) && <RateClaim requestId={claim.id} rating={claim.rating} />}
          </Group>
        ))}
        {!pending && (
          <Alert color={rule.action === 'none' ? 'gray' : 'blue'} role="note" data-testid="rule">
            {t(`my.orders.rule.${rule.rule}`, {
              days: RETURN_WINDOW_DAYS,
              until: rule.returnUntil ? formatDateTime(rule.returnUntil, lang) : '',
            })}
          </Alert>
        )}
        {!pending && rule.action !== 'none' && !open && (
          <Group>
            <Button variant="light" color={rule.action === 'cancelNow' ? 'red' : 'blue'} onClick={() => setOpen(true)}>
              {t(`my.orders.action.${rule.action}`)}
            </Button>
          </Group>
        )}
        {order.status === 'DELIVERED' && (
          <Group>
            <Button variant="subtle" onClick={() => void confirm({ orderId: order.id }).then(onChanged)}>
              {t('my.orders.confirmPurchase')}
            </Button>
          </Group>
        )}
        {open && (
          <Stack gap="xs">
            <Select
              label={t('my.orders.reason')}
              data={REASONS.map((value) => ({ value, label: t(`enums.CancellationReason.${value}`) }))}
              value={reason}
              allowDeselect={false}
              onChange={(value) => value && setReason(value)}
            />
            <Textarea
              label={t('my.orders.details')}
              value={details}
              onChange={(e) => setDetails(e.currentTarget.value)}
              maxLength={2000}
              autosize
              minRows={2}
              error={problem?.field === 'details' ? problem.detail : undefined}
            />
            {problem && problem.field !== 'details' && <Alert color="red" role="alert">{describe(problem)} {problem.detail}</Alert>}
            <Group>
              <Button onClick={() => void submit()} loading={fetching} color={rule.action === 'cancelNow' ? 'red' : 'blue'}>
                {t(`my.orders.submit.${rule.action}`)}
              </Button>
              <Button variant="subtle" onClick={() => setOpen(false)}>{t('app.cancel')}</Button>
            </Group>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

function RefundsCard({ order }: { order: Order }) {
  const { t, i18n } = useTranslation();
  if (order.refunds.length === 0) return null;
  return (
    <Card withBorder padding="sm" data-testid="my-refunds">
      <Stack gap="xs">
        <Title order={2} size="h5">{t('my.orders.refunds')}</Title>
        {order.refunds.map((refund) => (
          <Group key={refund.id} justify="space-between" wrap="wrap" data-testid="my-refund">
            <Text size="sm">
              <b>{t(`enums.RefundStatus.${refund.status}`)}</b> ·{' '}
              {refund.completedAt
                ? t('my.orders.refundDone', { at: formatDateTime(refund.completedAt, i18n.language) })
                : t('my.orders.refundDue', { at: formatDateTime(refund.dueAt, i18n.language) })}
            </Text>
            <Text size="sm" fw={600}>{formatMoney(refund.amount, i18n.language)}</Text>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

export function MyOrderScreen() {
  const { t, i18n } = useTranslation();
  const { orderId } = orderRoute.useParams();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MyOrderDetail, variables: { id: orderId } });
  if (fetching && !data) return <Loader aria-label={t('app.loading')} />;
  const problem = problemOf(error);
  if (problem) return <Alert color="red" role="alert">{describe(problem)}</Alert>;
  const order = data?.order;
  if (!order) {
    return (
      <Stack maw={760}>
        <Alert color="gray" role="status">{t('my.orders.notFound')}</Alert>
        <Anchor component={Link} to="/my/orders">← {t('my.orders.back')}</Anchor>
      </Stack>
    );
  }
  const changed = () => refetch({ requestPolicy: 'network-only' });
  return (
    <Stack gap="sm" maw={760}>
      <Anchor component={Link} to="/my/orders" size="sm">← {t('my.orders.back')}</Anchor>
      <Group justify="space-between" align="start">
        <div>
          <Title order={1} size="h3">{order.orderNumber}</Title>
          <Text size="sm" c="dimmed">{order.store.name} · {formatDateTime(order.placedAt, i18n.language)}</Text>
        </div>
        <OrderStatusBadge status={order.status} />
      </Group>
      <Card withBorder padding="sm">
        <Table>
          <Table.Tbody>
            {order.items.map((item) => (
              <Table.Tr key={item.productName}>
                <Table.Td>{item.productName} × {item.quantity}</Table.Td>
                <Table.Td ta="right">{formatMoney(item.lineTotal, i18n.language)}</Table.Td>
              </Table.Tr>
            ))}
            <Table.Tr>
              <Table.Td fw={700}>{t('my.orders.total')}</Table.Td>
              <Table.Td ta="right" fw={700}>{formatMoney(order.totalAmount, i18n.language)}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Card>
      <PaymentCard order={order} onChanged={changed} />
      <ShipmentCard order={order} />
      {order.status !== 'PAYMENT_FAILED' && order.status !== 'PAYMENT_PENDING' && <ClaimCard order={order} onChanged={changed} />}
      <RefundsCard order={order} />
      <Group>
        <Button variant="default" renderRoot={(props) => <Link {...props} to="/my/tickets/new" search={{ orderId: order.id }} />}>
          {t('my.orders.ask')}
        </Button>
      </Group>
    </Stack>
  );
}

