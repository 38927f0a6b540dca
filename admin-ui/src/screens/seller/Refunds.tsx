import { useCallback, useState } from 'react';
import { Alert, Badge, Button, Card, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useClient, useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql, readFragment, type ResultOf } from '../../api/graphql';
import { RetryRefund } from '../../api/orders';
import { describe, problemOf } from '../../lib/errors';
import { formatDateTime, formatMoney } from '../../lib/format';
import { useKeysetWindow, type FetchPage } from '../../lib/keysetWindow';
import { RefundForm } from '../ticket/OrderPanel';

const RefundFields = graphql(`
  fragment SellerRefundFields on Refund {
    id
    amount
    reason
    status
    createdAt
    dueAt
    overdue
    completedAt
    failureReason
    order {
      id
      orderNumber
    }
  }
`);

const StoreRefunds = graphql(
  `
  query StoreRefunds($filter: RefundFilter, $after: String) {
    refunds(filter: $filter, first: 30, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...SellerRefundFields
      }
    }
  }
`,
  [RefundFields],
);

const RefundOrder = graphql(`
  query RefundOrder($orderNumber: String!) {
    orderByNumber(orderNumber: $orderNumber) {
      id
      orderNumber
      status
      totalAmount
      refundableAmount
      items {
        id
        productName
        quantity
      }
    }
  }
`);

type Refund = ResultOf<typeof RefundFields>;

/** The store's refunds, the ones past their legal deadline first, and a partial refund by order number. */
export function RefundsScreen() {
  const { t } = useTranslation();
  const client = useClient();

  const fetchPage = useCallback(
    async (overdue: boolean | null, after: string | null) => {
      const result = await client
        .query(StoreRefunds, { filter: overdue === null ? null : { overdue }, after }, { requestPolicy: 'network-only' })
        .toPromise();
      if (result.error || !result.data) throw result.error ?? new Error('no data');
      const { nodes, pageInfo, totalCount } = result.data.refunds;
      return { nodes: [...readFragment(RefundFields, nodes)], endCursor: pageInfo.endCursor ?? null, hasNextPage: pageInfo.hasNextPage, totalCount };
    },
    [client],
  );
  const overdueFetch = useCallback<FetchPage<Refund>>((after) => fetchPage(true, after), [fetchPage]);
  const allFetch = useCallback<FetchPage<Refund>>((after) => fetchPage(null, after), [fetchPage]);
  const overdue = useKeysetWindow('overdue', overdueFetch);
  const all = useKeysetWindow('all', allFetch);
  const reload = () => {
    overdue.refresh();
    all.refresh();
  };

  return (
    <Stack gap="md">
      <Title order={1} size="h2">{t('seller.refunds.title')}</Title>
      <Text size="sm" c="dimmed">{t('seller.refunds.hint')}</Text>

      <PartialRefund onDone={reload} />

      {(overdue.totalCount ?? 0) > 0 && (
        <Stack gap="xs">
          <Title order={2} size="h4" c="red.9">{t('seller.refunds.overdue', { count: overdue.totalCount })}</Title>
          <RefundTable rows={overdue.rows} label={t('seller.refunds.overdueTable')} onChanged={reload} />
        </Stack>
      )}

      <Stack gap="xs">
        <Title order={2} size="h4">{t('seller.refunds.all')}</Title>
        <RefundTable rows={all.rows} label={t('seller.refunds.all')} onChanged={reload} />
        {all.fetching && <Loader size="sm" aria-label="loading" />}
        {!all.fetching && all.totalCount === 0 && <Text c="dimmed" ta="center" py="lg">{t('seller.refunds.empty')}</Text>}
        {all.hasNextPage && (
          <Button variant="default" onClick={() => void all.loadMore()} loading={all.fetching}>{t('seller.claims.more')}</Button>
        )}
      </Stack>
    </Stack>
  );
}

function RefundTable({ rows, label, onChanged }: { rows: Refund[]; label: string; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const [retrying, retry] = useMutation(RetryRefund);
  if (rows.length === 0) return null;
  const again = async (refund: Refund) => {
    const result = await retry({ refundId: refund.id });
    const problem = problemOf(result.error);
    notifications.show(
      problem
        ? { color: 'red', message: describe(problem) }
        : { color: 'green', message: t('seller.refunds.retried', { order: refund.order.orderNumber }) },
    );
    onChanged();
  };
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table verticalSpacing="xs" aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('seller.shipping.columns.order')}</Table.Th>
            <Table.Th>{t('seller.refunds.amount')}</Table.Th>
            <Table.Th>{t('seller.claims.reason')}</Table.Th>
            <Table.Th>{t('seller.refunds.status')}</Table.Th>
            <Table.Th>{t('seller.refunds.due')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((refund) => (
            <Table.Tr key={refund.id} data-testid="refund-row">
              <Table.Td><Text size="sm" fw={600}>{refund.order.orderNumber}</Text></Table.Td>
              <Table.Td><Text size="sm">{formatMoney(refund.amount, i18n.language)}</Text></Table.Td>
              <Table.Td><Text size="sm">{refund.reason}</Text></Table.Td>
              <Table.Td>
                <Group gap={6}>
                  <Badge
                    variant="light"
                    color={refund.status === 'FAILED' ? 'red' : refund.status === 'COMPLETED' ? 'green' : 'blue'}
                    c="var(--mantine-color-dark-8)"
                  >
                    {t(`enums.RefundStatus.${refund.status}`)}
                  </Badge>
                  {refund.overdue && <Badge color="red">{t('seller.refunds.late')}</Badge>}
                </Group>
                {refund.failureReason && <Text size="xs" c="red.9">{refund.failureReason}</Text>}
              </Table.Td>
              <Table.Td>
                <Text size="sm">{refund.completedAt ? formatDateTime(refund.completedAt, i18n.language) : formatDateTime(refund.dueAt, i18n.language)}</Text>
                <Text size="xs" c="dimmed">{refund.completedAt ? t('seller.refunds.completed') : t('seller.refunds.dueBy')}</Text>
              </Table.Td>
              <Table.Td>
                {refund.status === 'FAILED' && (
                  <Button size="xs" variant="light" loading={retrying.fetching} onClick={() => void again(refund)}>
                    {t('seller.refunds.retry')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Finds one of the store's orders by its number and refunds part of it. */
function PartialRefund({ onDone }: { onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const [typed, setTyped] = useState('');
  const [number, setNumber] = useState('');
  const [{ data, fetching, error }, refetch] = useQuery({
    query: RefundOrder,
    variables: { orderNumber: number },
    pause: !number,
    requestPolicy: 'network-only',
  });
  const order = data?.orderByNumber;
  const problem = problemOf(error);
  return (
    <Card withBorder padding="md">
      <Stack gap="sm">
        <Title order={2} size="h4">{t('seller.refunds.partial')}</Title>
        <Group align="end">
          <TextInput
            label={t('seller.refunds.orderNumber')}
            placeholder="20261202-000001"
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') setNumber(typed.trim());
            }}
            w={260}
          />
          <Button variant="default" onClick={() => setNumber(typed.trim())} loading={fetching}>{t('seller.refunds.find')}</Button>
        </Group>
        {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
        {number && data && !order && <Text size="sm" c="dimmed">{t('seller.refunds.noOrder', { number })}</Text>}
        {order && (
          <Stack gap="xs" data-testid="refund-order">
            <Text size="sm">
              <b>{order.orderNumber}</b> · {order.items.map((i) => `${i.productName} × ${i.quantity}`).join(', ')} ·{' '}
              {formatMoney(order.totalAmount, i18n.language)} · {t(`enums.OrderStatus.${order.status}`)}
            </Text>
            <RefundForm
              order={order}
              onDone={() => {
                refetch({ requestPolicy: 'network-only' });
                onDone();
              }}
            />
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
