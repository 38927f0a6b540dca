import { useState } from 'react';
import {
  Alert, Anchor, Badge, Button, Card, Grid, Group, Loader, Stack, Table, Text, TextInput, Timeline, Title,
} from '@mantine/core';
import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql, type ResultOf } from '../api/graphql';
import { describe, problemOf } from '../lib/errors';
import { formatDateTime, formatMoney } from '../lib/format';
import { OrderPanel, OrderPanelFields } from './ticket/OrderPanel';

const desk = getRouteApi('/app/orders');
const orderPage = getRouteApi('/app/orders/$orderId');

const FindOrders = graphql(`
  query FindOrders($search: String, $first: Int, $after: String) {
    orders(filter: { search: $search }, first: $first, after: $after) {
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
        buyer {
          id
          displayName
          account {
            id
            email
          }
        }
        store {
          id
          name
        }
        shipment {
          trackingNumber
          delayed
          stalled
        }
      }
    }
  }
`);

/** Find an order by number, buyer email or tracking number. */
export function OrdersScreen() {
  const { t, i18n } = useTranslation();
  const { q } = desk.useSearch();
  const navigate = useNavigate({ from: '/orders' });
  const [text, setText] = useState(q ?? '');
  const [{ data, fetching, error }] = useQuery({ query: FindOrders, variables: { search: q ?? null, first: 50 } });
  const problem = problemOf(error);
  const rows = data?.orders.nodes ?? [];

  return (
    <Stack gap="md">
      <Title order={1} size="h3">{t('orders.title')}</Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void navigate({ search: { q: text.trim() || undefined } });
        }}
      >
        <Group align="end">
          <TextInput
            label={t('orders.search')}
            description={t('orders.searchHint')}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            w={420}
            maw="100%"
          />
          <Button type="submit">{t('orders.find')}</Button>
        </Group>
      </form>
      {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
      {fetching && !data && <Loader aria-label="loading" />}
      {data && (
        <Text size="sm" c="dimmed">{t('orders.count', { count: data.orders.totalCount })}</Text>
      )}
      {data && rows.length === 0 && <Alert color="gray">{t('orders.none')}</Alert>}
      {rows.length > 0 && (
        <Table striped highlightOnHover data-testid="order-rows">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('orders.number')}</Table.Th>
              <Table.Th>{t('orders.status')}</Table.Th>
              <Table.Th>{t('orders.buyer')}</Table.Th>
              <Table.Th>{t('orders.store')}</Table.Th>
              <Table.Th ta="right">{t('orders.total')}</Table.Th>
              <Table.Th>{t('orders.placed')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((order) => (
              <Table.Tr key={order.id}>
                <Table.Td>
                  <Anchor renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId: order.id }} />}>
                    {order.orderNumber}
                  </Anchor>
                  {order.shipment?.delayed && <Badge ml="xs" size="xs" color="orange" c="dark.8" variant="light">{t('order.delayed')}</Badge>}
                </Table.Td>
                <Table.Td>{t(`enums.OrderStatus.${order.status}`)}</Table.Td>
                <Table.Td>{order.buyer.displayName} <Text span size="xs" c="dimmed">{order.buyer.account?.email}</Text></Table.Td>
                <Table.Td>{order.store.name}</Table.Td>
                <Table.Td ta="right">{formatMoney(order.totalAmount, i18n.language)}</Table.Td>
                <Table.Td>{formatDateTime(order.placedAt, i18n.language)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

const OrderDetail = graphql(
  `
  query OrderDetail($id: ID!) {
    order(id: $id) {
      id
      orderNumber
      buyer {
        id
        displayName
        account {
          id
          email
          status
        }
      }
      tickets {
        id
        number
        subject
        status
      }
      ...OrderPanelFields
      timeline(first: 200) {
        at
        source
        action
        fromStatus
        toStatus
        amount
        note
        carrier
        trackingNumber
        isOverride
        channel
        deliveryStatus
        actor {
          id
          displayName
          role
        }
      }
    }
  }
`,
  [OrderPanelFields],
);

type Entry = NonNullable<ResultOf<typeof OrderDetail>['order']>['timeline'][number];

const SOURCE_COLOR: Record<string, string> = {
  ORDER: 'blue', PAYMENT: 'grape', SHIPMENT: 'teal', REQUEST: 'orange', REFUND: 'red', NOTIFICATION: 'gray',
};

function TimelineText({ entry }: { entry: Entry }) {
  const { t, i18n } = useTranslation();
  const known = i18n.exists(`timeline.actions.${entry.action}`);
  const title =
    entry.source === 'NOTIFICATION'
      ? t('timeline.notified', { kind: t(`timeline.notices.${entry.action}`, { defaultValue: entry.action }) })
      : known
        ? t(`timeline.actions.${entry.action}`)
        : entry.action;
  // The states of an order, a request or a refund: each entry's source says which.
  const enumOf: Record<string, string> = { REQUEST: 'CancellationStatus', REFUND: 'RefundStatus', PAYMENT: 'OrderStatus' };
  const status = (value: string) => t(`enums.${enumOf[entry.source] ?? 'OrderStatus'}.${value}`, { defaultValue: value });
  const facts = [
    entry.fromStatus && entry.toStatus ? `${status(entry.fromStatus)} → ${status(entry.toStatus)}` : null,
    entry.amount !== null ? formatMoney(entry.amount, i18n.language) : null,
    entry.carrier && entry.trackingNumber ? `${entry.carrier} ${entry.trackingNumber}` : null,
    entry.channel ? `${entry.channel} · ${t(`timeline.delivery.${entry.deliveryStatus ?? 'PENDING'}`)}` : null,
  ].filter(Boolean);
  return (
    <>
      <Group gap={6}>
        <Text size="sm" fw={600}>{title}</Text>
        {entry.isOverride && <Badge size="xs" color="orange" c="dark.8" variant="light">{t('timeline.override')}</Badge>}
      </Group>
      {facts.length > 0 && <Text size="xs">{facts.join(' · ')}</Text>}
      {entry.note && <Text size="xs" c="dimmed">“{entry.note}”</Text>}
      <Text size="xs" c="dimmed">
        {formatDateTime(entry.at, i18n.language)} ·{' '}
        {entry.actor ? `${entry.actor.displayName} (${t(`enums.Role.${entry.actor.role}`)})` : t('timeline.system')}
      </Text>
    </>
  );
}

/** One order: what it is now (with the agent's actions) and everything that happened to it. */
export function OrderScreen() {
  const { t } = useTranslation();
  const { orderId } = orderPage.useParams();
  const [{ data, fetching, error }, refetch] = useQuery({ query: OrderDetail, variables: { id: orderId } });
  const problem = problemOf(error);
  if (fetching && !data) return <Loader aria-label="loading" />;
  if (problem) return <Alert color="red" role="alert">{describe(problem)}</Alert>;
  const order = data?.order;
  if (!order) return <Alert color="gray">{t('orders.notFound')}</Alert>;
  const buyerAccount = order.buyer.account;

  return (
    <Stack gap="md">
      <Anchor component={Link} to="/orders" size="sm">← {t('orders.back')}</Anchor>
      <Title order={1} size="h3">{t('orders.order', { number: order.orderNumber })}</Title>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="sm">
            <OrderPanel data={order} onChanged={() => refetch({ requestPolicy: 'network-only' })} />
            <Card withBorder padding="sm">
              <Text size="sm" fw={700}>{t('orders.buyer')}</Text>
              <Text size="sm">
                {order.buyer.displayName}
                {order.buyer.account && ` · ${order.buyer.account.email} · ${t(`enums.AccountStatus.${order.buyer.account.status}`)}`}
              </Text>
              {buyerAccount && (
                <Anchor size="sm" renderRoot={(props) => <Link {...props} to="/accounts/$accountId" params={{ accountId: buyerAccount.id }} />}>
                  {t('customer.security')}
                </Anchor>
              )}
              <Text size="sm" fw={700} mt="xs">{t('orders.tickets')}</Text>
              {order.tickets.length === 0 && <Text size="xs" c="dimmed">{t('customer.noTickets')}</Text>}
              {order.tickets.map((ticket) => (
                <Anchor key={ticket.id} size="sm" display="block" renderRoot={(props) => <Link {...props} to="/tickets/$ticketId" params={{ ticketId: ticket.id }} />}>
                  #{ticket.number} {ticket.subject}
                </Anchor>
              ))}
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Card withBorder padding="md" data-testid="order-timeline">
            <Title order={2} size="h4" mb="sm">{t('timeline.title')}</Title>
            <Timeline bulletSize={14} lineWidth={2}>
              {order.timeline.map((entry, index) => (
                <Timeline.Item key={`${entry.at}-${entry.action}-${index}`} color={SOURCE_COLOR[entry.source] ?? 'gray'}>
                  <TimelineText entry={entry} />
                </Timeline.Item>
              ))}
            </Timeline>
          </Card>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
