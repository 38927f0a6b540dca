import { useEffect, useState, useSyncExternalStore } from 'react';
import {
  Alert, Anchor, Badge, Button, Card, Group, Loader, Paper, Rating, Select, Stack, Text, TextInput, Textarea, Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { useMutation, useQuery, useSubscription } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql } from '../../api/graphql';
import { describe, problemOf, type ApiProblem } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';
import { session } from '../../lib/session';
import { connection } from '../../lib/connection';
import { StatusBadge } from '../labels';
import { AttachmentPicker } from '../ticket/Attachments';

const newTicketRoute = getRouteApi('/app/my/tickets/new');
const ticketRoute = getRouteApi('/app/my/tickets/$ticketId');

const MyTicketList = graphql(`
  query MyTicketList {
    tickets(first: 50) {
      totalCount
      nodes {
        id
        number
        subject
        category
        status
        updatedAt
        lastMessage {
          id
          author {
            id
            role
          }
        }
      }
    }
  }
`);

const MyTicket = graphql(`
  query MyTicket($id: ID!) {
    ticket(id: $id) {
      id
      number
      subject
      category
      status
      createdAt
      resolvedAt
      order {
        id
        orderNumber
      }
      satisfaction {
        score
        comment
      }
      messages(first: 100) {
        nodes {
          id
          origin
          body
          createdAt
          author {
            id
            displayName
            role
          }
          attachments {
            id
            fileName
            url
          }
        }
      }
    }
  }
`);

const MyTicketLive = graphql(`
  subscription MyTicketLive($id: ID!) {
    ticketUpdated(ticketId: $id) {
      id
      status
      updatedAt
      resolvedAt
    }
  }
`);

const MyOrdersForPicker = graphql(`
  query MyOrdersForPicker {
    orders(first: 50) {
      nodes {
        id
        orderNumber
        status
        items {
          productName
        }
      }
    }
  }
`);

const Suggestions = graphql(`
  query TicketSuggestions($query: String!, $audience: Audience, $locale: String) {
    faqSearch(query: $query, audience: $audience, locale: $locale, first: 3) {
      entry {
        id
        question
        answer
      }
    }
  }
`);

const CreateTicket = graphql(`
  mutation MyCreateTicket($input: CreateTicketInput!) {
    createTicket(input: $input) {
      ticket {
        id
        number
      }
    }
  }
`);

const CustomerReply = graphql(`
  mutation CustomerReply($ticketId: ID!, $body: String!, $files: [Upload!]) {
    replyToTicket(ticketId: $ticketId, body: $body, attachments: $files) {
      id
    }
  }
`);

const CustomerStatus = graphql(`
  mutation CustomerStatus($ticketId: ID!, $status: TicketStatus!) {
    setTicketStatus(ticketId: $ticketId, status: $status) {
      id
      status
      resolvedAt
    }
  }
`);

const RateTicket = graphql(`
  mutation RateTicket($ticketId: ID!, $score: Int!, $comment: String) {
    rateTicket(ticketId: $ticketId, score: $score, comment: $comment) {
      id
      satisfaction {
        score
        comment
      }
    }
  }
`);

const VoteHelpful = graphql(`
  mutation DeflectionVote($id: ID!) {
    voteFaq(id: $id, helpful: true) {
      id
      helpfulCount
    }
  }
`);

type Category = 'ORDER_PAYMENT' | 'SHIPPING' | 'ACCOUNT' | 'CANCELLATION' | 'REFUND' | 'RETURN_EXCHANGE' | 'SETTLEMENT' | 'OTHER';
const BUYER_CATEGORIES: Category[] = ['ORDER_PAYMENT', 'SHIPPING', 'CANCELLATION', 'REFUND', 'RETURN_EXCHANGE', 'ACCOUNT', 'OTHER'];
const SELLER_CATEGORIES: Category[] = ['SETTLEMENT', 'ORDER_PAYMENT', 'SHIPPING', 'ACCOUNT', 'OTHER'];
/** Categories about one order: a buyer names it (the server insists). */
const NEEDS_ORDER: Category[] = ['SHIPPING', 'CANCELLATION', 'REFUND', 'RETURN_EXCHANGE'];
const METHODS = ['CARD', 'BANK_TRANSFER', 'VIRTUAL_ACCOUNT', 'MOBILE', 'POINTS'] as const;

function useRole() {
  return useSyncExternalStore((l) => session.subscribe(l), () => session.get())?.account.role ?? 'BUYER';
}

export function MyTicketsScreen() {
  const { t, i18n } = useTranslation();
  const [{ data, fetching, error }] = useQuery({ query: MyTicketList, requestPolicy: 'cache-and-network' });
  const problem = problemOf(error);
  return (
    <Stack gap="md" maw={760}>
      <Group justify="space-between">
        <Title order={1} size="h3">{t('my.tickets.title')}</Title>
        <Button component={Link} to="/my/tickets/new">{t('my.tickets.new')}</Button>
      </Group>
      {fetching && !data && <Loader aria-label={t('app.loading')} />}
      {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
      {data && data.tickets.nodes.length === 0 && <Text c="dimmed">{t('my.tickets.empty')}</Text>}
      {data?.tickets.nodes.map((ticket) => (
        <Card key={ticket.id} withBorder padding="sm" data-testid="my-ticket">
          <Group justify="space-between" wrap="nowrap">
            <Stack gap={2} style={{ minWidth: 0 }}>
              <Anchor fw={600} renderRoot={(props) => <Link {...props} to="/my/tickets/$ticketId" params={{ ticketId: ticket.id }} />}>
                #{ticket.number} {ticket.subject}
              </Anchor>
              <Text size="sm" c="dimmed">
                {t(`enums.TicketCategory.${ticket.category}`)} · {formatDateTime(ticket.updatedAt, i18n.language)}
                {(ticket.lastMessage?.author?.role === 'AGENT' || ticket.lastMessage?.author?.role === 'ADMIN') && ` · ${t('my.tickets.answered')}`}
              </Text>
            </Stack>
            <StatusBadge status={ticket.status} />
          </Group>
        </Card>
      ))}
    </Stack>
  );
}

interface Draft {
  category: Category;
  orderId: string | null;
  paymentMethod: string | null;
  cardLast4: string;
  subject: string;
  body: string;
}

export function NewTicketScreen() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const role = useRole();
  const search = newTicketRoute.useSearch();
  const categories = role === 'SELLER' ? SELLER_CATEGORIES : BUYER_CATEGORIES;
  const [draft, setDraft] = useState<Draft>({
    category: search.category && categories.includes(search.category as Category) ? (search.category as Category) : search.orderId ? 'SHIPPING' : (categories[0] ?? 'OTHER'),
    orderId: search.orderId ?? null,
    paymentMethod: null,
    cardLast4: '',
    subject: '',
    body: '',
  });
  const [files, setFiles] = useState<File[]>([]);
  const [refused, setRefused] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [dismissed, setDismissed] = useState<string[]>([]);
  const [opened, setOpened] = useState<string | null>(null);
  // Suggestions follow the subject as typed; a Hangul syllable still being composed counts
  // (the input's value already holds it), so "결제 실" suggests before "실패" is finished.
  const [subject] = useDebouncedValue(draft.subject.trim(), 300);
  const [{ data: orders }] = useQuery({ query: MyOrdersForPicker, pause: role !== 'BUYER' });
  const [{ data: suggested }] = useQuery({
    query: Suggestions,
    variables: { query: subject, audience: role === 'SELLER' ? 'SELLER' : 'BUYER', locale: i18n.language },
    pause: subject.length < 2,
  });
  const [{ fetching }, create] = useMutation(CreateTicket);
  const [, vote] = useMutation(VoteHelpful);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const needsOrder = role === 'BUYER' && NEEDS_ORDER.includes(draft.category);
  const payment = draft.category === 'ORDER_PAYMENT' && !draft.orderId;
  const hits = (subject.length >= 2 ? suggested?.faqSearch ?? [] : []).filter((hit) => !dismissed.includes(hit.entry.id));

  const submit = async () => {
    setProblem(null);
    const result = await create({
      input: {
        category: draft.category,
        subject: draft.subject,
        body: draft.body,
        orderId: draft.orderId,
        paymentMethod: payment ? ((draft.paymentMethod as (typeof METHODS)[number] | null) ?? null) : null,
        cardLast4: payment && draft.paymentMethod === 'CARD' && draft.cardLast4 ? draft.cardLast4 : null,
        attachments: files.length > 0 ? files : null,
      },
    });
    const refusedBy = problemOf(result.error);
    if (refusedBy || !result.data) {
      // Everything typed stays; the field the server named shows its sentence.
      setProblem(refusedBy ?? { code: 'INTERNAL' });
      return;
    }
    notifications.show({ color: 'green', message: t('my.tickets.created', { number: result.data.createTicket.ticket.number }) });
    await navigate({ to: '/my/tickets/$ticketId', params: { ticketId: result.data.createTicket.ticket.id } });
  };

  const solved = async (id: string) => {
    await vote({ id });
    notifications.show({ color: 'green', message: t('my.tickets.deflected') });
    await navigate({ to: '/my/tickets' });
  };

  const fieldError = (field: string) => (problem?.field === field ? problem.detail ?? describe(problem) : undefined);

  return (
    <Stack gap="md" maw={760}>
      <Anchor component={Link} to="/my/tickets" size="sm">← {t('my.tickets.back')}</Anchor>
      <Title order={1} size="h3">{t('my.tickets.new')}</Title>
      <Text size="sm" c="dimmed">
        {t('my.tickets.helpFirst')}{' '}
        <Anchor href="/help" underline="always">{t('my.tickets.helpCenter')}</Anchor>
      </Text>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }} noValidate>
        <Stack gap="sm">
          <Select
            label={t('my.tickets.category')}
            data={categories.map((value) => ({ value, label: t(`enums.TicketCategory.${value}`) }))}
            value={draft.category}
            allowDeselect={false}
            onChange={(value) => value && set('category', value as Category)}
          />
          {role === 'BUYER' && (
            <Select
              label={t('my.tickets.order')}
              description={needsOrder ? t('my.tickets.orderNeeded') : t('my.tickets.orderOptional')}
              placeholder={t('my.tickets.pickOrder')}
              data={(orders?.orders.nodes ?? []).map((order) => ({
                value: order.id,
                label: `${order.orderNumber} · ${order.items.map((item) => item.productName).join(', ')} · ${t(`enums.OrderStatus.${order.status}`)}`,
              }))}
              value={draft.orderId}
              onChange={(value) => set('orderId', value)}
              clearable
              searchable
              required={needsOrder}
              error={fieldError('orderId')}
            />
          )}
          {payment && (
            <Group grow align="start">
              <Select
                label={t('my.tickets.paymentMethod')}
                data={METHODS.map((value) => ({ value, label: t(`enums.PaymentMethod.${value}`) }))}
                value={draft.paymentMethod}
                onChange={(value) => set('paymentMethod', value)}
                error={fieldError('paymentMethod')}
              />
              {draft.paymentMethod === 'CARD' && (
                <TextInput
                  label={t('my.tickets.cardLast4')}
                  description={t('my.tickets.cardLast4Hint')}
                  inputMode="numeric"
                  maxLength={4}
                  value={draft.cardLast4}
                  onChange={(e) => set('cardLast4', e.currentTarget.value.replace(/\D/g, ''))}
                  error={fieldError('cardLast4')}
                />
              )}
            </Group>
          )}
          <TextInput
            label={t('my.tickets.subject')}
            value={draft.subject}
            onChange={(e) => set('subject', e.currentTarget.value)}
            maxLength={200}
            required
            error={fieldError('subject')}
          />
          {hits.length > 0 && (
            <Paper withBorder p="sm" bg="blue.0" data-testid="deflection" aria-live="polite">
              <Stack gap="xs">
                <Text size="sm" fw={700}>{t('my.tickets.suggested')}</Text>
                {hits.map((hit) => (
                  <Stack key={hit.entry.id} gap={4} data-testid="suggestion">
                    <Anchor component="button" type="button" size="sm" ta="left" onClick={() => setOpened(opened === hit.entry.id ? null : hit.entry.id)} aria-expanded={opened === hit.entry.id}>
                      {hit.entry.question}
                    </Anchor>
                    {opened === hit.entry.id && (
                      <>
                        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>{hit.entry.answer}</Text>
                        <Group gap="xs">
                          <Text size="sm">{t('my.tickets.didItHelp')}</Text>
                          <Button size="compact-sm" onClick={() => void solved(hit.entry.id)}>{t('my.tickets.yesSolved')}</Button>
                          <Button size="compact-sm" variant="default" onClick={() => setDismissed((d) => [...d, hit.entry.id])}>{t('my.tickets.noStill')}</Button>
                        </Group>
                      </>
                    )}
                  </Stack>
                ))}
              </Stack>
            </Paper>
          )}
          <Textarea
            label={t('my.tickets.body')}
            value={draft.body}
            onChange={(e) => set('body', e.currentTarget.value)}
            autosize
            minRows={5}
            maxLength={10_000}
            required
            error={fieldError('body')}
          />
          <AttachmentPicker files={files} onChange={setFiles} onRefused={setRefused} />
          {refused && <Text size="sm" c="red.9" role="alert">{refused}</Text>}
          {problem && (
            <Alert color="red" role="alert" data-testid="ticket-error">
              {describe(problem)} {problem.detail}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={fetching}>{t('my.tickets.send')}</Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

function Satisfaction({ ticketId, rated }: { ticketId: string; rated: { score: number; comment?: string | null } | null | undefined }) {
  const { t } = useTranslation();
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [{ fetching }, rate] = useMutation(RateTicket);
  if (rated) {
    return (
      <Group gap="xs" data-testid="rated">
        <Text size="sm">{t('my.tickets.thanksRating')}</Text>
        <Rating value={rated.score} readOnly role="img" aria-label={t('my.tickets.score', { score: rated.score })} />
      </Group>
    );
  }
  return (
    <Card withBorder padding="sm">
      <Stack gap="xs">
        <Text size="sm" fw={700} id="rate-label">{t('my.tickets.rate')}</Text>
        <Rating value={score} onChange={setScore} aria-labelledby="rate-label" getSymbolLabel={(value) => t('my.tickets.score', { score: value })} />
        <Textarea label={t('my.tickets.rateComment')} value={comment} onChange={(e) => setComment(e.currentTarget.value)} maxLength={2000} />
        {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
        <Group>
          <Button
            disabled={score === 0}
            loading={fetching}
            onClick={() =>
              void rate({ ticketId, score, comment: comment.trim() || null }).then((result) => setProblem(problemOf(result.error)))
            }
          >
            {t('my.tickets.sendRating')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

export function MyTicketScreen() {
  const { t, i18n } = useTranslation();
  const { ticketId } = ticketRoute.useParams();
  const me = useSyncExternalStore((l) => session.subscribe(l), () => session.get())?.account.id;
  const [{ data, fetching, error }, refetch] = useQuery({ query: MyTicket, variables: { id: ticketId } });
  // Every change (a reply, a status) re-reads the conversation from the server.
  useSubscription({ query: MyTicketLive, variables: { id: ticketId } }, (_previous, event) => {
    refetch({ requestPolicy: 'network-only' });
    return event;
  });
  // Events sent while the live connection was down are not replayed: read again once it is back.
  useEffect(
    () =>
      connection.subscribe((state) => {
        if (state === 'online') refetch({ requestPolicy: 'network-only' });
      }),
    [refetch],
  );
  const [body, setBody] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [refused, setRefused] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [{ fetching: sending }, reply] = useMutation(CustomerReply);
  const [, setStatus] = useMutation(CustomerStatus);
  const ticket = data?.ticket;

  if (fetching && !data) return <Loader aria-label={t('app.loading')} />;
  const loadProblem = problemOf(error);
  if (loadProblem) return <Alert color="red" role="alert">{describe(loadProblem)}</Alert>;
  if (!ticket) {
    return (
      <Stack maw={760}>
        <Alert color="gray" role="status">{t('my.tickets.notFound')}</Alert>
        <Anchor component={Link} to="/my/tickets">← {t('my.tickets.back')}</Anchor>
      </Stack>
    );
  }

  const send = async () => {
    if (!body.trim() && files.length === 0) return;
    setProblem(null);
    const result = await reply({ ticketId: ticket.id, body, files: files.length > 0 ? files : null });
    const refusedBy = problemOf(result.error);
    if (refusedBy) {
      setProblem(refusedBy);
      return;
    }
    setBody('');
    setFiles([]);
    refetch({ requestPolicy: 'network-only' });
  };
  const change = async (next: 'CLOSED' | 'OPEN') => {
    const result = await setStatus({ ticketId: ticket.id, status: next });
    const refusedBy = problemOf(result.error);
    if (refusedBy) notifications.show({ color: 'red', message: describe(refusedBy) });
  };

  const closed = ticket.status === 'CLOSED';
  const order = ticket.order;
  return (
    <Stack gap="sm" maw={760}>
      <Anchor component={Link} to="/my/tickets" size="sm">← {t('my.tickets.back')}</Anchor>
      <Group justify="space-between" align="start" wrap="nowrap">
        <div style={{ minWidth: 0 }}>
          <Title order={1} size="h3" style={{ overflowWrap: 'anywhere' }}>#{ticket.number} {ticket.subject}</Title>
          <Group gap="xs" mt={4}>
            <StatusBadge status={ticket.status} />
            <Badge variant="light" color="gray" c="var(--mantine-color-dark-8)">{t(`enums.TicketCategory.${ticket.category}`)}</Badge>
            {order && (
              <Anchor size="sm" renderRoot={(props) => <Link {...props} to="/my/orders/$orderId" params={{ orderId: order.id }} />}>
                {order.orderNumber}
              </Anchor>
            )}
          </Group>
        </div>
      </Group>
      {ticket.messages.nodes.map((message) => {
        const mine = message.author?.id === me;
        return (
          <Paper key={message.id} withBorder p="sm" bg={mine ? 'gray.0' : 'blue.0'} data-testid={mine ? 'my-message' : 'their-message'}>
            <Group justify="space-between" mb={4} wrap="wrap">
              <Text size="sm" fw={600}>
                {message.origin === 'SYSTEM' ? t('ticket.system') : mine ? t('my.tickets.me') : (message.author?.displayName ?? t('my.tickets.support'))}
              </Text>
              <Text size="xs" c="dimmed">{formatDateTime(message.createdAt, i18n.language)}</Text>
            </Group>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{message.body}</Text>
            {message.attachments.length > 0 && (
              <Group gap="xs" mt="xs">
                {message.attachments.map((file) => (
                  <Anchor key={file.id} href={file.url} size="sm" download>{file.fileName}</Anchor>
                ))}
              </Group>
            )}
          </Paper>
        );
      })}
      {ticket.status === 'RESOLVED' && (
        <Alert color="blue" role="status" title={t('my.tickets.resolvedTitle')} data-testid="confirm-fix">
          <Stack gap="xs">
            <Text size="sm">{t('my.tickets.resolvedBody')}</Text>
            <Group>
              <Button onClick={() => void change('CLOSED')}>{t('my.tickets.confirmFix')}</Button>
              <Button variant="default" onClick={() => void change('OPEN')}>{t('my.tickets.reopen')}</Button>
            </Group>
          </Stack>
        </Alert>
      )}
      {(ticket.status === 'RESOLVED' || closed) && <Satisfaction ticketId={ticket.id} rated={ticket.satisfaction} />}
      {!closed && (
        <Card withBorder padding="sm">
          <Stack gap="xs">
            <Textarea
              label={t('my.tickets.reply')}
              value={body}
              onChange={(e) => setBody(e.currentTarget.value)}
              autosize
              minRows={3}
              maxLength={10_000}
            />
            <AttachmentPicker files={files} onChange={setFiles} onRefused={setRefused} />
            {refused && <Text size="sm" c="red.9" role="alert">{refused}</Text>}
            {problem && <Alert color="red" role="alert">{describe(problem)} {problem.detail}</Alert>}
            <Group justify="flex-end">
              <Button onClick={() => void send()} loading={sending} disabled={!body.trim() && files.length === 0}>
                {t('my.tickets.sendReply')}
              </Button>
            </Group>
          </Stack>
        </Card>
      )}
      {closed && <Text size="sm" c="dimmed">{t('my.tickets.closedHint')}</Text>}
    </Stack>
  );
}
