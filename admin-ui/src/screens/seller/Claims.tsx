import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  Alert, Badge, Button, Card, Checkbox, Chip, Group, Loader, Modal, Stack, Tabs, Text, Textarea, Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useClient, useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql, type ResultOf, type VariablesOf } from '../../api/graphql';
import { ApproveRequest, RejectRequest } from '../../api/orders';
import { CLAIM_TABS, type ClaimTab } from '../../lib/sellerTabs';
import { deadlineChip } from '../../lib/deadline';
import { describe, problemOf, type ApiProblem } from '../../lib/errors';
import { formatDateTime, formatMoney } from '../../lib/format';
import { useKeysetWindow, type FetchPage } from '../../lib/keysetWindow';
import { session } from '../../lib/session';
import { useRejectTemplates } from './rejectTemplates';

const route = getRouteApi('/app/seller/claims');


type Filter = NonNullable<VariablesOf<typeof SellerClaims>['filter']>;

const FILTERS: Record<ClaimTab, Filter> = {
  cancel: { kind: 'CANCEL', decided: false },
  return: { kind: 'RETURN', decided: false },
  decided: { decided: true },
};

const SellerClaims = graphql(`
  query SellerClaims($filter: CancellationRequestFilter, $sort: CancellationRequestSort!, $after: String) {
    cancellationRequests(filter: $filter, sort: $sort, first: 30, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        kind
        reason
        details
        status
        requestedAt
        sellerDeadlineAt
        sellerBusinessDaysLeft
        overdue
        decidedAt
        decisionNote
        rejectionReason
        order {
          id
          orderNumber
          status
          totalAmount
          buyer {
            id
            displayName
          }
          items {
            id
            productName
            quantity
            lineTotal
          }
        }
        refund {
          id
          amount
          status
          dueAt
        }
      }
    }
  }
`);

const ClaimCounts = graphql(`
  query ClaimCounts($cancel: CancellationRequestFilter, $return: CancellationRequestFilter, $overdue: CancellationRequestFilter) {
    cancel: cancellationRequests(filter: $cancel, first: 1) { totalCount }
    return: cancellationRequests(filter: $return, first: 1) { totalCount }
    overdue: cancellationRequests(filter: $overdue, first: 1) { totalCount }
  }
`);

type Claim = ResultOf<typeof SellerClaims>['cancellationRequests']['nodes'][number];

/** New requests arrive without a push channel for sellers: look again this often. */
const REFRESH_MS = 30_000;

export function ClaimsScreen() {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const navigate = useNavigate({ from: '/seller/claims' });
  const tab: ClaimTab = route.useSearch().tab ?? 'cancel';
  const waiting = tab !== 'decided';
  const [selected, setSelected] = useState<string[]>([]);
  const [rejecting, setRejecting] = useState<Claim | null>(null);
  const [bulkBusy, setBulkBusy] = useState(false);
  const [, approve] = useMutation(ApproveRequest);

  // Waiting requests by deadline, earliest first; decided ones newest first.
  const fetchPage = useCallback<FetchPage<Claim>>(
    async (after) => {
      const sort = waiting ? 'DEADLINE' : 'NEWEST';
      const result = await client
        .query(SellerClaims, { filter: FILTERS[tab], sort, after }, { requestPolicy: 'network-only' })
        .toPromise();
      if (result.error || !result.data) throw result.error ?? new Error('no data');
      const { nodes, pageInfo, totalCount } = result.data.cancellationRequests;
      return { nodes, endCursor: pageInfo.endCursor ?? null, hasNextPage: pageInfo.hasNextPage, totalCount };
    },
    [client, tab, waiting],
  );
  const list = useKeysetWindow(tab, fetchPage);
  const [counts, refetchCounts] = useQuery({
    query: ClaimCounts,
    variables: { cancel: FILTERS.cancel, return: FILTERS.return, overdue: { overdue: true } },
    requestPolicy: 'cache-and-network',
  });

  const { refresh } = list;
  const reload = useCallback(() => {
    refresh();
    refetchCounts({ requestPolicy: 'network-only' });
  }, [refresh, refetchCounts]);
  useEffect(() => {
    const timer = window.setInterval(reload, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);

  const [seenTab, setSeenTab] = useState(tab);
  if (seenTab !== tab) {
    setSeenTab(tab);
    setSelected([]);
  }

  const decided = (message: string) => {
    notifications.show({ color: 'green', message });
    setSelected((ids) => ids.filter((id) => list.rows.some((row) => row.id === id)));
    reload();
  };

  const approveOne = async (claim: Claim) => {
    const result = await approve({ requestId: claim.id, note: null });
    const problem = problemOf(result.error);
    if (problem) {
      notifications.show({ color: 'red', message: describe(problem) });
      return;
    }
    decided(t('seller.claims.approved', { order: claim.order.orderNumber }));
  };

  const approveSelected = async () => {
    setBulkBusy(true);
    const results = await Promise.all(
      selected.map((requestId) => client.mutation(ApproveRequest, { requestId, note: null }).toPromise()),
    );
    setBulkBusy(false);
    const failures = results.map((r) => problemOf(r.error)).filter((p) => p !== null);
    setSelected([]);
    if (failures[0]) {
      notifications.show({ color: 'red', message: `${describe(failures[0])} (${failures.length}/${results.length})` });
    }
    decided(t('seller.claims.bulkApproved', { count: results.length - failures.length }));
  };

  const problem = problemOf(list.error as Parameters<typeof problemOf>[0]);
  const overdue = counts.data?.overdue.totalCount ?? 0;
  const allSelected = list.rows.length > 0 && selected.length === list.rows.length;

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} size="h2">{t('seller.claims.title')}</Title>
        {overdue > 0 && (
          <Badge color="red" size="lg" variant="light">{t('seller.claims.overdue', { count: overdue })}</Badge>
        )}
      </Group>
      <Text size="sm" c="dimmed">{t('seller.claims.hint')}</Text>

      <Tabs value={tab} onChange={(value) => void navigate({ search: { tab: (value as ClaimTab) ?? undefined } })}>
        <Tabs.List>
          {CLAIM_TABS.map((name) => (
            <Tabs.Tab
              key={name}
              value={name}
              rightSection={
                name === 'decided' ? undefined : (
                  <Badge size="sm" variant="light" color="gray">{counts.data ? counts.data[name].totalCount : '…'}</Badge>
                )
              }
            >
              {t(`seller.claims.tabs.${name}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>

      {waiting && list.rows.length > 0 && (
        <Group gap="sm">
          <Checkbox
            label={t('seller.claims.selectAll')}
            checked={allSelected}
            indeterminate={selected.length > 0 && !allSelected}
            onChange={() => setSelected(allSelected ? [] : list.rows.map((row) => row.id))}
          />
          <Button size="xs" disabled={selected.length === 0} loading={bulkBusy} onClick={() => void approveSelected()}>
            {t('seller.claims.bulkApprove', { count: selected.length })}
          </Button>
        </Group>
      )}

      {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}

      <Stack gap="sm" aria-label={t(`seller.claims.tabs.${tab}`)} role="list">
        {list.rows.map((claim) => (
          <ClaimCard
            key={claim.id}
            claim={claim}
            locale={i18n.language}
            selected={selected.includes(claim.id)}
            onSelect={(on) => setSelected((ids) => (on ? [...ids, claim.id] : ids.filter((id) => id !== claim.id)))}
            onApprove={() => void approveOne(claim)}
            onReject={() => setRejecting(claim)}
          />
        ))}
      </Stack>

      {list.fetching && <Loader size="sm" aria-label="loading" />}
      {!list.fetching && list.totalCount === 0 && (
        <Text c="dimmed" ta="center" py="xl">{t(`seller.claims.empty.${tab}`)}</Text>
      )}
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.loadMore()} loading={list.fetching}>
          {t('seller.claims.more')}
        </Button>
      )}

      {rejecting && (
        <RejectModal
          claim={rejecting}
          onClose={() => setRejecting(null)}
          onRejected={() => {
            const orderNumber = rejecting.order.orderNumber;
            setRejecting(null);
            decided(t('seller.claims.rejected', { order: orderNumber }));
          }}
        />
      )}
    </Stack>
  );
}

function DeadlineBadge({ claim }: { claim: Claim }) {
  const { t } = useTranslation();
  const chip = deadlineChip(claim.sellerBusinessDaysLeft, claim.overdue);
  if (!chip) return null;
  return (
    // Late is filled red; the others are tinted with near-black text, which reads at AA on any hue.
    <Badge
      color={chip.color}
      variant={chip.color === 'red' ? 'filled' : 'light'}
      c={chip.color === 'red' ? undefined : 'var(--mantine-color-dark-8)'}
      data-testid="deadline-chip"
    >
      {t(`seller.deadline.${chip.key}`, { count: chip.days })}
    </Badge>
  );
}

function ClaimCard({
  claim, locale, selected, onSelect, onApprove, onReject,
}: {
  claim: Claim;
  locale: string;
  selected: boolean;
  onSelect: (on: boolean) => void;
  onApprove: () => void;
  onReject: () => void;
}) {
  const { t } = useTranslation();
  const waiting = claim.status === 'PENDING_SELLER';
  const items = claim.order.items;
  const first = items[0];
  const summary = first
    ? items.length > 1
      ? t('seller.claims.itemsMore', { name: first.productName, count: items.length - 1 })
      : `${first.productName} × ${first.quantity}`
    : '';
  return (
    <Card withBorder padding="md" role="listitem" data-testid="claim" aria-label={claim.order.orderNumber}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Group align="flex-start" wrap="nowrap" gap="md">
          {waiting && (
            <Checkbox
              mt={4}
              aria-label={t('seller.claims.select', { order: claim.order.orderNumber })}
              checked={selected}
              onChange={(e) => onSelect(e.currentTarget.checked)}
            />
          )}
          <Stack gap={4}>
            <Group gap="xs">
              <Badge variant="outline" color={claim.kind === 'RETURN' ? 'grape' : 'blue'}>
                {t(`enums.CancellationKind.${claim.kind}`)}
              </Badge>
              <Text fw={600}>{claim.order.orderNumber}</Text>
              <DeadlineBadge claim={claim} />
              {!waiting && <Badge variant="light">{t(`enums.CancellationStatus.${claim.status}`)}</Badge>}
            </Group>
            <Text size="sm">
              {summary} · <b>{formatMoney(claim.order.totalAmount, locale)}</b> · {claim.order.buyer.displayName}
            </Text>
            <Text size="sm">
              <Text span c="dimmed">{t('seller.claims.reason')}:</Text> {t(`enums.CancellationReason.${claim.reason}`)}
              {claim.details ? ` — ${claim.details}` : ''}
            </Text>
            <Text size="xs" c="dimmed">
              {t('seller.claims.requestedAt', { at: formatDateTime(claim.requestedAt, locale) })}
              {claim.sellerDeadlineAt && waiting
                ? ` · ${t('seller.claims.deadlineAt', { at: formatDateTime(claim.sellerDeadlineAt, locale) })}`
                : ''}
              {claim.decidedAt ? ` · ${t('seller.claims.decidedAt', { at: formatDateTime(claim.decidedAt, locale) })}` : ''}
            </Text>
            {claim.rejectionReason && (
              <Text size="sm"><Text span c="dimmed">{t('seller.claims.rejectionReason')}:</Text> {claim.rejectionReason}</Text>
            )}
            {claim.refund && (
              <Text size="sm" data-testid="claim-refund">
                {t('seller.claims.refund', {
                  amount: formatMoney(claim.refund.amount, locale),
                  status: t(`enums.RefundStatus.${claim.refund.status}`),
                  due: formatDateTime(claim.refund.dueAt, locale),
                })}
              </Text>
            )}
          </Stack>
        </Group>
        {waiting && (
          <Group gap="xs" wrap="nowrap">
            <Button size="sm" onClick={onApprove}>{t('seller.claims.approve')}</Button>
            <Button size="sm" variant="outline" color="red" onClick={onReject}>{t('seller.claims.reject')}</Button>
          </Group>
        )}
      </Group>
    </Card>
  );
}

/** A rejection needs a reason the buyer will read; common ones are a click away. */
function RejectModal({ claim, onClose, onRejected }: { claim: Claim; onClose: () => void; onRejected: () => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [state, reject] = useMutation(RejectRequest);
  const owner = session.get()?.account.id ?? '';
  const templates = useRejectTemplates(owner);
  const builtIn = useMemo(() => t('seller.rejectTemplates', { returnObjects: true }) as string[], [t]);
  const missing = reason.trim().length === 0;

  const submit = async () => {
    setTouched(true);
    if (missing) return;
    const result = await reject({ requestId: claim.id, reason: reason.trim() });
    const failure = problemOf(result.error);
    if (failure) {
      // What was typed stays.
      setProblem(failure);
      return;
    }
    onRejected();
  };

  return (
    <Modal opened onClose={onClose} title={t('seller.claims.rejectTitle', { order: claim.order.orderNumber })}>
      <Stack>
        <Text size="sm">{t('seller.claims.rejectHint')}</Text>
        {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
        <Stack gap={6}>
          <Text size="sm" fw={500}>{t('seller.claims.templates')}</Text>
          <Group gap={6}>
            {[...builtIn, ...templates.saved].map((text) => (
              <Chip key={text} size="xs" checked={reason === text} onChange={() => setReason(text)}>
                {text}
              </Chip>
            ))}
          </Group>
        </Stack>
        <Textarea
          label={t('seller.claims.rejectionReason')}
          required
          autosize
          minRows={3}
          maxLength={1000}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          error={touched && missing ? t('validation.required') : problem?.field ? problem.detail : undefined}
          data-autofocus
        />
        <Group justify="space-between">
          <Button
            variant="subtle"
            size="xs"
            disabled={missing || builtIn.includes(reason.trim()) || templates.saved.includes(reason.trim())}
            onClick={() => templates.save(reason.trim())}
          >
            {t('seller.claims.saveTemplate')}
          </Button>
          <Group gap="xs">
            <Button variant="default" onClick={onClose}>{t('app.cancel')}</Button>
            <Button color="red" loading={state.fetching} onClick={() => void submit()}>
              {t('seller.claims.reject')}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
