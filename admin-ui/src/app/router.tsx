import { createRootRouteWithContext, createRoute, createRouter, lazyRouteComponent, redirect, Outlet } from '@tanstack/react-router';
import type { Session } from '../lib/session';
import { SignInScreen } from '../screens/SignIn';
import { QueueScreen } from '../screens/Queue';
import { TicketScreen } from '../screens/Ticket';
import { Shell } from './Shell';
import { parseQueueSearch } from '../lib/queueFilters';
import { CLAIM_TABS, SHIPPING_TABS, type ClaimTab, type ShippingTab } from '../lib/sellerTabs';

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

/** A search text from the URL; the router reads `?q=630123456789` as a number, which is still text here. */
const text = (value: unknown) => {
  const raw = typeof value === 'number' ? String(value) : value;
  return typeof raw === 'string' && raw.trim() ? raw.trim().slice(0, 100) : undefined;
};

const ordersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/orders',
  beforeLoad: staffOnly,
  validateSearch: (search: Record<string, unknown>): { q?: string } => ({ q: text(search.q) }),
  component: lazyRouteComponent(() => import('../screens/Orders'), 'OrdersScreen'),
});

const orderRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/orders/$orderId',
  beforeLoad: staffOnly,
  component: lazyRouteComponent(() => import('../screens/Orders'), 'OrderScreen'),
});

const accountsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/accounts',
  beforeLoad: staffOnly,
  validateSearch: (search: Record<string, unknown>): { q?: string; status?: 'LOCKED' } => ({
    q: text(search.q),
    status: search.status === 'LOCKED' ? 'LOCKED' : undefined,
  }),
  component: lazyRouteComponent(() => import('../screens/Accounts'), 'AccountsScreen'),
});

const accountRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/accounts/$accountId',
  beforeLoad: staffOnly,
  component: lazyRouteComponent(() => import('../screens/Accounts'), 'AccountScreen'),
});

/** Desks an agent opens now and then load on first use; charts are heavy, so is the dashboard. */
const dashboardRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/dashboard',
  beforeLoad: staffOnly,
  component: lazyRouteComponent(() => import('../screens/Dashboard'), 'DashboardScreen'),
});

const editorsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/editors',
  beforeLoad: staffOnly,
  component: lazyRouteComponent(() => import('../screens/Editors'), 'EditorsScreen'),
});

const sellerOnly = ({ context }: { context: RouterContext }) => {
  if (isStaff(context.session)) throw redirect({ to: '/queue' });
};

/** The seller center's home is its most urgent list until its dashboard arrives. */
const sellerRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/seller',
  beforeLoad: () => {
    throw redirect({ to: '/seller/claims' });
  },
});

const sellerClaimsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/seller/claims',
  beforeLoad: sellerOnly,
  validateSearch: (search: Record<string, unknown>): { tab?: ClaimTab } => ({
    tab: CLAIM_TABS.find((tab) => tab === search.tab && tab !== 'cancel'),
  }),
  component: lazyRouteComponent(() => import('../screens/seller/Claims'), 'ClaimsScreen'),
});

const sellerShippingRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/seller/shipping',
  beforeLoad: sellerOnly,
  validateSearch: (search: Record<string, unknown>): { tab?: ShippingTab } => ({
    tab: SHIPPING_TABS.find((tab) => tab === search.tab && tab !== 'prepare'),
  }),
  component: lazyRouteComponent(() => import('../screens/seller/Shipping'), 'ShippingScreen'),
});

const sellerRefundsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/seller/refunds',
  beforeLoad: sellerOnly,
  component: lazyRouteComponent(() => import('../screens/seller/Refunds'), 'RefundsScreen'),
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  appRoute.addChildren([
    homeRoute, queueRoute, ticketRoute, ordersRoute, orderRoute, accountsRoute, accountRoute, dashboardRoute, editorsRoute, sellerRoute,
    sellerClaimsRoute, sellerShippingRoute, sellerRefundsRoute,
  ]),
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
