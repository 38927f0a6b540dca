import { useState } from 'react';
import { Alert, Anchor, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from '@tanstack/react-router';
import { graphql } from '../api/graphql';
import { session, type Role } from '../lib/session';
import { describe, problemOf, type ApiProblem } from '../lib/errors';
import { LanguageSwitch } from '../app/Shell';
import { getRouteApi } from '@tanstack/react-router';

const signInRoute = getRouteApi('/signin');

const Login = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password, cookie: true) {
      accessToken
      accessTokenExpiresAt
      account {
        id
        name
        role
      }
    }
  }
`);

const schema = z.object({
  email: z.string().trim().email('validation.email').max(254, 'validation.tooLong'),
  password: z.string().min(1, 'validation.required').max(1024, 'validation.tooLong'),
});
type Fields = z.infer<typeof schema>;

export function SignInScreen() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const search = signInRoute.useSearch();
  const [, login] = useMutation(Login);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const form = useForm<Fields>({ resolver: zodResolver(schema), defaultValues: { email: '', password: '' } });

  const submit = form.handleSubmit(async (fields) => {
    setProblem(null);
    const result = await login(fields, { requestPolicy: 'network-only' });
    const payload = result.data?.login;
    if (!payload) {
      setProblem(problemOf(result.error) ?? { code: 'INTERNAL' });
      // Keep the email; clear only the password the server refused.
      form.setValue('password', '');
      form.setFocus('password');
      return;
    }
    session.signedIn({ ...payload, account: { ...payload.account, role: payload.account.role as Role } });
    const target = search.redirect && !search.redirect.startsWith('/signin') ? search.redirect : '/';
    await navigate({ to: target });
  });

  const notice = search.reason === 'ended' ? t('signIn.ended') : search.reason === 'signedOut' ? t('signIn.signedOut') : null;
  const fieldError = (name: keyof Fields) => {
    const message = form.formState.errors[name]?.message;
    return message ? t(message, { max: name === 'email' ? 254 : 1024 }) : undefined;
  };

  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w={420} maw="100%" component="main">
        <Group justify="space-between" mb="md">
          <Text fw={700} c="blue.9">
            storedesk
          </Text>
          <LanguageSwitch />
        </Group>
        <Title order={1} size="h3">
          {t('signIn.title')}
        </Title>
        <Text c="dimmed" size="sm" mb="lg">
          {t('signIn.subtitle')}
        </Text>
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Stack>
            {notice && <Alert color="blue" role="status">{notice}</Alert>}
            {problem && (
              <Alert color="red" role="alert" data-testid="signin-error">
                {describe(problem)}
              </Alert>
            )}
            <TextInput
              label={t('signIn.email')}
              type="email"
              autoComplete="username"
              required
              {...form.register('email')}
              error={fieldError('email')}
            />
            <PasswordInput
              label={t('signIn.password')}
              autoComplete="current-password"
              required
              {...form.register('password')}
              error={fieldError('password')}
            />
            <Button type="submit" loading={form.formState.isSubmitting} fullWidth>
              {t('signIn.submit')}
            </Button>
            <Group justify="space-between" gap="xs">
              <Anchor component={Link} to="/forgot-password" size="sm">{t('signIn.forgot')}</Anchor>
              <Anchor component={Link} to="/signup" size="sm">{t('signIn.signUp')}</Anchor>
            </Group>
            <Anchor component={Link} to="/report-hacked" size="sm">{t('recovery.hacked.link')}</Anchor>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
