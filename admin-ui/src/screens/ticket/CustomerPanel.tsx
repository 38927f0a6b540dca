import { Anchor, Badge, Card, Group, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql } from '../../api/graphql';
import { formatDateTime, formatMoney } from '../../lib/format';
import { StatusBadge } from '../labels';

const CustomerContext = graphql(`
  query CustomerContext($requesterId: ID!) {
    tickets(filter: { requesterId: $requesterId }, first: 6) {
      totalCount
      nodes {
        id
        number
        subject
        status
        createdAt
      }
    }
    orders(filter: { buyerId: $requesterId }, first: 5) {
      totalCount
      nodes {
        id
        orderNumber
        status
        totalAmount
        placedAt
      }
    }
  }
`);

interface Props {
  ticketId: string;
  requester: { id: string; displayName: string; role: string; account: { id: string; email: string; status: string } | null };
}

/** Who is asking: their account's state, their other tickets and their latest orders. */
export function CustomerPanel({ ticketId, requester }: Props) {
  const { t, i18n } = useTranslation();
  const account = requester.account;
  const [{ data }] = useQuery({
    query: CustomerContext,
    variables: { requesterId: requester.id },
  });
  const others = (data?.tickets.nodes ?? []).filter((ticket) => ticket.id !== ticketId).slice(0, 5);
  const orders = data?.orders.nodes ?? [];

  return (
    <Card withBorder padding="sm" data-testid="customer-panel">
      <Stack gap={6}>
        <Group justify="space-between">
          <Title order={2} size="h4">{t('customer.title')}</Title>
          {account && (
            <Badge color={account.status === 'ACTIVE' ? 'green' : 'red'} variant="light" c="dark.8">
              {t(`enums.AccountStatus.${account.status}`)}
            </Badge>
          )}
        </Group>
        <Text size="sm">
          {requester.displayName} · {t(`enums.Role.${requester.role}`)}
          {account && <> · {account.email}</>}
        </Text>
        {account && (
          <Anchor size="sm" renderRoot={(props) => <Link {...props} to="/accounts/$accountId" params={{ accountId: account.id }} />}>
            {t('customer.security')}
          </Anchor>
        )}
        <Text size="xs" fw={700} mt={4}>{t('customer.otherTickets')}</Text>
        {others.length === 0 && <Text size="xs" c="dimmed">{t('customer.noTickets')}</Text>}
        {others.map((ticket) => (
          <Group key={ticket.id} gap={6} wrap="nowrap">
            <StatusBadge status={ticket.status} />
            <Anchor size="sm" lineClamp={1} renderRoot={(props) => <Link {...props} to="/tickets/$ticketId" params={{ ticketId: ticket.id }} />}>
              #{ticket.number} {ticket.subject}
            </Anchor>
          </Group>
        ))}
        {requester.role === 'BUYER' && (
          <>
            <Text size="xs" fw={700} mt={4}>{t('customer.orders', { count: data?.orders.totalCount ?? 0 })}</Text>
            {orders.length === 0 && <Text size="xs" c="dimmed">{t('customer.noOrders')}</Text>}
            {orders.map((order) => (
              <Group key={order.id} gap={6} justify="space-between" wrap="nowrap">
                <Anchor size="sm" renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId: order.id }} />}>
                  {order.orderNumber}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {t(`enums.OrderStatus.${order.status}`)} · {formatMoney(order.totalAmount, i18n.language)} ·{' '}
                  {formatDateTime(order.placedAt, i18n.language)}
                </Text>
              </Group>
            ))}
          </>
        )}
      </Stack>
    </Card>
  );
}
