import { useRef, useState } from 'react';
import {
  Alert, Anchor, Badge, Button, Card, Group, Modal, NumberInput, Stack, Table, Text, TextInput, Textarea, Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link } from '@tanstack/react-router';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql, readFragment, type FragmentOf, type ResultOf } from '../../api/graphql';
import { ApproveRequest, CreateRefund, RejectRequest, RetryRefund, UpdateExpectedDelivery } from '../../api/orders';
import { Attempt } from '../../lib/attempt';
import { describe, problemOf, type ApiProblem } from '../../lib/errors';
import { formatDateTime, formatMoney, TIME_ZONE } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { Countdown } from '../labels';

/** What the ticket page shows of its order, and what the actions need. */
export const OrderPanelFields = graphql(`
  fragment OrderPanelFields on Order {
    id
    orderNumber
    status
    totalAmount
    refundableAmount
    placedAt
    store {
      id
      name
    }
    items {
      id
      productName
      quantity
      lineTotal
    }
    payment {
      id
      method
      status
      amount
      refundedAmount
      failureReason
    }
    shipment {
      carrier
      trackingNumber
      status
      expectedDeliveryAt
      lastEventAt
      delayed
      stalled
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
      sellerDeadlineAt
      overdue
    }
    refunds {
      id
      amount
      status
      dueAt
      overdue
      failureReason
    }
  }
`);

type Order = ResultOf<typeof OrderPanelFields>;
type Request = Order['cancellationRequests'][number];

interface Props {
  data: FragmentOf<typeof OrderPanelFields>;
  /** Called after an action changed the order: the page reloads the ticket and its order. */
  onChanged: () => void;
}

function useReport() {
  const { t } = useTranslation();
  return {
    done: (message: string) => notifications.show({ color: 'green', message }),
    failed: (problem: ApiProblem | null) =>
      notifications.show({ color: 'red', message: problem ? describe(problem) : t('errors.INTERNAL') }),
  };
}

/** A decision on a pending request as an agent (an override of the seller): a reason is required. */
function DecisionModal({
  request,
  decision,
  onClose,
  onDecided,
}: {
  request: Request;
  decision: 'approve' | 'reject';
  onClose: () => void;
  onDecided: () => void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [approving, approve] = useMutation(ApproveRequest);
  const [rejecting, reject] = useMutation(RejectRequest);
  const report = useReport();
  const missing = reason.trim().length === 0;

  const submit = async () => {
    setTouched(true);
    if (missing) return;
    const result =
      decision === 'approve'
        ? await approve({ requestId: request.id, note: reason.trim() })
        : await reject({ requestId: request.id, reason: reason.trim() });
    const failure = problemOf(result.error);
    if (failure) {
      // The reason stays as typed.
      setProblem(failure);
      return;
    }
    report.done(decision === 'approve' ? t('order.approved') : t('order.rejected'));
    onDecided();
  };

  return (
    <Modal opened onClose={onClose} title={decision === 'approve' ? t('order.approveTitle') : t('order.rejectTitle')}>
      <Stack>
        <Text size="sm">{t('order.overrideHint')}</Text>
        {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
        <Textarea
          label={t('order.reason')}
          required
          autosize
          minRows={3}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          error={touched && missing ? t('validation.required') : problem?.field ? problem.detail : undefined}
          data-autofocus
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('app.cancel')}</Button>
          <Button
            color={decision === 'approve' ? 'blue' : 'red'}
            loading={approving.fetching || rejecting.fetching}
            onClick={() => void submit()}
          >
            {decision === 'approve' ? t('order.approve') : t('order.reject')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/**
 * A partial refund: the amount is checked against what is still refundable before anything
 * is sent, and one idempotency key per attempt makes a double click one refund.
 */
export function RefundForm({ order, onDone }: { order: Pick<Order, 'id' | 'refundableAmount'>; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const [amount, setAmount] = useState<number | ''>('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [touched, setTouched] = useState(false);
  const attempt = useRef(new Attempt<{ amount: number; reason: string }>());
  const [{ fetching }, refund] = useMutation(CreateRefund);
  const report = useReport();

  const amountError =
    amount === '' || amount < 1
      ? t('order.amountRequired')
      : amount > order.refundableAmount
        ? t('order.amountTooHigh', { max: formatMoney(order.refundableAmount, i18n.language) })
        : null;
  const reasonError = reason.trim() ? null : t('validation.required');

  const submit = async () => {
    setTouched(true);
    if (amountError || reasonError || amount === '') return;
    setProblem(null);
    const input = { amount, reason: reason.trim() };
    const result = await refund({ orderId: order.id, ...input, key: attempt.current.keyFor(input) });
    const failure = problemOf(result.error);
    if (failure) {
      setProblem(failure);
      return;
    }
    attempt.current.succeeded();
    report.done(t('order.refunded', { amount: formatMoney(input.amount, i18n.language) }));
    setAmount('');
    setReason('');
    setTouched(false);
    onDone();
  };

  return (
    <Stack gap="xs" data-testid="refund-form">
      {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
      <Group grow align="start">
        <NumberInput
          label={t('order.refundAmount')}
          min={1}
          max={order.refundableAmount}
          step={1000}
          thousandSeparator=","
          suffix="원"
          allowDecimal={false}
          clampBehavior="none"
          value={amount}
          onChange={(value) => setAmount(typeof value === 'number' ? value : '')}
          error={touched ? amountError : undefined}
          description={t('order.refundable', { amount: formatMoney(order.refundableAmount, i18n.language) })}
        />
        <TextInput
          label={t('order.reason')}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          error={touched ? reasonError : undefined}
        />
      </Group>
      <Group justify="flex-end">
        <Button onClick={() => void submit()} loading={fetching} color="red">
          {t('order.refundSubmit')}
        </Button>
      </Group>
    </Stack>
  );
}

function ExpectedDateForm({ order, onDone }: { order: Order; onDone: () => void }) {
  const { t } = useTranslation();
  const [date, setDate] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [{ fetching }, update] = useMutation(UpdateExpectedDelivery);
  const report = useReport();

  const submit = async () => {
    if (!date) return;
    // The chosen day, at the end of the business day in Seoul.
    const at = new Date(`${date}T18:00:00+09:00`).toISOString();
    const result = await update({ orderId: order.id, at, reason: reason.trim() || null });
    const failure = problemOf(result.error);
    if (failure) {
      setProblem(failure);
      return;
    }
    report.done(t('order.dateUpdated'));
    onDone();
  };

  return (
    <Stack gap="xs">
      {problem && <Alert color="red" role="alert">{describe(problem)}{problem.detail ? ` (${problem.detail})` : ''}</Alert>}
      <Group grow align="end">
        {/* The browser's own date picker: accessible, localised, and no extra code to load. */}
        <TextInput
          type="date"
          label={t('order.newDate')}
          value={date}
          onChange={(e) => setDate(e.currentTarget.value)}
          min={new Date().toLocaleDateString('sv-SE', { timeZone: TIME_ZONE })}
        />
        <TextInput label={t('order.dateReason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
      </Group>
      <Group justify="flex-end">
        <Button variant="light" onClick={() => void submit()} loading={fetching} disabled={!date}>
          {t('order.saveDate')}
        </Button>
      </Group>
    </Stack>
  );
}

export function OrderPanel({ data, onChanged }: Props) {
  const order = readFragment(OrderPanelFields, data);
  const { t, i18n } = useTranslation();
  const now = useNow();
  const [deciding, setDeciding] = useState<{ request: Request; decision: 'approve' | 'reject' } | null>(null);
  const [open, setOpen] = useState<'refund' | 'date' | null>(null);
  const [retrying, retry] = useMutation(RetryRefund);
  const report = useReport();
  const refundable = order.refundableAmount > 0;
  const inTransit = order.status === 'SHIPPED' && order.shipment !== null;

  return (
    <Card withBorder padding="sm" data-testid="order-panel">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {t('ticket.order')}{' '}
            <Anchor renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId: order.id }} />}>
              {order.orderNumber}
            </Anchor>
          </Title>
          <Badge variant="light" c="dark.8">{t(`enums.OrderStatus.${order.status}`)}</Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {order.store.name} · {formatDateTime(order.placedAt, i18n.language)}
        </Text>
        <Table fz="sm" verticalSpacing={4}>
          <Table.Tbody>
            {order.items.map((item) => (
              <Table.Tr key={item.id}>
                <Table.Td>{item.productName} × {item.quantity}</Table.Td>
                <Table.Td ta="right">{formatMoney(item.lineTotal, i18n.language)}</Table.Td>
              </Table.Tr>
            ))}
            <Table.Tr>
              <Table.Td fw={600}>{formatMoney(order.totalAmount, i18n.language)}</Table.Td>
              <Table.Td ta="right" c="dimmed" data-testid="refundable">
                {t('order.refundable', { amount: formatMoney(order.refundableAmount, i18n.language) })}
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
        {order.payment && (
          <Text size="sm">
            {t(`enums.PaymentMethod.${order.payment.method}`)} · {t(`enums.PaymentStatus.${order.payment.status}`)}
            {order.payment.failureReason && (
              <Text span c="red.9" fw={600}> · {t(`enums.PaymentFailureReason.${order.payment.failureReason}`)}</Text>
            )}
          </Text>
        )}
        {order.shipment && (
          <Stack gap={2}>
            <Text size="sm">
              {order.shipment.carrier} {order.shipment.trackingNumber} · {t(`enums.ShipmentStatus.${order.shipment.status}`)}
              {order.shipment.delayed && <Badge ml="xs" color="orange" c="dark.8" variant="light">{t('order.delayed')}</Badge>}
              {order.shipment.stalled && <Badge ml="xs" color="red" variant="filled">{t('order.stalled')}</Badge>}
            </Text>
            <Text size="xs" c="dimmed">
              {t('order.expected', { at: formatDateTime(order.shipment.expectedDeliveryAt, i18n.language) })} ·{' '}
              {t('order.lastScan', { at: formatDateTime(order.shipment.lastEventAt, i18n.language) })}
            </Text>
            {order.shipment.events.slice(-3).reverse().map((event, index) => (
              <Text size="xs" key={`${event.at}-${index}`}>
                {formatDateTime(event.at, i18n.language)} · {t(`enums.ShipmentStatus.${event.status}`)} · {event.description}
              </Text>
            ))}
          </Stack>
        )}
        {order.cancellationRequests.map((request) => (
          <Stack key={request.id} gap={4} data-testid="request">
            <Group gap="xs">
              <Badge variant="light" c="dark.8">{t(`enums.CancellationKind.${request.kind}`)}</Badge>
              <Text size="sm">{t(`enums.CancellationStatus.${request.status}`)} · {t(`enums.CancellationReason.${request.reason}`)}</Text>
              {request.status === 'PENDING_SELLER' && request.sellerDeadlineAt && <Countdown due={request.sellerDeadlineAt} now={now} />}
              {request.overdue && <Badge color="red" variant="filled">{t('order.overdue')}</Badge>}
            </Group>
            {request.details && <Text size="xs" c="dimmed">{request.details}</Text>}
            {request.status === 'PENDING_SELLER' && (
              <Group gap="xs">
                <Button size="compact-sm" variant="light" onClick={() => setDeciding({ request, decision: 'approve' })}>
                  {t('order.approveOverride')}
                </Button>
                <Button size="compact-sm" variant="light" color="red" onClick={() => setDeciding({ request, decision: 'reject' })}>
                  {t('order.rejectOverride')}
                </Button>
              </Group>
            )}
          </Stack>
        ))}
        {order.refunds.map((refund) => (
          <Group key={refund.id} gap="xs" data-testid="refund-row">
            <Text size="sm">{t('order.refund')} {formatMoney(refund.amount, i18n.language)} · {t(`enums.RefundStatus.${refund.status}`)}</Text>
            {refund.overdue && <Badge color="red" variant="filled">{t('order.overdue')}</Badge>}
            {refund.status === 'FAILED' && (
              <>
                {refund.failureReason && <Text size="xs" c="red.9">{refund.failureReason}</Text>}
                <Button
                  size="compact-xs"
                  variant="light"
                  loading={retrying.fetching}
                  onClick={() =>
                    void retry({ refundId: refund.id }).then((result) => {
                      const failure = problemOf(result.error);
                      if (failure) report.failed(failure);
                      else {
                        report.done(t('order.retried'));
                        onChanged();
                      }
                    })
                  }
                >
                  {t('order.retry')}
                </Button>
              </>
            )}
          </Group>
        ))}
        <Group gap="xs">
          {refundable && (
            <Button size="compact-sm" variant={open === 'refund' ? 'filled' : 'light'} color="red" onClick={() => setOpen(open === 'refund' ? null : 'refund')}>
              {t('order.refundOpen')}
            </Button>
          )}
          {inTransit && (
            <Button size="compact-sm" variant={open === 'date' ? 'filled' : 'light'} onClick={() => setOpen(open === 'date' ? null : 'date')}>
              {t('order.dateOpen')}
            </Button>
          )}
        </Group>
        {open === 'refund' && refundable && <RefundForm order={order} onDone={onChanged} />}
        {open === 'date' && inTransit && <ExpectedDateForm order={order} onDone={() => { setOpen(null); onChanged(); }} />}
      </Stack>
      {deciding && (
        <DecisionModal
          request={deciding.request}
          decision={deciding.decision}
          onClose={() => setDeciding(null)}
          onDecided={() => {
            setDeciding(null);
            onChanged();
          }}
        />
      )}
    </Card>
  );
}
