import { useSyncExternalStore } from 'react';
import { Alert, AppShell, Anchor, Box, Button, Group, Menu, SegmentedControl, Text } from '@mantine/core';
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

type NavLink = { to: string; label: string; external?: boolean };

const CUSTOMER_LINKS: NavLink[] = [
  { to: '/my/tickets', label: 'nav.myTickets' },
  { to: '/my/account', label: 'nav.account' },
  { to: '/help', label: 'nav.help', external: true },
];

/** Each role's screens; the help center is its own page (a full load). */
const STAFF_LINKS: NavLink[] = [
  { to: '/queue', label: 'nav.queue' },
  { to: '/orders', label: 'nav.orders' },
  { to: '/accounts', label: 'nav.accounts' },
  { to: '/dashboard', label: 'nav.dashboard' },
  { to: '/editors', label: 'nav.editors' },
];

const NAV: Record<'AGENT' | 'ADMIN' | 'SELLER' | 'BUYER', NavLink[]> = {
  AGENT: STAFF_LINKS,
  ADMIN: STAFF_LINKS,
  SELLER: [
    { to: '/seller', label: 'nav.sellerHome' },
    { to: '/seller/claims', label: 'nav.claims' },
    { to: '/seller/shipping', label: 'nav.shipping' },
    { to: '/seller/refunds', label: 'nav.refunds' },
    ...CUSTOMER_LINKS,
  ],
  BUYER: [{ to: '/my/orders', label: 'nav.myOrders' }, ...CUSTOMER_LINKS],
};

export function Shell() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const current = useSyncExternalStore((l) => session.subscribe(l), () => session.get());
  const links = NAV[current?.account.role ?? 'BUYER'];

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
          <Group gap="lg" wrap="nowrap" style={{ minWidth: 0 }}>
            <Text fw={700} c="blue.9" visibleFrom="sm">
              storedesk
            </Text>
            <nav aria-label="main" className="main-nav">
              <Group gap="md" wrap="nowrap">
                {links.map((link) =>
                  link.external ? (
                    <Anchor key={link.to} href={link.to} fw={500}>
                      {t(link.label)}
                    </Anchor>
                  ) : (
                    <Anchor key={link.to} renderRoot={(props) => <Link {...props} to={link.to} />} fw={500}>
                      {t(link.label)}
                    </Anchor>
                  ),
                )}
              </Group>
            </nav>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Box visibleFrom="sm">
              <LanguageSwitch />
            </Box>
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <Button variant="subtle" size="sm" data-testid="account-menu" px={6}>
                  {current?.account.name}
                  <Text span visibleFrom="sm" size="sm" ml={4}>· {current ? t(`enums.Role.${current.account.role}`) : ''}</Text>
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Box hiddenFrom="sm" p="xs">
                  <LanguageSwitch />
                </Box>
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
