import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Alert, Anchor, Badge, Box, Button, Checkbox, Group, Kbd, Loader, Menu, Modal, Select, Stack, Table, Tabs, Text,
  TextInput, Title,
} from '@mantine/core';
import { useDebouncedCallback, useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { flexRender, rowSelectionFeature, tableFeatures, useTable, type ColumnDef, type RowSelectionState } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useClient, useQuery, useSubscription } from 'urql';
import { useKeysetWindow, type FetchPage } from '../lib/keysetWindow';
import { useTranslation } from 'react-i18next';
import { graphql, type ResultOf } from '../api/graphql';
import { AssignTicket, SetTicketStatus } from '../api/tickets';
import { session } from '../lib/session';
import { describe, problemOf } from '../lib/errors';
import { formatDateTime } from '../lib/format';
import { useNow } from '../lib/useNow';
import {
  CATEGORIES, PRIORITIES, SORTS, STATUSES, VIEWS, apiSort, toTicketFilter, viewFilter, type QueueSearch, type QueueView,
} from '../lib/queueFilters';
import { Countdown, PriorityBadge, StatusBadge, useEnumOptions } from './labels';

const queueRoute = getRouteApi('/app/queue');

const QueueTickets = graphql(`
  query QueueTickets($filter: TicketFilter, $sort: TicketSort, $after: String) {
    tickets(filter: $filter, sort: $sort, first: 50, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        number
        subject
        category
        channel
        status
        priority
        requester {
          id
          displayName
        }
        assignee {
          id
          displayName
        }
        firstResponseDueAt
        resolutionDueAt
        firstRespondedAt
        slaBreached
        updatedAt
      }
    }
  }
`);

const ViewCounts = graphql(`
  query ViewCounts($all: TicketFilter, $mine: TicketFilter, $unassigned: TicketFilter, $breached: TicketFilter, $urgentAccount: TicketFilter) {
    all: tickets(filter: $all, first: 1) { totalCount }
    mine: tickets(filter: $mine, first: 1) { totalCount }
    unassigned: tickets(filter: $unassigned, first: 1) { totalCount }
    breached: tickets(filter: $breached, first: 1) { totalCount }
    urgentAccount: tickets(filter: $urgentAccount, first: 1) { totalCount }
  }
`);

const QueueChanged = graphql(`
  subscription QueueChanged {
    ticketQueueChanged {
      id
      status
      priority
      assignee {
        id
        displayName
      }
      updatedAt
      slaBreached
    }
  }
`);

type Row = ResultOf<typeof QueueTickets>['tickets']['nodes'][number];

const features = tableFeatures({ rowSelectionFeature });

/** A queue row's height before it is measured (one line of text and a badge). */
const ROW_ESTIMATE = 49;
/** How close to the last loaded row the next page is fetched. */
const PREFETCH_ROWS = 15;

/** Whether a key event should be left to the field or the IME that has it. */
function typingOrComposing(event: KeyboardEvent): boolean {
  return event.isComposing || event.keyCode === 229;
}

export function QueueScreen() {
  const { t, i18n } = useTranslation();
  const search = queueRoute.useSearch();
  const navigate = useNavigate({ from: '/queue' });
  const client = useClient();
  const me = session.get()?.account.id ?? '';
  const now = useNow();
  const view: QueueView = search.view ?? 'all';
  const filter = useMemo(() => toTicketFilter(search, me), [search, me]);
  const [cursor, setCursor] = useState(0);
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({});
  const [help, setHelp] = useState(false);
  const searchInput = useRef<HTMLInputElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const enumOptions = useEnumOptions();

  // A new filter starts from the first page with nothing selected.
  const sort = apiSort(search.sort);
  const filterKey = JSON.stringify([filter, sort]);
  const [seenKey, setSeenKey] = useState(filterKey);
  if (seenKey !== filterKey) {
    setSeenKey(filterKey);
    setCursor(0);
    setRowSelection({});
  }

  const fetchPage = useCallback<FetchPage<Row>>(
    async (after) => {
      const result = await client
        .query(QueueTickets, { filter, sort, after }, { requestPolicy: 'network-only' })
        .toPromise();
      if (result.error || !result.data) throw result.error ?? new Error('no data');
      const { nodes, pageInfo, totalCount } = result.data.tickets;
      return { nodes, endCursor: pageInfo.endCursor ?? null, hasNextPage: pageInfo.hasNextPage, totalCount };
    },
    [client, filter, sort],
  );
  const list = useKeysetWindow(filterKey, fetchPage);
  const { rows, fetching } = list;
  const counts = useQuery({
    query: ViewCounts,
    variables: Object.fromEntries(VIEWS.map((v) => [v, viewFilter(v, me)])),
  })[0].data;
  // A burst of changes (a bulk action, a sweep) reloads the list once.
  const refreshSoon = useDebouncedCallback(list.refresh, 300);
  useSubscription({ query: QueueChanged }, (_previous, event) => {
    refreshSoon();
    return event;
  });
  const setSearch = (next: Partial<QueueSearch>) =>
    void navigate({ search: (prev: QueueSearch) => ({ ...prev, ...next }) });
  const debouncedQuery = useDebouncedCallback((q: string) => setSearch({ q: q.trim() || undefined }), 300);

  const columns = useMemo<ColumnDef<typeof features, Row>[]>(
    () => [
      {
        id: 'select',
        header: ({ table }) => (
          <Checkbox
            aria-label={t('queue.selectAll')}
            checked={table.getIsAllRowsSelected()}
            indeterminate={table.getIsSomeRowsSelected()}
            onChange={table.getToggleAllRowsSelectedHandler()}
          />
        ),
        cell: ({ row }) => (
          <Checkbox
            aria-label={`${t('queue.select')} #${row.original.number}`}
            checked={row.getIsSelected()}
            onChange={row.getToggleSelectedHandler()}
          />
        ),
      },
      { id: 'number', header: t('queue.columns.number'), cell: ({ row }) => `#${row.original.number}` },
      {
        id: 'subject',
        header: t('queue.columns.subject'),
        cell: ({ row }) => (
          <Anchor
            fw={500}
            renderRoot={(props) => <Link {...props} to="/tickets/$ticketId" params={{ ticketId: row.original.id }} />}
          >
            {row.original.subject}
          </Anchor>
        ),
      },
      { id: 'requester', header: t('queue.columns.requester'), cell: ({ row }) => row.original.requester.displayName },
      {
        id: 'category',
        header: t('queue.columns.category'),
        cell: ({ row }) => t(`enums.TicketCategory.${row.original.category}`),
      },
      { id: 'priority', header: t('queue.columns.priority'), cell: ({ row }) => <PriorityBadge priority={row.original.priority} /> },
      { id: 'status', header: t('queue.columns.status'), cell: ({ row }) => <StatusBadge status={row.original.status} /> },
      {
        id: 'assignee',
        header: t('queue.columns.assignee'),
        cell: ({ row }) =>
          row.original.assignee?.displayName ?? (
            <Text span c="dimmed" size="sm">
              {t('queue.unassigned')}
            </Text>
          ),
      },
      {
        id: 'due',
        header: t('queue.columns.due'),
        cell: ({ row }) => {
          const ticket = row.original;
          const due = ticket.firstRespondedAt ? ticket.resolutionDueAt : ticket.firstResponseDueAt;
          return <Countdown due={due} now={now} paused={ticket.status === 'PENDING'} />;
        },
      },
      {
        id: 'updated',
        header: t('queue.columns.updated'),
        cell: ({ row }) => (
          <Text span size="sm" c="dimmed">
            {formatDateTime(row.original.updatedAt, i18n.language)}
          </Text>
        ),
      },
    ],
    [t, i18n.language, now],
  );

  const table = useTable({
    features,
    columns,
    data: rows,
    getRowId: (row) => row.id,
    state: { rowSelection },
    onRowSelectionChange: setRowSelection,
    enableRowSelection: true,
  });

  // Only the rows in sight are in the DOM, so a queue of thousands scrolls as one of fifty;
  // the next page is fetched as the end comes into view (keyset cursors, merged by the cache).
  // eslint-disable-next-line react-hooks/incompatible-library -- this build runs no React Compiler
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_ESTIMATE,
    overscan: 12,
    getItemKey: (index) => rows[index]?.id ?? index,
    onChange: (instance) => {
      const last = instance.getVirtualItems().at(-1)?.index ?? -1;
      if (list.hasNextPage && !fetching && last >= rows.length - PREFETCH_ROWS) void list.loadMore();
    },
  });
  const virtualRows = virtualizer.getVirtualItems();
  const padTop = virtualRows[0]?.start ?? 0;
  const padBottom = virtualizer.getTotalSize() - (virtualRows.at(-1)?.end ?? 0);
  const tableRows = table.getRowModel().rows;

  const selectedIds = Object.keys(rowSelection).filter((id) => rowSelection[id]);
  const current = rows[Math.min(cursor, Math.max(rows.length - 1, 0))];

  const open = (row: Row | undefined) => {
    if (row) void navigate({ to: '/tickets/$ticketId', params: { ticketId: row.id } });
  };

  useHotkeys([
    ['j', (e) => !typingOrComposing(e) && setCursor((c) => Math.min(c + 1, rows.length - 1))],
    ['k', (e) => !typingOrComposing(e) && setCursor((c) => Math.max(c - 1, 0))],
    ['Enter', (e) => !typingOrComposing(e) && open(current)],
    ['/', (e) => { if (!typingOrComposing(e)) { e.preventDefault(); searchInput.current?.focus(); } }],
    ['shift+?', () => setHelp(true)],
  ]);

  // Keep the keyboard cursor's row in view (it may not be rendered yet).
  useEffect(() => {
    if (cursor < virtualizer.options.count) virtualizer.scrollToIndex(cursor, { align: 'auto' });
  }, [cursor, virtualizer]);

  const bulk = async (run: (id: string) => Promise<{ error?: Parameters<typeof problemOf>[0] }>) => {
    const results = await Promise.all(selectedIds.map(run));
    const failed = results.map((r) => problemOf(r.error)).filter((p) => p !== null);
    if (failed[0]) {
      notifications.show({ color: 'red', message: `${describe(failed[0])} (${failed.length}/${results.length})` });
    }
    setRowSelection({});
    list.refresh();
  };
  const assignToMe = () =>
    bulk((ticketId) => client.mutation(AssignTicket, { ticketId, assigneeId: me }).toPromise());
  const setStatus = (status: (typeof STATUSES)[number]) =>
    bulk((ticketId) => client.mutation(SetTicketStatus, { ticketId, status }).toPromise());

  const problem = problemOf(list.error as Parameters<typeof problemOf>[0]);

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('queue.title')}
        </Title>
        <Group gap="xs">
          <Badge variant="dot" color="green">
            {t('queue.live')}
          </Badge>
          <Button variant="subtle" size="xs" onClick={() => setHelp(true)}>
            {t('queue.shortcuts')} <Kbd ml={6}>?</Kbd>
          </Button>
        </Group>
      </Group>

      <Tabs value={view} onChange={(value) => setSearch({ view: (value as QueueView) ?? undefined })} keepMounted={false}>
        <Tabs.List>
          {VIEWS.map((v) => (
            <Tabs.Tab key={v} value={v} rightSection={<Badge size="sm" variant="light" color={v === 'breached' ? 'red' : 'gray'}>{counts ? counts[v].totalCount : '…'}</Badge>}>
              {t(`queue.views.${v}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>

      <Group align="end" gap="sm" wrap="wrap">
        <TextInput
          ref={searchInput}
          label={t('queue.search')}
          defaultValue={search.q ?? ''}
          key={search.q ?? ''}
          onChange={(e) => debouncedQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.nativeEvent.isComposing) setSearch({ q: e.currentTarget.value.trim() || undefined });
            if (e.key === 'Escape') e.currentTarget.blur();
          }}
          w={340}
        />
        <Select label={t('queue.status')} placeholder={t('queue.any')} clearable data={enumOptions(STATUSES, 'TicketStatus')} value={search.status ?? null} onChange={(v) => setSearch({ status: (v ?? undefined) as QueueSearch['status'] })} w={150} />
        <Select label={t('queue.category')} placeholder={t('queue.any')} clearable data={enumOptions(CATEGORIES, 'TicketCategory')} value={search.category ?? null} onChange={(v) => setSearch({ category: (v ?? undefined) as QueueSearch['category'] })} w={170} />
        <Select
          label={t('queue.sort')}
          data={SORTS.map((value) => ({ value, label: t(`queue.sorts.${value}`) }))}
          value={search.sort ?? 'due'}
          allowDeselect={false}
          onChange={(v) => setSearch({ sort: v === 'newest' ? 'newest' : undefined })}
          w={150}
        />
        <Select label={t('queue.priority')} placeholder={t('queue.any')} clearable data={enumOptions(PRIORITIES, 'TicketPriority')} value={search.priority ?? null} onChange={(v) => setSearch({ priority: (v ?? undefined) as QueueSearch['priority'] })} w={150} />
      </Group>

      {selectedIds.length > 0 && (
        <Group gap="sm" role="region" aria-label={t('queue.selected', { count: selectedIds.length })}>
          <Text size="sm" fw={500}>{t('queue.selected', { count: selectedIds.length })}</Text>
          <Button size="xs" onClick={() => void assignToMe()}>{t('queue.bulkAssignMe')}</Button>
          <Menu>
            <Menu.Target>
              <Button size="xs" variant="default">{t('queue.bulkStatus')}</Button>
            </Menu.Target>
            <Menu.Dropdown>
              {STATUSES.map((s) => (
                <Menu.Item key={s} onClick={() => void setStatus(s)}>{t(`enums.TicketStatus.${s}`)}</Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        </Group>
      )}

      {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}

      <Text size="sm" c="dimmed" aria-live="polite">
        {list.totalCount !== undefined ? t('queue.count', { count: list.totalCount }) : ''}
      </Text>

      <Box ref={scroller} data-testid="queue-scroller" mah="calc(100dvh - 300px)" mih={rows.length > 8 ? 400 : undefined} style={{ overflow: 'auto' }}>
        <Table
          highlightOnHover
          stickyHeader
          verticalSpacing="xs"
          miw={960}
          aria-label={t('queue.title')}
          aria-rowcount={list.totalCount !== undefined ? list.totalCount + 1 : undefined}
        >
          <Table.Thead>
            {table.getHeaderGroups().map((group) => (
              <Table.Tr key={group.id} aria-rowindex={1}>
                {group.headers.map((header) => (
                  <Table.Th key={header.id}>{flexRender(header.column.columnDef.header, header.getContext())}</Table.Th>
                ))}
              </Table.Tr>
            ))}
          </Table.Thead>
          <Table.Tbody>
            {padTop > 0 && (
              <tr aria-hidden>
                <td colSpan={columns.length} style={{ height: padTop, padding: 0 }} />
              </tr>
            )}
            {virtualRows.map((virtualRow) => {
              const row = tableRows[virtualRow.index];
              if (!row) return null;
              const index = virtualRow.index;
              return (
                <Table.Tr
                  key={row.id}
                  ref={virtualizer.measureElement}
                  data-index={index}
                  data-row-index={index}
                  data-testid="queue-row"
                  aria-rowindex={index + 2}
                  aria-selected={index === cursor}
                  bg={index === cursor ? 'blue.0' : undefined}
                  onClick={() => setCursor(index)}
                  onDoubleClick={() => open(row.original)}
                >
                  {row.getAllCells().map((cell) => (
                    <Table.Td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</Table.Td>
                  ))}
                </Table.Tr>
              );
            })}
            {padBottom > 0 && (
              <tr aria-hidden>
                <td colSpan={columns.length} style={{ height: padBottom, padding: 0 }} />
              </tr>
            )}
          </Table.Tbody>
        </Table>
      </Box>

      {fetching && <Loader size="sm" aria-label="loading" />}
      {!fetching && list.totalCount !== undefined && rows.length === 0 && <Text c="dimmed" ta="center" py="xl">{t('queue.empty')}</Text>}

      <Modal opened={help} onClose={() => setHelp(false)} title={t('shortcuts.title')}>
        <Table>
          <Table.Tbody>
            {([
              ['j / k', 'jk'], ['Enter', 'enter'], ['/', 'slash'], ['r', 'r'], ['n', 'n'], ['e', 'e'], ['?', 'help'],
            ] as const).map(([keys, label]) => (
              <Table.Tr key={label}>
                <Table.Td><Kbd>{keys}</Kbd></Table.Td>
                <Table.Td>{t(`shortcuts.${label}`)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Modal>
    </Stack>
  );
}
