import { Anchor, Card, Grid, Group, Loader, Alert, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { BarChart, DonutChart } from '@mantine/charts';
import '@mantine/charts/styles.css';
import { useInterval } from '@mantine/hooks';
import { Link } from '@tanstack/react-router';
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql } from '../api/graphql';
import { describe, problemOf } from '../lib/errors';
import { formatNumber } from '../lib/format';
import type { QueueSearch } from '../lib/queueFilters';

const Dashboard = graphql(`
  query Dashboard {
    supportDashboard {
      byStatus {
        status
        count
      }
      byCategory {
        category
        count
      }
      byPriority {
        priority
        count
      }
      unassigned
      slaBreached
      slaDueWithinHour
      overdueSellerDecisions
      delayedShipments
      stalledShipments
      overdueRefunds
      csatLast7Days
      csatLast30Days
      csatByAgent {
        agent {
          id
          name
        }
        average
        count
      }
      csatByCategory {
        category
        average
        count
      }
    }
  }
`);

/** How often the figures are read again (a subscription would fire on every ticket change). */
const REFRESH_MS = 30_000;

const STATUS_COLOR: Record<string, string> = { OPEN: 'blue.6', PENDING: 'yellow.6', RESOLVED: 'green.6' };

function Tile({ label, value, search, to = '/queue', testId }: {
  label: string;
  value: number | string;
  search?: QueueSearch;
  to?: '/queue' | '/orders';
  testId?: string;
}) {
  return (
    <Card withBorder padding="sm" data-testid={testId}>
      <Text size="sm" c="dimmed">{label}</Text>
      {to === '/queue' ? (
        <Anchor fz={28} fw={700} underline="hover" renderRoot={(props) => <Link {...props} to="/queue" search={search ?? {}} />}>
          {value}
        </Anchor>
      ) : (
        <Anchor component={Link} to="/orders" fz={28} fw={700} underline="hover">
          {value}
        </Anchor>
      )}
    </Card>
  );
}

/** A titled card with a bar chart, or a sentence when there is nothing to chart. */
function BarCard({ title, data, series, height = 200, empty, domain }: {
  title: string;
  data: Record<string, string | number>[];
  series: { name: string; label: string; color: string }[];
  height?: number;
  empty?: string;
  domain?: [number, number];
}) {
  return (
    <Card withBorder padding="sm">
      <Title order={3} size="h5" mb="xs">{title}</Title>
      {data.length === 0 && empty ? (
        <Text size="sm" c="dimmed">{empty}</Text>
      ) : (
        <BarChart h={height} dataKey="name" data={data} series={series} yAxisProps={{ allowDecimals: false, ...(domain ? { domain } : {}) }} />
      )}
    </Card>
  );
}

/** Every figure of `supportDashboard`, each tile leading to the matching queue. */
export function DashboardScreen() {
  const { t } = useTranslation();
  const [{ data, error, fetching }, reexecute] = useQuery({ query: Dashboard, requestPolicy: 'cache-and-network' });
  useInterval(() => reexecute({ requestPolicy: 'network-only' }), REFRESH_MS, { autoInvoke: true });
  const problem = problemOf(error);
  if (fetching && !data) return <Loader aria-label="loading" />;
  if (problem) return <Alert color="red" role="alert">{describe(problem)}</Alert>;
  const d = data?.supportDashboard;
  if (!d) return null;
  const csat = (value: number | null) => (value === null ? '—' : value.toFixed(2));

  return (
    <Stack gap="md">
      <Title order={1} size="h3">{t('dashboard.title')}</Title>
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
        <Tile label={t('dashboard.unassigned')} value={formatNumber(d.unassigned)} search={{ view: 'unassigned' }} testId="tile-unassigned" />
        <Tile label={t('dashboard.slaBreached')} value={formatNumber(d.slaBreached)} search={{ view: 'breached' }} />
        <Tile label={t('dashboard.slaSoon')} value={formatNumber(d.slaDueWithinHour)} search={{ view: 'all' }} />
        <Tile label={t('dashboard.csat7')} value={csat(d.csatLast7Days)} search={{ status: 'CLOSED' }} />
        <Tile label={t('dashboard.csat30')} value={csat(d.csatLast30Days)} search={{ status: 'CLOSED' }} />
        <Tile label={t('dashboard.urgentAccount')} value={formatNumber(d.byPriority.find((p) => p.priority === 'URGENT')?.count ?? 0)} search={{ view: 'urgentAccount' }} />
      </SimpleGrid>
      <Title order={2} size="h4">{t('dashboard.commerce')}</Title>
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Tile label={t('dashboard.overdueDecisions')} value={formatNumber(d.overdueSellerDecisions)} search={{ category: 'CANCELLATION' }} />
        <Tile label={t('dashboard.delayed')} value={formatNumber(d.delayedShipments)} to="/orders" />
        <Tile label={t('dashboard.stalled')} value={formatNumber(d.stalledShipments)} to="/orders" />
        <Tile label={t('dashboard.overdueRefunds')} value={formatNumber(d.overdueRefunds)} search={{ category: 'REFUND' }} />
      </SimpleGrid>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Card withBorder padding="sm">
            <Title order={3} size="h5" mb="xs">{t('dashboard.byStatus')}</Title>
            <Group justify="center">
              <DonutChart
                size={160}
                thickness={26}
                withLabelsLine={false}
                data={d.byStatus.map((s) => ({ name: t(`enums.TicketStatus.${s.status}`), value: s.count, color: STATUS_COLOR[s.status] ?? 'gray.5' }))}
              />
            </Group>
            <Stack gap={2} mt="xs">
              {d.byStatus.map((s) => (
                <Anchor key={s.status} size="sm" renderRoot={(props) => <Link {...props} to="/queue" search={{ status: s.status }} />}>
                  {t(`enums.TicketStatus.${s.status}`)} {formatNumber(s.count)}
                </Anchor>
              ))}
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <BarCard
            title={t('dashboard.byCategory')}
            height={220}
            data={d.byCategory.map((c) => ({ name: t(`enums.TicketCategory.${c.category}`), count: c.count }))}
            series={[{ name: 'count', label: t('dashboard.tickets'), color: 'blue.7' }]}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <BarCard
            title={t('dashboard.byPriority')}
            data={d.byPriority.map((p) => ({ name: t(`enums.TicketPriority.${p.priority}`), count: p.count }))}
            series={[{ name: 'count', label: t('dashboard.tickets'), color: 'orange.7' }]}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <BarCard
            title={t('dashboard.csatByAgent')}
            empty={t('dashboard.noRatings')}
            domain={[0, 5]}
            data={d.csatByAgent.map((a) => ({ name: a.agent?.name ?? '—', average: Number(a.average.toFixed(2)) }))}
            series={[{ name: 'average', label: 'CSAT', color: 'teal.7' }]}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <BarCard
            title={t('dashboard.csatByCategory')}
            empty={t('dashboard.noRatings')}
            domain={[0, 5]}
            data={d.csatByCategory.map((c) => ({ name: t(`enums.TicketCategory.${c.category}`), average: Number(c.average.toFixed(2)) }))}
            series={[{ name: 'average', label: 'CSAT', color: 'grape.7' }]}
          />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
