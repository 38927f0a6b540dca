import { createRootRouteWithContext, createRoute, createRouter, redirect, Outlet } from '@tanstack/react-router';
import type { Session } from '../lib/session';
import { SignInScreen } from '../screens/SignIn';
import { QueueScreen } from '../screens/Queue';
import { TicketScreen } from '../screens/Ticket';
import { SellerHome } from '../screens/SellerHome';
import { Shell } from './Shell';
import { parseQueueSearch } from '../lib/queueFilters';

interface RouterContext {
  session: Session | null;
}

const isStaff = (s: Session | null) => s?.account.role === 'AGENT' || s?.account.role === 'ADMIN';

const rootRoute = createRootRouteWithContext<RouterContext>()({ component: Outlet });

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/signin',
  validateSearch: (search: Record<string, unknown>): { redirect?: string; reason?: string } => ({
    redirect: typeof search.redirect === 'string' && search.redirect.startsWith('/') ? search.redirect : undefined,
    reason: typeof search.reason === 'string' ? search.reason : undefined,
  }),
  component: SignInScreen,
});

/** Everything behind sign-in: the shell with its header. */
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  beforeLoad: ({ context, location }) => {
    if (!context.session) {
      throw redirect({ to: '/signin', search: { redirect: location.href } });
    }
  },
  component: Shell,
});

const homeRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  beforeLoad: ({ context }) => {
    throw redirect({ to: isStaff(context.session) ? '/queue' : '/seller' });
  },
});

const staffOnly = ({ context }: { context: RouterContext }) => {
  if (!isStaff(context.session)) throw redirect({ to: '/seller' });
};

const queueRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/queue',
  beforeLoad: staffOnly,
  validateSearch: parseQueueSearch,
  component: QueueScreen,
});

const ticketRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/tickets/$ticketId',
  beforeLoad: staffOnly,
  component: TicketScreen,
});

const sellerRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/seller',
  component: SellerHome,
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  appRoute.addChildren([homeRoute, queueRoute, ticketRoute, sellerRoute]),
]);

export const router = createRouter({
  routeTree,
  context: { session: null },
  defaultPreload: false,
  scrollRestoration: true,
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}

export { queueRoute, ticketRoute, signInRoute };
