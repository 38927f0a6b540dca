import { Alert, Anchor, Card, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { BarChart } from '@mantine/charts';
import '@mantine/charts/styles.css';
import { useInterval } from '@mantine/hooks';
import { Link } from '@tanstack/react-router';
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql } from '../../api/graphql';
import { describe, problemOf } from '../../lib/errors';
import { formatNumber } from '../../lib/format';

const SellerDashboardQuery = graphql(`
  query SellerDashboard {
    sellerDashboard {
      pendingCancellations
      pendingReturns
      decisionsDueToday
      overdueDecisions
      toPrepare
      toShip
      delayedShipments
      stalledShipments
      refundsDue
      overdueRefunds
      days {
        date
        claims
        shipped
        refunds
      }
    }
  }
`);

/** Sellers have no live feed: the figures are read again every 30 s. */
const REFRESH_MS = 30_000;

type Target = '/seller/claims' | '/seller/shipping' | '/seller/refunds';

function Tile({ label, value, to, search, alert }: { label: string; value: number; to: Target; search?: Record<string, string>; alert?: boolean }) {
  return (
    <Card withBorder padding="sm" data-testid="seller-tile">
      <Text size="sm" c="dimmed">{label}</Text>
      <Anchor fz={28} fw={700} c={alert && value > 0 ? 'red.9' : undefined} underline="hover"
        renderRoot={(props) => <Link {...props} to={to} search={search ?? {}} />}>
        {formatNumber(value)}
      </Anchor>
    </Card>
  );
}

/** The seller center's home: what needs a decision or a parcel today, and the last 30 days. */
export function SellerDashboardScreen() {
  const { t, i18n } = useTranslation();
  const [{ data, error, fetching }, reexecute] = useQuery({ query: SellerDashboardQuery, requestPolicy: 'cache-and-network' });
  useInterval(() => reexecute({ requestPolicy: 'network-only' }), REFRESH_MS, { autoInvoke: true });
  if (fetching && !data) return <Loader aria-label={t('app.loading')} />;
  const problem = problemOf(error);
  if (problem) return <Alert color="red" role="alert">{describe(problem)}</Alert>;
  const d = data?.sellerDashboard;
  if (!d) return null;
  const days = d.days.map((day) => ({
    name: new Intl.DateTimeFormat(i18n.language, { month: 'numeric', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${day.date}T00:00:00Z`)),
    claims: day.claims,
    shipped: day.shipped,
    refunds: day.refunds,
  }));
  return (
    <Stack gap="md">
      <Title order={1} size="h3">{t('sellerDash.title')}</Title>
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }}>
        <Tile label={t('sellerDash.pendingCancellations')} value={d.pendingCancellations} to="/seller/claims" />
        <Tile label={t('sellerDash.pendingReturns')} value={d.pendingReturns} to="/seller/claims" search={{ tab: 'return' }} />
        <Tile label={t('sellerDash.dueToday')} value={d.decisionsDueToday} to="/seller/claims" alert />
        <Tile label={t('sellerDash.overdue')} value={d.overdueDecisions} to="/seller/claims" alert />
        <Tile label={t('sellerDash.toPrepare')} value={d.toPrepare} to="/seller/shipping" />
        <Tile label={t('sellerDash.toShip')} value={d.toShip} to="/seller/shipping" search={{ tab: 'ship' }} />
        <Tile label={t('sellerDash.delayed')} value={d.delayedShipments} to="/seller/shipping" search={{ tab: 'transit' }} alert />
        <Tile label={t('sellerDash.stalled')} value={d.stalledShipments} to="/seller/shipping" search={{ tab: 'transit' }} alert />
        <Tile label={t('sellerDash.refundsDue')} value={d.refundsDue} to="/seller/refunds" />
        <Tile label={t('sellerDash.overdueRefunds')} value={d.overdueRefunds} to="/seller/refunds" alert />
      </SimpleGrid>
      <Card withBorder padding="sm">
        <Title order={2} size="h5" mb="xs">{t('sellerDash.last30')}</Title>
        <BarChart
          h={220}
          dataKey="name"
          data={days}
          series={[
            { name: 'claims', label: t('sellerDash.claims'), color: 'orange.7' },
            { name: 'shipped', label: t('sellerDash.shipped'), color: 'blue.7' },
            { name: 'refunds', label: t('sellerDash.refunds'), color: 'teal.7' },
          ]}
          withLegend
          yAxisProps={{ allowDecimals: false }}
        />
      </Card>
    </Stack>
  );
}
