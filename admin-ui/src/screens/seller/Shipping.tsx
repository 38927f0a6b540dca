import { useCallback, useState } from 'react';
import {
  Alert, Autocomplete, Badge, Button, Checkbox, Group, Loader, Modal, Stack, Table, Tabs, Text, TextInput, Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useClient, useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql, type ResultOf } from '../../api/graphql';
import { UpdateExpectedDelivery } from '../../api/orders';
import { describe, problemOf, type ApiProblem } from '../../lib/errors';
import { formatAgo, formatDateTime, formatMoney, TIME_ZONE } from '../../lib/format';
import { useKeysetWindow, type FetchPage } from '../../lib/keysetWindow';
import { SHIPPING_TABS, type ShippingTab } from '../../lib/sellerTabs';
import { useNow } from '../../lib/useNow';

const route = getRouteApi('/app/seller/shipping');

const STATUS: Record<ShippingTab, 'PAID' | 'PREPARING' | 'SHIPPED'> = {
  prepare: 'PAID',
  ship: 'PREPARING',
  transit: 'SHIPPED',
};

/** Carriers Korean sellers use most; any other name can be typed. */
const CARRIERS = ['CJ대한통운', '한진택배', '롯데택배', '우체국택배', '로젠택배', '경동택배'];

const SellerOrders = graphql(`
  query SellerOrders($status: OrderStatus!, $after: String) {
    orders(filter: { status: $status }, first: 30, after: $after) {
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
        paidAt
        buyer {
          id
          displayName
        }
        items {
          id
          productName
          quantity
        }
        shipment {
          carrier
          trackingNumber
          status
          expectedDeliveryAt
          lastEventAt
          delayed
          stalled
        }
      }
    }
  }
`);

const ShippingCounts = graphql(`
  query ShippingCounts {
    prepare: orders(filter: { status: PAID }, first: 1) { totalCount }
    ship: orders(filter: { status: PREPARING }, first: 1) { totalCount }
    transit: orders(filter: { status: SHIPPED }, first: 1) { totalCount }
    late: orders(filter: { status: SHIPPED, delayed: true }, first: 1) { totalCount }
    stalled: orders(filter: { status: SHIPPED, stalled: true }, first: 1) { totalCount }
  }
`);

const MarkPreparing = graphql(`
  mutation MarkPreparing($orderId: ID!) {
    markPreparing(orderId: $orderId) { id status }
  }
`);

const ShipOrder = graphql(`
  mutation ShipOrder($orderId: ID!, $carrier: String!, $trackingNumber: String!, $at: DateTime!) {
    shipOrder(orderId: $orderId, carrier: $carrier, trackingNumber: $trackingNumber, expectedDeliveryAt: $at) {
      id
      status
    }
  }
`);

const MarkDelivered = graphql(`
  mutation MarkDelivered($orderId: ID!) {
    markDelivered(orderId: $orderId) { id status }
  }
`);

type Order = ResultOf<typeof SellerOrders>['orders']['nodes'][number];

/** A chosen day, at the end of the business day in Seoul (what buyers are told). */
const endOfDay = (date: string) => new Date(`${date}T18:00:00+09:00`).toISOString();
const today = () => new Date().toLocaleDateString('sv-SE', { timeZone: TIME_ZONE });

function itemsOf(order: Order, t: (key: string, options?: Record<string, unknown>) => string): string {
  const [first, ...rest] = order.items;
  if (!first) return '';
  return rest.length > 0
    ? t('seller.claims.itemsMore', { name: first.productName, count: rest.length })
    : `${first.productName} × ${first.quantity}`;
}

export function ShippingScreen() {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const navigate = useNavigate({ from: '/seller/shipping' });
  const tab: ShippingTab = route.useSearch().tab ?? 'prepare';
  const now = useNow();
  const [selected, setSelected] = useState<string[]>([]);
  const [shipping, setShipping] = useState<Order[] | null>(null);
  const [delaying, setDelaying] = useState<Order | null>(null);
  const [busy, setBusy] = useState(false);

  const fetchPage = useCallback<FetchPage<Order>>(
    async (after) => {
      const result = await client
        .query(SellerOrders, { status: STATUS[tab], after }, { requestPolicy: 'network-only' })
        .toPromise();
      if (result.error || !result.data) throw result.error ?? new Error('no data');
      const { nodes, pageInfo, totalCount } = result.data.orders;
      return { nodes, endCursor: pageInfo.endCursor ?? null, hasNextPage: pageInfo.hasNextPage, totalCount };
    },
    [client, tab],
  );
  const list = useKeysetWindow(tab, fetchPage);
  const [counts, refetchCounts] = useQuery({ query: ShippingCounts, requestPolicy: 'cache-and-network' });
  const reload = () => {
    list.refresh();
    refetchCounts({ requestPolicy: 'network-only' });
  };

  const [seenTab, setSeenTab] = useState(tab);
  if (seenTab !== tab) {
    setSeenTab(tab);
    setSelected([]);
  }

  /** Runs `run` for each order, says how it went, and keeps the failed ones selected. */
  const each = async (ids: string[], run: (id: string) => Promise<{ error?: Parameters<typeof problemOf>[0] }>, done: string) => {
    setBusy(true);
    const results = await Promise.all(ids.map(async (id) => ({ id, problem: problemOf((await run(id)).error) })));
    setBusy(false);
    const failed = results.filter((r) => r.problem);
    if (failed[0]?.problem) {
      notifications.show({ color: 'red', message: `${describe(failed[0].problem)} (${failed.length}/${results.length})` });
    }
    if (failed.length < results.length) {
      notifications.show({ color: 'green', message: t(done, { count: results.length - failed.length }) });
    }
    setSelected(failed.map((r) => r.id));
    reload();
  };

  const prepare = (ids: string[]) =>
    each(ids, (orderId) => client.mutation(MarkPreparing, { orderId }).toPromise(), 'seller.shipping.prepared');
  const deliver = (ids: string[]) =>
    each(ids, (orderId) => client.mutation(MarkDelivered, { orderId }).toPromise(), 'seller.shipping.delivered');

  const rows = list.rows;
  const allSelected = rows.length > 0 && selected.length === rows.length;
  const problem = problemOf(list.error as Parameters<typeof problemOf>[0]);
  const chosen = rows.filter((row) => selected.includes(row.id));

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} size="h2">{t('seller.shipping.title')}</Title>
        <Group gap="xs">
          {(counts.data?.late.totalCount ?? 0) > 0 && (
            <Badge color="red" size="lg" variant="light">{t('seller.shipping.lateCount', { count: counts.data?.late.totalCount })}</Badge>
          )}
          {(counts.data?.stalled.totalCount ?? 0) > 0 && (
            <Badge color="orange" size="lg" variant="light" c="var(--mantine-color-dark-8)">
              {t('seller.shipping.stalledCount', { count: counts.data?.stalled.totalCount })}
            </Badge>
          )}
        </Group>
      </Group>

      <Tabs value={tab} onChange={(value) => void navigate({ search: { tab: (value as ShippingTab) ?? undefined } })}>
        <Tabs.List>
          {SHIPPING_TABS.map((name) => (
            <Tabs.Tab
              key={name}
              value={name}
              rightSection={<Badge size="sm" variant="light" color="gray">{counts.data ? counts.data[name].totalCount : '…'}</Badge>}
            >
              {t(`seller.shipping.tabs.${name}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>

      {rows.length > 0 && (
        <Group gap="sm">
          <Checkbox
            label={t('seller.claims.selectAll')}
            checked={allSelected}
            indeterminate={selected.length > 0 && !allSelected}
            onChange={() => setSelected(allSelected ? [] : rows.map((row) => row.id))}
          />
          {tab === 'prepare' && (
            <Button size="xs" disabled={!selected.length} loading={busy} onClick={() => void prepare(selected)}>
              {t('seller.shipping.prepareSelected', { count: selected.length })}
            </Button>
          )}
          {tab === 'ship' && (
            <Button size="xs" disabled={!selected.length} onClick={() => setShipping(chosen)}>
              {t('seller.shipping.shipSelected', { count: selected.length })}
            </Button>
          )}
          {tab === 'transit' && (
            <Button size="xs" variant="default" disabled={!selected.length} loading={busy} onClick={() => void deliver(selected)}>
              {t('seller.shipping.deliverSelected', { count: selected.length })}
            </Button>
          )}
        </Group>
      )}

      {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}

      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={860}>
          <Table verticalSpacing="xs" highlightOnHover aria-label={t(`seller.shipping.tabs.${tab}`)}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={40} />
                <Table.Th>{t('seller.shipping.columns.order')}</Table.Th>
                <Table.Th>{t('seller.shipping.columns.items')}</Table.Th>
                <Table.Th>{t('seller.shipping.columns.buyer')}</Table.Th>
                <Table.Th>{tab === 'transit' ? t('seller.shipping.columns.parcel') : t('seller.shipping.columns.paid')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((order) => (
                <Table.Tr key={order.id} data-testid="shipping-row">
                  <Table.Td>
                    <Checkbox
                      aria-label={t('seller.claims.select', { order: order.orderNumber })}
                      checked={selected.includes(order.id)}
                      onChange={(e) => {
                        const on = e.currentTarget.checked;
                        setSelected((ids) => (on ? [...ids, order.id] : ids.filter((id) => id !== order.id)));
                      }}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Text fw={600} size="sm">{order.orderNumber}</Text>
                    <Text size="xs" c="dimmed">{formatMoney(order.totalAmount, i18n.language)}</Text>
                  </Table.Td>
                  <Table.Td><Text size="sm">{itemsOf(order, t)}</Text></Table.Td>
                  <Table.Td><Text size="sm">{order.buyer.displayName}</Text></Table.Td>
                  <Table.Td>
                    {order.shipment ? (
                      <Stack gap={2}>
                        <Group gap={6}>
                          <Text size="sm">{order.shipment.carrier} {order.shipment.trackingNumber}</Text>
                          {order.shipment.delayed && <Badge color="red" size="sm">{t('seller.shipping.late')}</Badge>}
                          {order.shipment.stalled && (
                            <Badge color="orange" variant="light" c="var(--mantine-color-dark-8)" size="sm">{t('seller.shipping.stalled')}</Badge>
                          )}
                        </Group>
                        <Text size="xs" c="dimmed" data-testid="expected">
                          {t('seller.shipping.expected', { at: formatDateTime(order.shipment.expectedDeliveryAt, i18n.language) })}
                          {' · '}
                          {t('seller.shipping.lastScan', { ago: formatAgo(order.shipment.lastEventAt, now, i18n.language) })}
                        </Text>
                      </Stack>
                    ) : (
                      <Text size="sm" c="dimmed">{order.paidAt ? formatDateTime(order.paidAt, i18n.language) : ''}</Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" justify="flex-end" wrap="nowrap">
                      {tab === 'prepare' && (
                        <Button size="xs" variant="light" onClick={() => void prepare([order.id])}>{t('seller.shipping.prepare')}</Button>
                      )}
                      {tab === 'ship' && (
                        <Button size="xs" onClick={() => setShipping([order])}>{t('seller.shipping.ship')}</Button>
                      )}
                      {tab === 'transit' && (
                        <>
                          <Button size="xs" variant="light" color="orange" c="var(--mantine-color-dark-8)" onClick={() => setDelaying(order)}>
                            {t('seller.shipping.delay')}
                          </Button>
                          <Button size="xs" variant="default" onClick={() => void deliver([order.id])}>{t('seller.shipping.deliver')}</Button>
                        </>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      {list.fetching && <Loader size="sm" aria-label="loading" />}
      {!list.fetching && list.totalCount === 0 && <Text c="dimmed" ta="center" py="xl">{t(`seller.shipping.empty.${tab}`)}</Text>}
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.loadMore()} loading={list.fetching}>{t('seller.claims.more')}</Button>
      )}

      {shipping && (
        <ShipModal
          orders={shipping}
          onClose={() => setShipping(null)}
          onShipped={(count, failed) => {
            notifications.show({ color: 'green', message: t('seller.shipping.shipped', { count }) });
            if (failed.length === 0) setShipping(null);
            else setShipping(shipping.filter((o) => failed.includes(o.id)));
            setSelected(failed);
            reload();
          }}
        />
      )}
      {delaying && (
        <DelayModal
          order={delaying}
          onClose={() => setDelaying(null)}
          onDone={() => {
            setDelaying(null);
            notifications.show({ color: 'green', message: t('seller.shipping.delayed', { order: delaying.orderNumber }) });
            reload();
          }}
        />
      )}
    </Stack>
  );
}

/** Ships one or several orders: one carrier and expected day, a tracking number per parcel. */
function ShipModal({ orders, onClose, onShipped }: {
  orders: Order[];
  onClose: () => void;
  onShipped: (count: number, failed: string[]) => void;
}) {
  const { t } = useTranslation();
  const client = useClient();
  const [carrier, setCarrier] = useState('');
  const [date, setDate] = useState('');
  const [tracking, setTracking] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Record<string, ApiProblem>>({});
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);

  const missing = !carrier.trim() || !date || orders.some((o) => !tracking[o.id]?.trim());
  const submit = async () => {
    setTouched(true);
    if (missing) return;
    setBusy(true);
    const results = await Promise.all(
      orders.map(async (order) => {
        const result = await client
          .mutation(ShipOrder, { orderId: order.id, carrier: carrier.trim(), trackingNumber: tracking[order.id]?.trim() ?? '', at: endOfDay(date) })
          .toPromise();
        return { id: order.id, problem: problemOf(result.error) };
      }),
    );
    setBusy(false);
    // Failed parcels stay in the form with what was typed and the reason on their field.
    setProblems(Object.fromEntries(results.flatMap((r) => (r.problem ? [[r.id, r.problem]] : []))));
    const failed = results.filter((r) => r.problem).map((r) => r.id);
    if (failed.length < results.length) onShipped(results.length - failed.length, failed);
  };

  return (
    <Modal opened onClose={onClose} title={t('seller.shipping.shipTitle', { count: orders.length })} size="lg">
      <Stack>
        <Group grow align="start">
          <Autocomplete
            label={t('seller.shipping.carrier')}
            data={CARRIERS}
            value={carrier}
            onChange={setCarrier}
            required
            error={touched && !carrier.trim() ? t('validation.required') : undefined}
          />
          <TextInput
            type="date"
            label={t('seller.shipping.expectedDay')}
            value={date}
            min={today()}
            onChange={(e) => setDate(e.currentTarget.value)}
            required
            error={touched && !date ? t('validation.required') : undefined}
          />
        </Group>
        {orders.map((order) => {
          const problem = problems[order.id];
          return (
            <TextInput
              key={order.id}
              label={t('seller.shipping.trackingFor', { order: order.orderNumber })}
              value={tracking[order.id] ?? ''}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setTracking((all) => ({ ...all, [order.id]: value }));
              }}
              required
              error={
                problem
                  ? `${describe(problem)}${problem.detail ? ` (${problem.detail})` : ''}`
                  : touched && !tracking[order.id]?.trim()
                    ? t('validation.required')
                    : undefined
              }
            />
          );
        })}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('app.cancel')}</Button>
          <Button loading={busy} onClick={() => void submit()}>{t('seller.shipping.ship')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** A late parcel: the buyer is told the new expected day (and why, when given). */
function DelayModal({ order, onClose, onDone }: { order: Order; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const [date, setDate] = useState('');
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [state, update] = useMutation(UpdateExpectedDelivery);

  const submit = async () => {
    setTouched(true);
    if (!date) return;
    const result = await update({ orderId: order.id, at: endOfDay(date), reason: reason.trim() || null });
    const failure = problemOf(result.error);
    if (failure) {
      setProblem(failure);
      return;
    }
    onDone();
  };

  return (
    <Modal opened onClose={onClose} title={t('seller.shipping.delayTitle', { order: order.orderNumber })}>
      <Stack>
        <Text size="sm">{t('seller.shipping.delayHint')}</Text>
        {problem && <Alert color="red" role="alert">{describe(problem)}{problem.detail ? ` (${problem.detail})` : ''}</Alert>}
        <TextInput
          type="date"
          label={t('seller.shipping.newDay')}
          value={date}
          min={today()}
          onChange={(e) => setDate(e.currentTarget.value)}
          required
          error={touched && !date ? t('validation.required') : undefined}
          data-autofocus
        />
        <TextInput label={t('seller.shipping.delayReason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={500} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('app.cancel')}</Button>
          <Button loading={state.fetching} onClick={() => void submit()}>{t('seller.shipping.sendDelay')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
