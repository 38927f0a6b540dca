import { useSyncExternalStore } from 'react';
import { Alert, AppShell, Anchor, Button, Group, Menu, SegmentedControl, Text } from '@mantine/core';
import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { session } from '../lib/session';
import { connection } from '../lib/connection';
import { setLanguage, type Language } from '../lib/i18n';

function ConnectionBanner() {
  const { t } = useTranslation();
  const state = useSyncExternalStore((l) => connection.subscribe(l), () => connection.get());
  if (state === 'online') return null;
  return (
    <Alert color={state === 'offline' ? 'red' : 'yellow'} radius={0} py={6} role="status">
      {t(`connection.${state}`)}
    </Alert>
  );
}

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('app.language')}
      value={i18n.language}
      onChange={(value) => setLanguage(value as Language)}
      data={[
        { value: 'ko', label: '한국어' },
        { value: 'en', label: 'English' },
      ]}
    />
  );
}

export function Shell() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const current = useSyncExternalStore((l) => session.subscribe(l), () => session.get());
  const staff = current?.account.role === 'AGENT' || current?.account.role === 'ADMIN';

  const signOut = async (everywhere: boolean) => {
    await session.signOut(everywhere);
    await navigate({ to: '/signin', search: { reason: 'signedOut' } });
  };

  return (
    <AppShell header={{ height: 56 }} padding="md">
      <a href="#main" className="skip-link">
        {t('app.skip')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="lg" wrap="nowrap">
            <Text fw={700} c="blue.9">
              storedesk
            </Text>
            <nav aria-label="main">
              <Group gap="md">
                {staff ? (
                  <>
                    <Anchor component={Link} to="/queue" fw={500}>
                      {t('nav.queue')}
                    </Anchor>
                    <Anchor component={Link} to="/orders" fw={500}>
                      {t('nav.orders')}
                    </Anchor>
                    <Anchor component={Link} to="/accounts" fw={500}>
                      {t('nav.accounts')}
                    </Anchor>
                    <Anchor component={Link} to="/dashboard" fw={500}>
                      {t('nav.dashboard')}
                    </Anchor>
                    <Anchor component={Link} to="/editors" fw={500}>
                      {t('nav.editors')}
                    </Anchor>
                  </>
                ) : (
                  <>
                    <Anchor component={Link} to="/seller/claims" fw={500}>
                      {t('nav.claims')}
                    </Anchor>
                    <Anchor component={Link} to="/seller/shipping" fw={500}>
                      {t('nav.shipping')}
                    </Anchor>
                    <Anchor component={Link} to="/seller/refunds" fw={500}>
                      {t('nav.refunds')}
                    </Anchor>
                  </>
                )}
              </Group>
            </nav>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LanguageSwitch />
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <Button variant="subtle" size="sm" data-testid="account-menu">
                  {current?.account.name} · {current ? t(`enums.Role.${current.account.role}`) : ''}
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item onClick={() => void signOut(false)}>{t('nav.signOut')}</Menu.Item>
                <Menu.Item color="red" onClick={() => void signOut(true)}>
                  {t('nav.signOutEverywhere')}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main id="main" tabIndex={-1}>
        <ConnectionBanner />
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
