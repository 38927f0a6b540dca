import { useState } from 'react';
import { Alert, Anchor, Button, PasswordInput, SegmentedControl, Stack, TextInput } from '@mantine/core';
import { Link, useNavigate } from '@tanstack/react-router';
import { useMutation } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql } from '../../api/graphql';
import { describe, problemOf, type ApiProblem } from '../../lib/errors';
import { session, type Role } from '../../lib/session';
import { PublicPage } from './Recovery';

const Register = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input, cookie: true) {
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

interface Fields {
  role: 'BUYER' | 'SELLER';
  name: string;
  email: string;
  phone: string;
  password: string;
  storeName: string;
}

export function SignUpScreen() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [fields, setFields] = useState<Fields>({ role: 'BUYER', name: '', email: '', phone: '', password: '', storeName: '' });
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [{ fetching }, register] = useMutation(Register);
  const set = (key: keyof Fields, value: string) => setFields((f) => ({ ...f, [key]: value }));

  const submit = async () => {
    setProblem(null);
    const result = await register({
      input: {
        role: fields.role,
        name: fields.name,
        email: fields.email.trim(),
        phone: fields.phone.trim() || null,
        password: fields.password,
        storeName: fields.role === 'SELLER' ? fields.storeName : null,
      },
    });
    const payload = result.data?.register;
    if (!payload) {
      // Every field keeps what was typed; the one the server named says why.
      setProblem(problemOf(result.error) ?? { code: 'INTERNAL' });
      return;
    }
    session.signedIn({ ...payload, account: { ...payload.account, role: payload.account.role as Role } });
    await navigate({ to: '/' });
  };
  const error = (field: string) => (problem?.field === field ? (problem.detail ?? describe(problem)) : undefined);

  return (
    <PublicPage title={t('signUp.title')}>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }} noValidate>
        <Stack>
          <SegmentedControl
            aria-label={t('signUp.kind')}
            value={fields.role}
            onChange={(value) => set('role', value)}
            data={[
              { value: 'BUYER', label: t('signUp.buyer') },
              { value: 'SELLER', label: t('signUp.seller') },
            ]}
          />
          {problem && !problem.field && <Alert color="red" role="alert">{describe(problem)}</Alert>}
          <TextInput label={t('signUp.name')} required autoComplete="name" value={fields.name} onChange={(e) => set('name', e.currentTarget.value)} error={error('name')} />
          <TextInput label={t('signIn.email')} type="email" required autoComplete="email" value={fields.email} onChange={(e) => set('email', e.currentTarget.value)} error={error('email')} />
          <TextInput label={t('signUp.phone')} type="tel" autoComplete="tel" value={fields.phone} onChange={(e) => set('phone', e.currentTarget.value)} error={error('phone')} />
          <PasswordInput label={t('signIn.password')} description={t('signUp.passwordHint')} required autoComplete="new-password" value={fields.password} onChange={(e) => set('password', e.currentTarget.value)} error={error('password')} />
          {fields.role === 'SELLER' && (
            <TextInput label={t('signUp.storeName')} required value={fields.storeName} onChange={(e) => set('storeName', e.currentTarget.value)} error={error('storeName')} />
          )}
          <Button type="submit" loading={fetching}>{t('signUp.submit')}</Button>
          <Anchor component={Link} to="/signin" size="sm">{t('signUp.haveAccount')}</Anchor>
        </Stack>
      </form>
    </PublicPage>
  );
}
