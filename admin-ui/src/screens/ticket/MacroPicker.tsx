import { useState } from 'react';
import { Alert, Button, Group, Loader, Paper, Select, Stack, Text } from '@mantine/core';
import { useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { graphql } from '../../api/graphql';
import { describe, problemOf } from '../../lib/errors';
import type { TicketCategory } from '../../lib/queueFilters';

const Macros = graphql(`
  query Macros($category: TicketCategory) {
    macros(category: $category) {
      id
      title
      body
      category
    }
  }
`);

const Preview = graphql(`
  query MacroPreview($ticketId: ID!, $macroId: ID!) {
    ticket(id: $ticketId) {
      id
      macroPreview(macroId: $macroId)
    }
  }
`);

interface Props {
  ticketId: string;
  category: TicketCategory;
  /** Puts the previewed text into the composer. */
  onInsert: (text: string) => void;
}

/**
 * Canned replies searchable by title; the chosen one is filled from this ticket and its
 * order by the server (the same filling a reply with `macroId` gets) and shown before it
 * goes into the composer, where the agent may still edit it.
 */
export function MacroPicker({ ticketId, category, onInsert }: Props) {
  const { t } = useTranslation();
  const [macroId, setMacroId] = useState<string | null>(null);
  const [{ data: macros }] = useQuery({ query: Macros, variables: { category } });
  const [{ data, fetching, error }] = useQuery({
    query: Preview,
    variables: { ticketId, macroId: macroId ?? '' },
    pause: !macroId,
    requestPolicy: 'network-only',
  });
  const problem = problemOf(error);
  const preview = data?.ticket?.macroPreview;

  return (
    <Stack gap={6}>
      <Select
        label={t('macro.pick')}
        placeholder={t('macro.search')}
        searchable
        clearable
        nothingFoundMessage={t('macro.none')}
        data={(macros?.macros ?? []).map((m) => ({ value: m.id, label: m.title }))}
        value={macroId}
        onChange={setMacroId}
        data-testid="macro-picker"
      />
      {macroId && fetching && <Loader size="xs" aria-label={t('macro.loading')} />}
      {macroId && problem && (
        <Alert color="orange" role="alert">
          {problem.field === 'macroId' ? t('macro.notApplicable') : describe(problem)}
          {problem.detail && <Text size="xs">{problem.detail}</Text>}
        </Alert>
      )}
      {macroId && preview && !fetching && (
        <Paper withBorder p="xs" bg="gray.0" data-testid="macro-preview">
          <Text size="xs" fw={700} mb={4}>{t('macro.preview')}</Text>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>{preview}</Text>
          <Group justify="flex-end" mt={6}>
            <Button
              size="compact-sm"
              onClick={() => {
                onInsert(preview);
                setMacroId(null);
              }}
            >
              {t('macro.insert')}
            </Button>
          </Group>
        </Paper>
      )}
    </Stack>
  );
}
