import { useState } from 'react';
import {
  Alert, Anchor, Badge, Button, Card, Checkbox, Grid, Group, Loader, Modal, Select, Stack, Table, Text, TextInput,
  Textarea, Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql, type ResultOf } from '../api/graphql';
import { describe, problemOf, type ApiProblem } from '../lib/errors';
import { formatDateTime } from '../lib/format';

const desk = getRouteApi('/app/accounts');
const accountPage = getRouteApi('/app/accounts/$accountId');

const FindAccounts = graphql(`
  query FindAccounts($search: String, $status: AccountStatus) {
    accounts(search: $search, status: $status, first: 50) {
      totalCount
      nodes {
        id
        email
        name
        role
        status
        lastLoginAt
      }
    }
  }
`);

const STATUS_COLOR: Record<string, string> = { ACTIVE: 'green', LOCKED: 'red', DISABLED: 'gray' };

function AccountStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLOR[status] ?? 'gray'} variant="light" c="dark.8">
      {t(`enums.AccountStatus.${status}`)}
    </Badge>
  );
}

/** The account security desk: find an account by email or name, locked ones first to hand. */
export function AccountsScreen() {
  const { t, i18n } = useTranslation();
  const { q, status } = desk.useSearch();
  const navigate = useNavigate({ from: '/accounts' });
  const [text, setText] = useState(q ?? '');
  const [{ data, fetching, error }] = useQuery({
    query: FindAccounts,
    variables: { search: q ?? null, status: (status as 'LOCKED' | undefined) ?? null },
  });
  const problem = problemOf(error);
  const rows = data?.accounts.nodes ?? [];
  return (
    <Stack gap="md">
      <Title order={1} size="h3">{t('security.title')}</Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void navigate({ search: (prev) => ({ ...prev, q: text.trim() || undefined }) });
        }}
      >
        <Group align="end">
          <TextInput label={t('security.search')} value={text} onChange={(e) => setText(e.currentTarget.value)} w={360} maw="100%" />
          <Button type="submit">{t('orders.find')}</Button>
          <Checkbox
            label={t('security.lockedOnly')}
            checked={status === 'LOCKED'}
            onChange={(e) => void navigate({ search: (prev) => ({ ...prev, status: e.currentTarget.checked ? 'LOCKED' : undefined }) })}
          />
        </Group>
      </form>
      {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
      {fetching && !data && <Loader aria-label="loading" />}
      {data && rows.length === 0 && <Alert color="gray">{t('security.none')}</Alert>}
      {rows.length > 0 && (
        <Table striped highlightOnHover data-testid="account-rows">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('security.email')}</Table.Th>
              <Table.Th>{t('security.name')}</Table.Th>
              <Table.Th>{t('security.role')}</Table.Th>
              <Table.Th>{t('security.status')}</Table.Th>
              <Table.Th>{t('security.lastLogin')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((account) => (
              <Table.Tr key={account.id}>
                <Table.Td>
                  <Anchor renderRoot={(props) => <Link {...props} to="/accounts/$accountId" params={{ accountId: account.id }} />}>
                    {account.email}
                  </Anchor>
                </Table.Td>
                <Table.Td>{account.name}</Table.Td>
                <Table.Td>{t(`enums.Role.${account.role}`)}</Table.Td>
                <Table.Td><AccountStatusBadge status={account.status} /></Table.Td>
                <Table.Td>{account.lastLoginAt ? formatDateTime(account.lastLoginAt, i18n.language) : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

const AccountDetail = graphql(`
  query AccountDetail($id: ID!) {
    account(id: $id) {
      id
      email
      name
      phone
      role
      status
      createdAt
      lastLoginAt
    }
    accountSessions(accountId: $id) {
      id
      createdAt
      lastUsedAt
      ip
      userAgent
    }
    auditEvents(accountId: $id, first: 50) {
      nodes {
        id
        action
        ip
        userAgent
        createdAt
        actor {
          id
          name
          role
        }
      }
    }
  }
`);

const AccountTickets = graphql(`
  query AccountTickets($requesterId: ID!) {
    tickets(filter: { requesterId: $requesterId, category: ACCOUNT }, first: 10) {
      nodes {
        id
        number
        subject
        status
      }
    }
  }
`);

const Lock = graphql(`
  mutation LockAccount($id: ID!, $reason: String!) {
    lockAccount(accountId: $id, reason: $reason) {
      id
      status
    }
  }
`);

const Unlock = graphql(`
  mutation UnlockAccount($id: ID!, $reason: String!) {
    unlockAccount(accountId: $id, reason: $reason) {
      id
      status
    }
  }
`);

const StartRecovery = graphql(`
  mutation StartRecovery($id: ID!, $verifiedBy: String!, $ticketId: ID) {
    startAccountRecovery(accountId: $id, verifiedBy: $verifiedBy, ticketId: $ticketId)
  }
`);

type Account = NonNullable<ResultOf<typeof AccountDetail>['account']>;

/** Lock or unlock with a reason (required, audited). */
function LockModal({ account, onClose, onDone }: { account: Account; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const locking = account.status === 'ACTIVE';
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [lockState, lock] = useMutation(Lock);
  const [unlockState, unlock] = useMutation(Unlock);
  const submit = async () => {
    setTouched(true);
    if (!reason.trim()) return;
    const variables = { id: account.id, reason: reason.trim() };
    const result = locking ? await lock(variables) : await unlock(variables);
    const failure = problemOf(result.error);
    if (failure) {
      setProblem(failure);
      return;
    }
    notifications.show({ color: 'green', message: locking ? t('security.locked') : t('security.unlocked') });
    onDone();
  };
  return (
    <Modal opened onClose={onClose} title={locking ? t('security.lockTitle') : t('security.unlockTitle')}>
      <Stack>
        <Text size="sm">{locking ? t('security.lockHint') : t('security.unlockHint')}</Text>
        {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
        <Textarea
          label={t('order.reason')}
          required
          autosize
          minRows={2}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          error={touched && !reason.trim() ? t('validation.required') : undefined}
          data-autofocus
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('app.cancel')}</Button>
          <Button color={locking ? 'red' : 'blue'} loading={lockState.fetching || unlockState.fetching} onClick={() => void submit()}>
            {locking ? t('security.lock') : t('security.unlock')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

const CHECKS = ['name', 'phone', 'order', 'payment'] as const;

/** Recovery after an identity check: what was checked is recorded; the link goes to the owner's old address. */
function RecoveryModal({ account, onClose, onDone }: { account: Account; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const [checks, setChecks] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [ticketId, setTicketId] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [touched, setTouched] = useState(false);
  const [{ data: tickets }] = useQuery({ query: AccountTickets, variables: { requesterId: account.id } });
  const [{ fetching }, start] = useMutation(StartRecovery);
  const verifiedBy = [...checks.map((check) => t(`security.checks.${check}`)), note.trim()].filter(Boolean).join(', ');
  const submit = async () => {
    setTouched(true);
    if (checks.length === 0) return;
    const result = await start({ id: account.id, verifiedBy, ticketId });
    const failure = problemOf(result.error);
    if (failure) {
      setProblem(failure);
      return;
    }
    notifications.show({ color: 'green', message: t('security.recoverySent') });
    onDone();
  };
  return (
    <Modal opened onClose={onClose} title={t('security.recoveryTitle')}>
      <Stack>
        <Text size="sm">{t('security.recoveryHint')}</Text>
        {problem && <Alert color="red" role="alert">{describe(problem)}{problem.detail ? ` (${problem.detail})` : ''}</Alert>}
        <Checkbox.Group
          label={t('security.verified')}
          required
          value={checks}
          onChange={setChecks}
          error={touched && checks.length === 0 ? t('security.checkOne') : undefined}
        >
          <Stack gap={6} mt={6}>
            {CHECKS.map((check) => (
              <Checkbox key={check} value={check} label={t(`security.checks.${check}`)} />
            ))}
          </Stack>
        </Checkbox.Group>
        <TextInput label={t('security.verifiedNote')} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
        <Select
          label={t('security.ticket')}
          clearable
          data={(tickets?.tickets.nodes ?? []).map((ticket) => ({ value: ticket.id, label: `#${ticket.number} ${ticket.subject}` }))}
          value={ticketId}
          onChange={setTicketId}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('app.cancel')}</Button>
          <Button loading={fetching} onClick={() => void submit()}>{t('security.recoverySubmit')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** One account: status, devices, security events; lock, unlock and recovery. Never a token or a password. */
export function AccountScreen() {
  const { t, i18n } = useTranslation();
  const { accountId } = accountPage.useParams();
  const [{ data, fetching, error }, refetch] = useQuery({ query: AccountDetail, variables: { id: accountId } });
  const [modal, setModal] = useState<'lock' | 'recovery' | null>(null);
  const problem = problemOf(error);
  if (fetching && !data) return <Loader aria-label="loading" />;
  if (problem) return <Alert color="red" role="alert">{describe(problem)}</Alert>;
  const account = data?.account;
  if (!account) return <Alert color="gray">{t('security.notFound')}</Alert>;
  const done = () => {
    setModal(null);
    refetch({ requestPolicy: 'network-only' });
  };

  return (
    <Stack gap="md">
      <Anchor component={Link} to="/accounts" size="sm">← {t('security.back')}</Anchor>
      <Group justify="space-between">
        <div>
          <Title order={1} size="h3">{account.name}</Title>
          <Text size="sm" c="dimmed">{account.email}{account.phone ? ` · ${account.phone}` : ''} · {t(`enums.Role.${account.role}`)}</Text>
        </div>
        <Group>
          <AccountStatusBadge status={account.status} />
          {account.status !== 'DISABLED' && (
            <Button color={account.status === 'ACTIVE' ? 'red' : 'blue'} variant="light" onClick={() => setModal('lock')}>
              {account.status === 'ACTIVE' ? t('security.lock') : t('security.unlock')}
            </Button>
          )}
          {account.status === 'LOCKED' && <Button onClick={() => setModal('recovery')}>{t('security.recovery')}</Button>}
        </Group>
      </Group>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card withBorder padding="sm" data-testid="sessions">
            <Title order={2} size="h4" mb="xs">{t('security.sessions', { count: data.accountSessions.length })}</Title>
            {data.accountSessions.length === 0 && <Text size="sm" c="dimmed">{t('security.noSessions')}</Text>}
            <Stack gap={6}>
              {data.accountSessions.map((s) => (
                <div key={s.id}>
                  <Text size="sm">{s.userAgent ?? t('security.unknownDevice')}</Text>
                  <Text size="xs" c="dimmed">
                    {s.ip ?? '—'} · {t('security.lastUsed', { at: formatDateTime(s.lastUsedAt, i18n.language) })}
                  </Text>
                </div>
              ))}
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Card withBorder padding="sm" data-testid="security-events">
            <Title order={2} size="h4" mb="xs">{t('security.events')}</Title>
            <Table fz="sm" verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('security.when')}</Table.Th>
                  <Table.Th>{t('security.what')}</Table.Th>
                  <Table.Th>{t('security.who')}</Table.Th>
                  <Table.Th>IP</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.auditEvents.nodes.map((event) => (
                  <Table.Tr key={event.id}>
                    <Table.Td>{formatDateTime(event.createdAt, i18n.language)}</Table.Td>
                    <Table.Td>{t(`timeline.actions.${event.action}`, { defaultValue: event.action })}</Table.Td>
                    <Table.Td>{event.actor ? `${event.actor.name} (${t(`enums.Role.${event.actor.role}`)})` : t('timeline.system')}</Table.Td>
                    <Table.Td>{event.ip ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        </Grid.Col>
      </Grid>
      {modal === 'lock' && <LockModal account={account} onClose={() => setModal(null)} onDone={done} />}
      {modal === 'recovery' && <RecoveryModal account={account} onClose={() => setModal(null)} onDone={done} />}
    </Stack>
  );
}
