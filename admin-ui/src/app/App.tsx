import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { CloseButton, MantineProvider, createTheme, type CloseButtonProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Notifications } from '@mantine/notifications';
import { RouterProvider } from '@tanstack/react-router';
import { setNonce } from 'get-nonce';
import { Provider as UrqlProvider } from 'urql';
import { graphqlClient, resetClient } from '../api/client';
import { session } from '../lib/session';
import { router } from './router';

/** The nonce the server put into this page's policy (src/http/console.rs). */
function styleNonce(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]');
  return meta?.nonce || meta?.getAttribute('nonce') || '';
}

const nonce = styleNonce();
// Modals lock the page's scroll with a <style> element of their own (react-remove-scroll);
// without the nonce the policy blocks it.
setNonce(nonce);

const makeTheme = (closeLabel: string) => createTheme({
  primaryColor: 'blue',
  // Shade 8 keeps links, filled buttons and badge text above 4.5:1 on white.
  primaryShade: { light: 8, dark: 8 },
  fontFamily:
    'system-ui, -apple-system, "Apple SD Gothic Neo", "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", sans-serif',
  defaultRadius: 'md',
  // Visible focus for keyboard users on every control.
  focusRing: 'auto',
  components: {
    // Icon-only close buttons (notifications, modals, clearable inputs) need a name.
    CloseButton: CloseButton.extend({ defaultProps: { 'aria-label': closeLabel } as Partial<CloseButtonProps> }),
  },
});

/** Secondary text dark enough for WCAG AA (4.5:1) on white and on the light backgrounds. */
const contrast = () => ({
  variables: {},
  // Field errors in red.9: Mantine's red.6 is 3.3:1 on white.
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-error': 'var(--mantine-color-red-9)' },
  dark: {},
});

function useSession() {
  return useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.get(),
  );
}

/** Restores the session from the refresh cookie once, before the first route renders. */
function useRestoredSession(): boolean {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    void session.refresh().finally(() => setReady(true));
  }, []);
  return ready;
}

export function App() {
  const { t } = useTranslation();
  // `t` changes with the language, and so does the close buttons' name.
  const theme = useMemo(() => makeTheme(t('app.close')), [t]);
  const ready = useRestoredSession();
  const current = useSession();
  const [generation, setGeneration] = useState(0);

  // A different person (or nobody) must never see the previous one's cached answers.
  const accountId = current?.account.id ?? null;
  const [seenAccount, setSeenAccount] = useState<string | null>(accountId);
  if (seenAccount !== accountId) {
    setSeenAccount(accountId);
    setGeneration(resetClient());
  }

  useEffect(() => {
    if (ready) void router.invalidate();
  }, [ready, accountId]);

  // The server ended the session (revoked, signed out everywhere, account locked): back to
  // the sign-in page with a sentence saying so, and back here after signing in again.
  useEffect(
    () =>
      session.subscribe((next, reason) => {
        if (next === null && reason === 'ended') {
          const here = router.state.location.href;
          void router.navigate({ to: '/signin', search: { reason: 'ended', redirect: here } });
        }
      }),
    [],
  );

  return (
    <MantineProvider theme={theme} getStyleNonce={() => nonce} cssVariablesResolver={contrast}>
      <Notifications position="bottom-right" />
      <UrqlProvider value={graphqlClient()} key={generation}>
        {ready ? <RouterProvider router={router} context={{ session: current }} /> : null}
      </UrqlProvider>
    </MantineProvider>
  );
}
