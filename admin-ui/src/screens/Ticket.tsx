import { useEffect, useRef, useState } from 'react';
import {
  Alert, Anchor, Badge, Button, Card, Divider, Grid, Group, Loader, Paper, SegmentedControl, Select, Stack, Table,
  Text, Textarea, Title,
} from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { Link, getRouteApi } from '@tanstack/react-router';
import { useMutation, useQuery, useSubscription } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql, readFragment, type FragmentOf, type ResultOf } from '../api/graphql';
import { AssignTicket, SetTicketStatus } from '../api/tickets';
import { session } from '../lib/session';
import { describe, problemOf, type ApiProblem } from '../lib/errors';
import { formatDateTime, formatMoney } from '../lib/format';
import { loadDraft, saveDraft } from '../lib/drafts';
import { useNow } from '../lib/useNow';
import { PRIORITIES, STATUSES, type TicketPriority, type TicketStatus } from '../lib/queueFilters';
import { Countdown, PriorityBadge, StatusBadge, useEnumOptions } from './labels';

const ticketRoute = getRouteApi('/app/tickets/$ticketId');

const MessageFields = graphql(`
  fragment MessageFields on TicketMessage {
    id
    author {
      id
      displayName
      role
    }
    origin
    body
    internal
    attachments {
      id
      fileName
      url
      size
    }
    createdAt
  }
`);

const TicketDetail = graphql(
  `
  query TicketDetail($id: ID!, $locale: String) {
    ticket(id: $id) {
      id
      number
      subject
      category
      channel
      status
      priority
      requester {
        id
        displayName
        role
        account {
          id
          email
          status
        }
      }
      assignee {
        id
        displayName
      }
      firstResponseDueAt
      resolutionDueAt
      firstRespondedAt
      resolvedAt
      slaBreached
      satisfaction {
        score
        comment
      }
      suggestedResolution(locale: $locale)
      messages(first: 100) {
        totalCount
        nodes {
          ...MessageFields
        }
      }
      order {
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
        }
        cancellationRequests {
          id
          kind
          status
          reason
          sellerDeadlineAt
          overdue
        }
        refunds {
          id
          amount
          status
          dueAt
          overdue
        }
      }
    }
  }
`,
  [MessageFields],
);

const TicketLive = graphql(
  `
  subscription TicketLive($id: ID!) {
    ticketUpdated(ticketId: $id) {
      id
      status
      priority
      assignee {
        id
        displayName
      }
      updatedAt
      firstRespondedAt
      resolvedAt
      lastMessage {
        ...MessageFields
      }
    }
  }
`,
  [MessageFields],
);

const Reply = graphql(
  `
  mutation Reply($ticketId: ID!, $body: String!, $internal: Boolean, $seen: ID) {
    replyToTicket(ticketId: $ticketId, body: $body, internal: $internal, expectedLastMessageId: $seen) {
      ...MessageFields
    }
  }
`,
  [MessageFields],
);

const SetPriority = graphql(`
  mutation SetPriorityOne($ticketId: ID!, $priority: TicketPriority!) {
    setTicketPriority(ticketId: $ticketId, priority: $priority) {
      id
      priority
      firstResponseDueAt
      resolutionDueAt
    }
  }
`);

type Detail = NonNullable<ResultOf<typeof TicketDetail>['ticket']>;
type Message = ResultOf<typeof MessageFields>;

function MessageCard({ data }: { data: FragmentOf<typeof MessageFields> }) {
  const message: Message = readFragment(MessageFields, data);
  const { t, i18n } = useTranslation();
  const author =
    message.origin === 'SYSTEM' ? t('ticket.system') : (message.author?.displayName ?? t('ticket.unknownAuthor'));
  return (
    <Paper
      withBorder
      p="sm"
      data-testid={message.internal ? 'internal-note' : 'public-message'}
      bg={message.internal ? 'yellow.0' : undefined}
      style={message.internal ? { borderColor: 'var(--mantine-color-yellow-6)', borderStyle: 'dashed' } : undefined}
    >
      <Group justify="space-between" mb={4}>
        <Group gap="xs">
          <Text fw={600} size="sm">
            {author}
          </Text>
          {message.author && <Badge size="xs" variant="light">{t(`enums.Role.${message.author.role}`)}</Badge>}
          {message.internal && (
            <Badge size="sm" color="yellow" variant="filled" c="dark">
              {t('ticket.internal')} · {t('ticket.internalHint')}
            </Badge>
          )}
        </Group>
        <Text size="xs" c="dimmed">
          {formatDateTime(message.createdAt, i18n.language)}
        </Text>
      </Group>
      <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {message.body}
      </Text>
      {message.attachments.length > 0 && (
        <Group gap="xs" mt="xs">
          {message.attachments.map((file) => (
            <Anchor key={file.id} href={file.url} size="sm" download>
              {file.fileName}
            </Anchor>
          ))}
        </Group>
      )}
    </Paper>
  );
}

function Composer({ ticket, lastMessageId, onSent }: { ticket: Detail; lastMessageId: string | null; onSent: () => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(() => loadDraft(ticket.id));
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [{ fetching }, reply] = useMutation(Reply);
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => saveDraft(ticket.id, draft), [ticket.id, draft]);

  useHotkeys([
    ['r', () => { setDraft((d) => ({ ...d, internal: false })); area.current?.focus(); }],
    ['n', () => { setDraft((d) => ({ ...d, internal: true })); area.current?.focus(); }],
  ]);

  const send = async () => {
    if (!draft.body.trim()) return;
    setProblem(null);
    const result = await reply({ ticketId: ticket.id, body: draft.body, internal: draft.internal, seen: lastMessageId });
    if (result.error) {
      // The draft stays exactly as typed; on CONFLICT the newer message is fetched so the
      // agent reads it before sending again.
      const problem = problemOf(result.error);
      setProblem(problem);
      if (problem?.code === 'CONFLICT') onSent();
      return;
    }
    notifications.show({ color: 'green', message: draft.internal ? t('ticket.noted') : t('ticket.sent') });
    setDraft({ body: '', internal: draft.internal });
    onSent();
  };

  return (
    <Card withBorder padding="sm" bg={draft.internal ? 'yellow.0' : undefined} data-testid="composer" data-mode={draft.internal ? 'note' : 'reply'}>
      <Stack gap="xs">
        <SegmentedControl
          value={draft.internal ? 'note' : 'reply'}
          onChange={(value) => setDraft((d) => ({ ...d, internal: value === 'note' }))}
          data={[
            { value: 'reply', label: t('ticket.reply') },
            { value: 'note', label: t('ticket.internal') },
          ]}
          color={draft.internal ? 'yellow' : 'blue'}
          w="fit-content"
        />
        {problem && (
          <Alert color="red" role="alert">
            {describe(problem)} {t('ticket.draftKept')}
          </Alert>
        )}
        <Textarea
          ref={area}
          label={draft.internal ? t('ticket.composerNote') : t('ticket.composerReply')}
          autosize
          minRows={4}
          maxRows={14}
          value={draft.body}
          onChange={(e) => {
            const body = e.currentTarget.value;
            setDraft((d) => ({ ...d, body }));
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.nativeEvent.isComposing) void send();
          }}
        />
        <Group justify="flex-end">
          <Button onClick={() => void send()} loading={fetching} color={draft.internal ? 'yellow' : 'blue'} c={draft.internal ? 'dark' : undefined} disabled={!draft.body.trim()}>
            {draft.internal ? t('ticket.sendNote') : t('ticket.sendReply')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function OrderPanel({ order }: { order: NonNullable<Detail['order']> }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  return (
    <Card withBorder padding="sm" data-testid="order-panel">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {t('ticket.order')} {order.orderNumber}
          </Title>
          <Badge variant="light">{t(`enums.OrderStatus.${order.status}`)}</Badge>
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
              <Table.Td ta="right" c="dimmed">{t('order.refundable', { amount: formatMoney(order.refundableAmount, i18n.language) })}</Table.Td>
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
          <Text size="sm">
            {order.shipment.carrier} {order.shipment.trackingNumber} · {t(`enums.ShipmentStatus.${order.shipment.status}`)}
            {order.shipment.delayed && <Badge ml="xs" color="orange" c="dark.8" variant="light">{t('order.delayed')}</Badge>}
            {order.shipment.stalled && <Badge ml="xs" color="red" variant="filled">{t('order.stalled')}</Badge>}
          </Text>
        )}
        {order.cancellationRequests.map((request) => (
          <Group key={request.id} gap="xs">
            <Badge variant="light" c="dark.8">{t(`enums.CancellationKind.${request.kind}`)}</Badge>
            <Text size="sm">{t(`enums.CancellationStatus.${request.status}`)} · {t(`enums.CancellationReason.${request.reason}`)}</Text>
            {request.sellerDeadlineAt && request.status === 'PENDING_SELLER' && <Countdown due={request.sellerDeadlineAt} now={now} />}
          </Group>
        ))}
        {order.refunds.map((refund) => (
          <Group key={refund.id} gap="xs">
            <Text size="sm">{t('order.refund')} {formatMoney(refund.amount, i18n.language)} · {t(`enums.RefundStatus.${refund.status}`)}</Text>
            {refund.overdue && <Badge color="red" variant="filled">{t('order.overdue')}</Badge>}
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

export function TicketScreen() {
  const { t, i18n } = useTranslation();
  const { ticketId } = ticketRoute.useParams();
  const me = session.get()?.account.id ?? null;
  const now = useNow();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: TicketDetail,
    variables: { id: ticketId, locale: i18n.language },
  });
  useSubscription({ query: TicketLive, variables: { id: ticketId } });
  const [, assign] = useMutation(AssignTicket);
  const [, setStatus] = useMutation(SetTicketStatus);
  const [, setPriority] = useMutation(SetPriority);

  const enumOptions = useEnumOptions();
  const report = (result: { error?: Parameters<typeof problemOf>[0] }) => {
    const problem = problemOf(result.error);
    if (problem) notifications.show({ color: 'red', message: describe(problem) });
  };

  const ticket = data?.ticket;
  useHotkeys([
    ['e', () => ticket && void setStatus({ ticketId: ticket.id, status: 'RESOLVED' }).then(report)],
  ]);

  if (fetching && !data) return <Loader aria-label="loading" />;
  const problem = problemOf(error);
  if (problem) return <Alert color="red" role="alert">{describe(problem)}</Alert>;
  if (!ticket) return <Alert color="gray">{t('ticket.notFound')}</Alert>;

  const messages = ticket.messages.nodes;
  const last = messages.at(-1);
  const lastMessageId = last ? readFragment(MessageFields, last).id : null;
  const paused = ticket.status === 'PENDING';

  return (
    <Stack gap="md">
      <Anchor component={Link} to="/queue" size="sm">
        ← {t('ticket.back')}
      </Anchor>
      <Group justify="space-between" align="start">
        <div>
          <Title order={1} size="h3">
            #{ticket.number} {ticket.subject}
          </Title>
          <Group gap="xs" mt={4}>
            <StatusBadge status={ticket.status} />
            <PriorityBadge priority={ticket.priority} />
            <Badge variant="light" color="gray">{t(`enums.TicketCategory.${ticket.category}`)}</Badge>
            <Badge variant="light" color="gray">{t(`enums.TicketChannel.${ticket.channel}`)}</Badge>
            {ticket.satisfaction && <Badge color="teal">{t('ticket.csat', { score: ticket.satisfaction.score })}</Badge>}
          </Group>
        </div>
      </Group>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="sm">
            {messages.map((message, index) => (
              <MessageCard key={readFragment(MessageFields, message).id ?? index} data={message} />
            ))}
            <Composer
              ticket={ticket}
              lastMessageId={lastMessageId}
              onSent={() => refetch({ requestPolicy: 'network-only' })}
            />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="sm">
            <Card withBorder padding="sm">
              <Stack gap="xs">
                <Text size="sm">
                  <b>{t('ticket.requester')}</b> {ticket.requester.displayName}
                  {ticket.requester.account &&
                    ` · ${ticket.requester.account.email} · ${t(`enums.AccountStatus.${ticket.requester.account.status}`)}`}
                </Text>
                <Group gap="xs" align="end">
                  <Text size="sm" fw={700}>{t('ticket.assignee')}</Text>
                  <Text size="sm">{ticket.assignee?.displayName ?? t('queue.unassigned')}</Text>
                  {ticket.assignee?.id !== me ? (
                    <Button size="compact-xs" variant="light" onClick={() => void assign({ ticketId: ticket.id, assigneeId: me }).then(report)}>
                      {t('ticket.assignMe')}
                    </Button>
                  ) : (
                    <Button size="compact-xs" variant="subtle" onClick={() => void assign({ ticketId: ticket.id, assigneeId: null }).then(report)}>
                      {t('ticket.unassign')}
                    </Button>
                  )}
                </Group>
                <Group grow>
                  <Select
                    label={t('ticket.status')}
                    data={enumOptions(STATUSES, 'TicketStatus')}
                    value={ticket.status}
                    allowDeselect={false}
                    onChange={(value) => value && void setStatus({ ticketId: ticket.id, status: value as TicketStatus }).then(report)}
                  />
                  <Select
                    label={t('ticket.priority')}
                    data={enumOptions(PRIORITIES, 'TicketPriority')}
                    value={ticket.priority}
                    allowDeselect={false}
                    onChange={(value) => value && void setPriority({ ticketId: ticket.id, priority: value as TicketPriority }).then(report)}
                  />
                </Group>
                <Divider />
                {paused && <Text size="sm" c="dimmed">{t('ticket.paused')}</Text>}
                <Group justify="space-between">
                  <Text size="sm">{t('ticket.firstResponse')}</Text>
                  {ticket.firstRespondedAt ? (
                    <Text size="sm" c="dimmed">{t('ticket.responded', { at: formatDateTime(ticket.firstRespondedAt, i18n.language) })}</Text>
                  ) : (
                    <Countdown due={ticket.firstResponseDueAt} now={now} paused={paused} />
                  )}
                </Group>
                <Group justify="space-between">
                  <Text size="sm">{t('ticket.resolution')}</Text>
                  {ticket.resolvedAt ? (
                    <Text size="sm" c="dimmed">{t('ticket.resolved', { at: formatDateTime(ticket.resolvedAt, i18n.language) })}</Text>
                  ) : (
                    <Countdown due={ticket.resolutionDueAt} now={now} paused={paused} />
                  )}
                </Group>
              </Stack>
            </Card>
            {ticket.suggestedResolution && (
              <Alert color="blue" title={t('ticket.suggested')}>
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>{ticket.suggestedResolution}</Text>
              </Alert>
            )}
            {ticket.order ? <OrderPanel order={ticket.order} /> : <Text size="sm" c="dimmed">{t('ticket.noOrder')}</Text>}
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
