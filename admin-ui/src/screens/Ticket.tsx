import { useEffect, useRef, useState } from 'react';
import {
  Alert, Anchor, Badge, Button, Card, Divider, Grid, Group, Loader, Paper, SegmentedControl, Select, Stack,
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
import { formatDateTime } from '../lib/format';
import { loadDraft, saveDraft } from '../lib/drafts';
import { useNow } from '../lib/useNow';
import { PRIORITIES, STATUSES, type TicketPriority, type TicketStatus } from '../lib/queueFilters';
import { usePresence, useTyping, type Viewer } from '../lib/presence';
import { Countdown, PriorityBadge, StatusBadge, useEnumOptions } from './labels';
import { OrderPanel, OrderPanelFields } from './ticket/OrderPanel';
import { MacroPicker } from './ticket/MacroPicker';
import { CustomerPanel } from './ticket/CustomerPanel';
import { AttachmentPicker, MAX_FILES, pastedFiles } from './ticket/Attachments';

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
        ...OrderPanelFields
      }
    }
  }
`,
  [MessageFields, OrderPanelFields],
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
  mutation Reply($ticketId: ID!, $body: String!, $internal: Boolean, $seen: ID, $files: [Upload!]) {
    replyToTicket(ticketId: $ticketId, body: $body, internal: $internal, expectedLastMessageId: $seen, attachments: $files) {
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

interface ComposerProps {
  ticket: Detail;
  lastMessageId: string | null;
  onSent: () => void;
  onTyping: () => void;
}

function Composer({ ticket, lastMessageId, onSent, onTyping }: ComposerProps) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(() => loadDraft(ticket.id));
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  // Files cannot live in the saved draft; they stay while the page is open, errors included.
  const [files, setFiles] = useState<File[]>([]);
  const [refused, setRefused] = useState<string | null>(null);
  const [{ fetching }, reply] = useMutation(Reply);
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => saveDraft(ticket.id, draft), [ticket.id, draft]);

  useHotkeys([
    ['r', () => { setDraft((d) => ({ ...d, internal: false })); area.current?.focus(); }],
    ['n', () => { setDraft((d) => ({ ...d, internal: true })); area.current?.focus(); }],
  ]);

  const send = async () => {
    if (!draft.body.trim() && files.length === 0) return;
    setProblem(null);
    setRefused(null);
    const result = await reply({
      ticketId: ticket.id,
      body: draft.body,
      internal: draft.internal,
      seen: lastMessageId,
      files: files.length > 0 ? files : null,
    });
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
    setFiles([]);
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
            onTyping();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.nativeEvent.isComposing) void send();
          }}
          onPaste={(e) => {
            const pasted = pastedFiles(e);
            if (pasted.length > 0) {
              e.preventDefault();
              setFiles((current) => [...current, ...pasted].slice(0, MAX_FILES));
            }
          }}
        />
        <AttachmentPicker files={files} onChange={setFiles} onRefused={setRefused} />
        {refused && <Text size="sm" c="red.9" role="alert">{refused}</Text>}
        {!draft.internal && (
          <MacroPicker
            ticketId={ticket.id}
            category={ticket.category}
            onInsert={(text) => {
              setDraft((d) => ({ ...d, body: d.body.trim() ? `${d.body.trimEnd()}\n\n${text}` : text }));
              area.current?.focus();
            }}
          />
        )}
        <Group justify="flex-end">
          <Button onClick={() => void send()} loading={fetching} color={draft.internal ? 'yellow' : 'blue'} c={draft.internal ? 'dark' : undefined} disabled={!draft.body.trim() && files.length === 0}>
            {draft.internal ? t('ticket.sendNote') : t('ticket.sendReply')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** Who else is on this ticket: a warning before two agents answer one customer. */
function PresenceBanner({ viewers }: { viewers: Viewer[] }) {
  const { t } = useTranslation();
  if (viewers.length === 0) return null;
  const typing = viewers.filter((viewer) => viewer.typing);
  return (
    <Alert color={typing.length > 0 ? 'orange' : 'blue'} role="status" py={6} data-testid="presence">
      {t('presence.viewing', { names: viewers.map((viewer) => viewer.agent.displayName).join(', ') })}
      {typing.length > 0 && (
        <Text span fw={700}> · {t('presence.typing', { names: typing.map((viewer) => viewer.agent.displayName).join(', ') })}</Text>
      )}
    </Alert>
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
  const [typing, touched] = useTyping();
  const viewers = usePresence(ticketId, me, typing);
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
      <PresenceBanner viewers={viewers} />
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
              onTyping={touched}
            />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="sm">
            <Card withBorder padding="sm">
              <Stack gap="xs">
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
            {ticket.order ? (
              <OrderPanel data={ticket.order} onChanged={() => refetch({ requestPolicy: 'network-only' })} />
            ) : (
              <Text size="sm" c="dimmed">{t('ticket.noOrder')}</Text>
            )}
            <CustomerPanel ticketId={ticket.id} requester={ticket.requester} />
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
