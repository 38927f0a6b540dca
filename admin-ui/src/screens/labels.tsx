import { Badge, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatCountdown, formatDateTime, urgency } from '../lib/format';

// Tinted backgrounds tell the values apart; the text stays near-black so every badge reads
// at WCAG AA whatever its hue (amber and green text on white would not).
const PRIORITY_COLOR: Record<string, string> = { LOW: 'gray', NORMAL: 'blue', HIGH: 'orange', URGENT: 'red' };
const STATUS_COLOR: Record<string, string> = { OPEN: 'blue', PENDING: 'yellow', RESOLVED: 'green', CLOSED: 'gray' };
const TEXT = 'var(--mantine-color-dark-8)';

export function PriorityBadge({ priority }: { priority: string }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={PRIORITY_COLOR[priority] ?? 'gray'}
      variant={priority === 'URGENT' ? 'filled' : 'light'}
      c={priority === 'URGENT' ? undefined : TEXT}
    >
      {t(`enums.TicketPriority.${priority}`)}
    </Badge>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLOR[status] ?? 'gray'} variant="light" c={TEXT}>
      {t(`enums.TicketStatus.${status}`)}
    </Badge>
  );
}

// Amber dark enough to read (orange.9 is under 4.5:1 on white).
const URGENCY_COLOR = { ok: 'dark', soon: '#a84300', late: 'red.9' } as const;

/** A due time as a countdown: amber within the hour, red once missed; the exact time on hover. */
export function Countdown({ due, now, paused }: { due: string; now: number; paused?: boolean }) {
  const { i18n } = useTranslation();
  const level = urgency(due, now);
  return (
    <Tooltip label={formatDateTime(due, i18n.language)}>
      <Text
        component="span"
        size="sm"
        fw={level === 'ok' ? 400 : 700}
        c={paused ? 'dimmed' : URGENCY_COLOR[level]}
        data-urgency={level}
      >
        {formatCountdown(due, now, i18n.language)}
      </Text>
    </Tooltip>
  );
}

/** `Select` options for an API enum, labelled in the current language. */
export function useEnumOptions() {
  const { t } = useTranslation();
  return (values: readonly string[], name: string) =>
    values.map((value) => ({ value, label: t(`enums.${name}.${value}`) }));
}
