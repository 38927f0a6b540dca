import { useState, type ReactNode } from 'react';
import { Alert, Anchor, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { Link, useLocation } from '@tanstack/react-router';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql } from '../../api/graphql';
import { describe, problemOf, type ApiProblem } from '../../lib/errors';
import { linkToken } from '../../lib/linkToken';
import { LanguageSwitch } from '../../app/Shell';

const RequestReset = graphql(`
  mutation RequestReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

const ResetPassword = graphql(`
  mutation ResetPassword($token: String!, $password: String!) {
    resetPassword(token: $token, newPassword: $password)
  }
`);

const CompleteRecovery = graphql(`
  mutation CompleteRecovery($token: String!, $password: String!) {
    completeAccountRecovery(token: $token, newPassword: $password)
  }
`);

const LockWithToken = graphql(`
  mutation LockWithToken($token: String!) {
    lockAccountWithToken(token: $token)
  }
`);

const ReportCompromise = graphql(`
  mutation ReportCompromise($email: String!, $description: String!) {
    reportAccountCompromise(email: $email, description: $description)
  }
`);

/** The frame of every public page: a card in the middle, the language switch, a way back. */
export function PublicPage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w={460} maw="100%" component="main">
        <Group justify="space-between" mb="md">
          <Anchor href="/help" fw={700} c="blue.9">storedesk</Anchor>
          <LanguageSwitch />
        </Group>
        <Title order={1} size="h3" mb="sm">{title}</Title>
        {children}
      </Paper>
    </Center>
  );
}

function Problem({ problem }: { problem: ApiProblem | null }) {
  if (!problem) return null;
  return <Alert color="red" role="alert">{describe(problem)}</Alert>;
}

export function ForgotPasswordScreen() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [sent, setSent] = useState(false);
  const [{ fetching }, request] = useMutation(RequestReset);
  const submit = async () => {
    setProblem(null);
    const result = await request({ email: email.trim() });
    const refused = problemOf(result.error);
    if (refused) setProblem(refused);
    else setSent(true);
  };
  return (
    <PublicPage title={t('recovery.forgot.title')}>
      {sent ? (
        <Stack>
          <Alert color="green" role="status" data-testid="reset-sent">{t('recovery.forgot.sent', { email })}</Alert>
          <Anchor component={Link} to="/signin">{t('recovery.toSignIn')}</Anchor>
        </Stack>
      ) : (
        <form onSubmit={(e) => { e.preventDefault(); void submit(); }} noValidate>
          <Stack>
            <Text size="sm" c="dimmed">{t('recovery.forgot.intro')}</Text>
            <Problem problem={problem} />
            <TextInput label={t('signIn.email')} type="email" autoComplete="username" required value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={problem?.field === 'email' ? t('validation.email') : undefined} />
            <Button type="submit" loading={fetching} disabled={!email.trim()}>{t('recovery.forgot.submit')}</Button>
            <Group justify="space-between">
              <Anchor component={Link} to="/signin" size="sm">{t('recovery.toSignIn')}</Anchor>
              <Anchor component={Link} to="/report-hacked" size="sm">{t('recovery.hacked.link')}</Anchor>
            </Group>
          </Stack>
        </form>
      )}
    </PublicPage>
  );
}

/** `/reset-password` and `/recover-account`: a new password from the emailed link. */
export function SetPasswordScreen() {
  const { t } = useTranslation();
  const recovery = useLocation({ select: (location) => location.pathname }) === '/recover-account';
  const [token] = useState(linkToken);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const [{ fetching: resetting }, reset] = useMutation(ResetPassword);
  const [{ fetching: recovering }, recover] = useMutation(CompleteRecovery);
  const title = recovery ? t('recovery.set.recoverTitle') : t('recovery.set.title');

  const submit = async () => {
    setProblem(null);
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const variables = { token: token ?? '', password };
    const result = recovery ? await recover(variables) : await reset(variables);
    const refused = problemOf(result.error);
    if (refused) setProblem(refused);
    else setDone(true);
  };

  // One sentence for every dead link (expired, used, or replaced by a newer one): the server
  // does not say which, so a stolen link teaches nothing.
  const deadLink = !token || problem?.field === 'token';
  if (done) {
    return (
      <PublicPage title={title}>
        <Stack>
          <Alert color="green" role="status" data-testid="password-set">{t('recovery.set.done')}</Alert>
          <Button component={Link} to="/signin">{t('recovery.toSignIn')}</Button>
        </Stack>
      </PublicPage>
    );
  }
  if (deadLink) {
    return (
      <PublicPage title={title}>
        <Stack>
          <Alert color="orange" role="alert" data-testid="dead-link">{t('recovery.set.deadLink')}</Alert>
          <Button component={Link} to={recovery ? '/report-hacked' : '/forgot-password'}>
            {recovery ? t('recovery.hacked.link') : t('recovery.set.newLink')}
          </Button>
        </Stack>
      </PublicPage>
    );
  }
  return (
    <PublicPage title={title}>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }} noValidate>
        <Stack>
          <Text size="sm" c="dimmed">{t('recovery.set.intro')}</Text>
          {problem?.field !== 'newPassword' && <Problem problem={problem} />}
          <PasswordInput label={t('recovery.set.password')} autoComplete="new-password" required value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={problem?.field === 'newPassword' ? (problem.detail ?? describe(problem)) : undefined} />
          <PasswordInput label={t('recovery.set.confirm')} autoComplete="new-password" required value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)} error={mismatch ? t('recovery.set.mismatch') : undefined} />
          <Button type="submit" loading={resetting || recovering} disabled={!password}>{t('recovery.set.submit')}</Button>
        </Stack>
      </form>
    </PublicPage>
  );
}

/** `/lock-account`: the owner's "this was not me" link. Opening it changes nothing. */
export function LockAccountScreen() {
  const { t } = useTranslation();
  const [token] = useState(linkToken);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [locked, setLocked] = useState(false);
  const [{ fetching }, lock] = useMutation(LockWithToken);
  const submit = async () => {
    const result = await lock({ token: token ?? '' });
    const refused = problemOf(result.error);
    if (refused) setProblem(refused);
    else setLocked(true);
  };
  return (
    <PublicPage title={t('recovery.lock.title')}>
      <Stack>
        {locked ? (
          <Alert color="green" role="status" data-testid="locked">{t('recovery.lock.done')}</Alert>
        ) : !token || problem?.field === 'token' ? (
          <Alert color="orange" role="alert" data-testid="dead-link">{t('recovery.lock.deadLink')}</Alert>
        ) : (
          <>
            <Text size="sm">{t('recovery.lock.intro')}</Text>
            <Problem problem={problem} />
            <Button color="red" loading={fetching} onClick={() => void submit()}>{t('recovery.lock.submit')}</Button>
          </>
        )}
        <Anchor component={Link} to="/report-hacked" size="sm">{t('recovery.hacked.link')}</Anchor>
      </Stack>
    </PublicPage>
  );
}

/** `/report-hacked`: someone else took the account; support takes it from here. */
export function ReportHackedScreen() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [description, setDescription] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [sent, setSent] = useState(false);
  const [{ fetching }, report] = useMutation(ReportCompromise);
  const submit = async () => {
    setProblem(null);
    const result = await report({ email: email.trim(), description });
    const refused = problemOf(result.error);
    if (refused) setProblem(refused);
    else setSent(true);
  };
  return (
    <PublicPage title={t('recovery.hacked.title')}>
      {sent ? (
        <Alert color="green" role="status" data-testid="report-sent">{t('recovery.hacked.sent')}</Alert>
      ) : (
        <form onSubmit={(e) => { e.preventDefault(); void submit(); }} noValidate>
          <Stack>
            <Text size="sm" c="dimmed">{t('recovery.hacked.intro')}</Text>
            {problem && problem.field !== 'email' && problem.field !== 'description' && <Problem problem={problem} />}
            <TextInput label={t('recovery.hacked.email')} type="email" required value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={problem?.field === 'email' ? t('validation.email') : undefined} />
            <Textarea label={t('recovery.hacked.description')} description={t('recovery.hacked.descriptionHint')} required
              autosize minRows={4} maxLength={5000} value={description} onChange={(e) => setDescription(e.currentTarget.value)}
              error={problem?.field === 'description' ? (problem.detail ?? describe(problem)) : undefined} />
            <Button type="submit" color="red" loading={fetching} disabled={!email.trim() || !description.trim()}>
              {t('recovery.hacked.submit')}
            </Button>
            <Anchor component={Link} to="/signin" size="sm">{t('recovery.toSignIn')}</Anchor>
          </Stack>
        </form>
      )}
    </PublicPage>
  );
}
