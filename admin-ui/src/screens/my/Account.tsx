import { useState } from 'react';
import { Alert, Badge, Button, Card, Group, Loader, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useNavigate } from '@tanstack/react-router';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql } from '../../api/graphql';
import { describe, problemOf, type ApiProblem } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';
import { session } from '../../lib/session';

const MyAccount = graphql(`
  query MyAccount {
    me {
      id
      email
      name
      phone
      role
    }
    mySessions {
      id
      createdAt
      lastUsedAt
      ip
      userAgent
      current
    }
    mySecurityEvents(first: 20) {
      nodes {
        id
        action
        ip
        userAgent
        createdAt
      }
    }
  }
`);

const RevokeSession = graphql(`
  mutation RevokeMySession($id: ID!) {
    revokeSession(sessionId: $id)
  }
`);

const ChangeEmail = graphql(`
  mutation ChangeMyEmail($password: String!, $email: String!) {
    changeEmail(currentPassword: $password, newEmail: $email) {
      id
      email
    }
  }
`);

const ChangePhone = graphql(`
  mutation ChangeMyPhone($password: String!, $phone: String) {
    changePhone(currentPassword: $password, newPhone: $phone) {
      id
      phone
    }
  }
`);

const ChangePassword = graphql(`
  mutation ChangeMyPassword($current: String!, $next: String!) {
    changePassword(currentPassword: $current, newPassword: $next)
  }
`);

/** A short name for a browser's user agent ("Chrome · Linux"); the full string is the title. */
function device(userAgent: string | null | undefined): string {
  if (!userAgent) return '—';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Chrome\//.test(userAgent) ? 'Chrome' : /Firefox\//.test(userAgent) ? 'Firefox' : /Safari\//.test(userAgent) ? 'Safari' : userAgent.slice(0, 24);
  const os = /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Windows/.test(userAgent) ? 'Windows' : /Mac OS/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : '';
  return os ? `${browser} · ${os}` : browser;
}

/** One "current password + new value" form; what was typed stays on an error. */
function ChangeForm({ label, type, initial, onSubmit }: {
  label: string;
  type: 'email' | 'tel' | 'password';
  initial: string;
  onSubmit: (password: string, value: string) => Promise<ApiProblem | null>;
}) {
  const { t } = useTranslation();
  const [value, setValue] = useState(initial);
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    const refused = await onSubmit(password, value);
    setBusy(false);
    setProblem(refused);
    if (!refused) {
      setPassword('');
      if (type === 'password') setValue('');
      notifications.show({ color: 'green', message: t('my.account.saved') });
    }
  };
  const onPassword = problem?.field === 'currentPassword' || problem?.code === 'UNAUTHENTICATED';
  return (
    <form onSubmit={(e) => { e.preventDefault(); void submit(); }} noValidate>
      <Stack gap="xs">
        {type === 'password' ? (
          <PasswordInput label={label} autoComplete="new-password" value={value} onChange={(e) => setValue(e.currentTarget.value)}
            error={problem && !onPassword ? (problem.detail ?? describe(problem)) : undefined} />
        ) : (
          <TextInput label={label} type={type} value={value} onChange={(e) => setValue(e.currentTarget.value)}
            error={problem && !onPassword ? (problem.detail ?? describe(problem)) : undefined} />
        )}
        <PasswordInput label={t('my.account.currentPassword')} autoComplete="current-password" value={password}
          onChange={(e) => setPassword(e.currentTarget.value)} error={onPassword ? t('my.account.wrongPassword') : undefined} />
        <Group>
          <Button type="submit" loading={busy} disabled={!password}>{t('my.account.save')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

export function MyAccountScreen() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MyAccount, requestPolicy: 'cache-and-network' });
  const [, revoke] = useMutation(RevokeSession);
  const [, changeEmail] = useMutation(ChangeEmail);
  const [, changePhone] = useMutation(ChangePhone);
  const [, changePassword] = useMutation(ChangePassword);
  if (fetching && !data) return <Loader aria-label={t('app.loading')} />;
  const problem = problemOf(error);
  if (problem) return <Alert color="red" role="alert">{describe(problem)}</Alert>;
  const me = data?.me;
  if (!me) return null;
  const lang = i18n.language;

  return (
    <Stack gap="md" maw={760}>
      <Title order={1} size="h3">{t('my.account.title')}</Title>
      <Card withBorder padding="sm">
        <Text fw={600}>{me.name}</Text>
        <Text size="sm" c="dimmed">{me.email}{me.phone ? ` · ${me.phone}` : ''}</Text>
      </Card>

      <Card withBorder padding="sm">
        <Stack gap="xs">
          <Group justify="space-between">
            <Title order={2} size="h5">{t('my.account.sessions')}</Title>
            <Button size="compact-sm" color="red" variant="light" onClick={() => void session.signOut(true).then(() => navigate({ to: '/signin', search: { reason: 'signedOut' } }))}>
              {t('nav.signOutEverywhere')}
            </Button>
          </Group>
          <Stack gap={0}>
            {data.mySessions.map((s) => (
              <Group key={s.id} justify="space-between" wrap="wrap" gap="xs" py={6} data-testid="my-session"
                style={{ borderTop: '1px solid var(--mantine-color-gray-3)' }}>
                <div style={{ minWidth: 0 }}>
                  <Text size="sm" title={s.userAgent ?? undefined}>
                    {device(s.userAgent)} {s.ip ? `· ${s.ip}` : ''}{' '}
                    {s.current && <Badge size="sm" variant="light" c="var(--mantine-color-dark-8)">{t('my.account.thisDevice')}</Badge>}
                  </Text>
                  <Text size="xs" c="dimmed">{t('my.account.lastUsed')}: {formatDateTime(s.lastUsedAt, lang)}</Text>
                </div>
                {!s.current && (
                  <Button size="compact-xs" variant="subtle" color="red" onClick={() => void revoke({ id: s.id }).then(() => refetch({ requestPolicy: 'network-only' }))}>
                    {t('my.account.signOutThis')}
                  </Button>
                )}
              </Group>
            ))}
          </Stack>
        </Stack>
      </Card>

      <Card withBorder padding="sm">
        <Stack gap="xs">
          <Title order={2} size="h5">{t('my.account.events')}</Title>
          {data.mySecurityEvents.nodes.length === 0 && <Text size="sm" c="dimmed">{t('my.account.noEvents')}</Text>}
          {data.mySecurityEvents.nodes.map((event) => (
            <Group key={event.id} justify="space-between" wrap="wrap" gap={4} data-testid="my-event">
              <Text size="sm">{t(`timeline.actions.${event.action}`, { defaultValue: event.action })}</Text>
              <Text size="xs" c="dimmed">{formatDateTime(event.createdAt, lang)} · {device(event.userAgent)} {event.ip ?? ''}</Text>
            </Group>
          ))}
          <Text size="xs" c="dimmed">{t('my.account.notYou')}</Text>
        </Stack>
      </Card>

      <Card withBorder padding="sm">
        <Stack gap="md">
          <Title order={2} size="h5">{t('my.account.change')}</Title>
          <ChangeForm label={t('my.account.newEmail')} type="email" initial={me.email}
            onSubmit={async (password, email) => problemOf((await changeEmail({ password, email })).error)} />
          <ChangeForm label={t('my.account.newPhone')} type="tel" initial={me.phone ?? ''}
            onSubmit={async (password, phone) => problemOf((await changePhone({ password, phone: phone.trim() || null })).error)} />
          <ChangeForm label={t('my.account.newPassword')} type="password" initial=""
            onSubmit={async (current, next) => problemOf((await changePassword({ current, next })).error)} />
        </Stack>
      </Card>
    </Stack>
  );
}
