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

/** Each role's home: agents the queue, sellers their dashboard, buyers their orders. */
const homeOf = (s: Session | null) => (isStaff(s) ? '/queue' : s?.account.role === 'SELLER' ? '/seller' : '/my/orders');

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
    throw redirect({ to: homeOf(context.session) });
  },
});

const staffOnly = ({ context }: { context: RouterContext }) => {
  if (!isStaff(context.session)) throw redirect({ to: homeOf(context.session) });
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
  if (context.session?.account.role !== 'SELLER') throw redirect({ to: homeOf(context.session) });
};

const buyerOnly = ({ context }: { context: RouterContext }) => {
  if (context.session?.account.role !== 'BUYER') throw redirect({ to: homeOf(context.session) });
};

/** Buyers' and sellers' own tickets to the platform; staff work tickets in the queue. */
const customerOnly = ({ context }: { context: RouterContext }) => {
  if (isStaff(context.session)) throw redirect({ to: '/queue' });
};

const sellerRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/seller',
  beforeLoad: sellerOnly,
  component: lazyRouteComponent(() => import('../screens/seller/Dashboard'), 'SellerDashboardScreen'),
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

const myOrdersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/my/orders',
  beforeLoad: buyerOnly,
  component: lazyRouteComponent(() => import('../screens/my/Orders'), 'MyOrdersScreen'),
});

const myOrderRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/my/orders/$orderId',
  beforeLoad: buyerOnly,
  component: lazyRouteComponent(() => import('../screens/my/Orders'), 'MyOrderScreen'),
});

const myTicketsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/my/tickets',
  beforeLoad: customerOnly,
  component: lazyRouteComponent(() => import('../screens/my/Tickets'), 'MyTicketsScreen'),
});

const newTicketRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/my/tickets/new',
  beforeLoad: customerOnly,
  validateSearch: (search: Record<string, unknown>): { orderId?: string; category?: string } => ({
    orderId: typeof search.orderId === 'string' ? search.orderId : undefined,
    category: typeof search.category === 'string' ? search.category : undefined,
  }),
  component: lazyRouteComponent(() => import('../screens/my/Tickets'), 'NewTicketScreen'),
});

const myTicketRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/my/tickets/$ticketId',
  beforeLoad: customerOnly,
  component: lazyRouteComponent(() => import('../screens/my/Tickets'), 'MyTicketScreen'),
});

const myAccountRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/my/account',
  component: lazyRouteComponent(() => import('../screens/my/Account'), 'MyAccountScreen'),
});

/** Pages for people who cannot sign in (or have no account yet); no session needed. */
const publicPage = <Path extends string>(path: Path, name: 'SignUpScreen' | 'ForgotPasswordScreen' | 'SetPasswordScreen' | 'LockAccountScreen' | 'ReportHackedScreen') =>
  createRoute({
    getParentRoute: () => rootRoute,
    path,
    component:
      name === 'SignUpScreen'
        ? lazyRouteComponent(() => import('../screens/public/SignUp'), 'SignUpScreen')
        : lazyRouteComponent(() => import('../screens/public/Recovery'), name),
  });

const routeTree = rootRoute.addChildren([
  signInRoute,
  publicPage('/signup', 'SignUpScreen'),
  publicPage('/forgot-password', 'ForgotPasswordScreen'),
  publicPage('/reset-password', 'SetPasswordScreen'),
  publicPage('/recover-account', 'SetPasswordScreen'),
  publicPage('/lock-account', 'LockAccountScreen'),
  publicPage('/report-hacked', 'ReportHackedScreen'),
  appRoute.addChildren([
    homeRoute, queueRoute, ticketRoute, ordersRoute, orderRoute, accountsRoute, accountRoute, dashboardRoute, editorsRoute, sellerRoute,
    sellerClaimsRoute, sellerShippingRoute, sellerRefundsRoute, myOrdersRoute, myOrderRoute, myTicketsRoute,
    newTicketRoute, myTicketRoute, myAccountRoute,
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
