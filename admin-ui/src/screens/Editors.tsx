import { useState } from 'react';
import {
  ActionIcon, Alert, Badge, Button, Card, Grid, Group, Loader, NumberInput, Select, Stack, Switch, Table, Tabs, Text,
  TextInput, Textarea, Title, Typography,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import Markdown from 'react-markdown';
import rehypeSanitize from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';
import { useMutation, useQuery } from 'urql';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { graphql, type ResultOf } from '../api/graphql';
import { describe, problemOf, type ApiProblem } from '../lib/errors';
import { CATEGORIES, type TicketCategory } from '../lib/queueFilters';
import { useEnumOptions } from './labels';

const AUDIENCES = ['ALL', 'BUYER', 'SELLER'] as const;
type Audience = (typeof AUDIENCES)[number];

const FaqList = graphql(`
  query FaqList {
    faqEntries(first: 100) {
      totalCount
      nodes {
        id
        category
        audience
        question
        answer
        locale
        published
        position
        viewCount
        helpfulCount
        notHelpfulCount
        updatedAt
      }
    }
  }
`);

const CreateFaq = graphql(`
  mutation CreateFaq($input: FaqEntryInput!) {
    createFaqEntry(input: $input) {
      id
    }
  }
`);

const UpdateFaq = graphql(`
  mutation UpdateFaq($id: ID!, $input: FaqEntryInput!) {
    updateFaqEntry(id: $id, input: $input) {
      id
      published
      position
      question
      answer
      category
      audience
      locale
    }
  }
`);

type Entry = ResultOf<typeof FaqList>['faqEntries']['nodes'][number];

interface FaqDraft {
  category: TicketCategory;
  audience: Audience;
  question: string;
  answer: string;
  locale: string;
  published: boolean;
  position: number;
}

const faqSchema = z.object({
  question: z.string().trim().min(1, 'validation.required').max(300, 'validation.tooLong'),
  answer: z.string().trim().min(1, 'validation.required').max(10_000, 'validation.tooLong'),
});

function toInput(entry: Entry): FaqDraft {
  return {
    category: entry.category,
    audience: entry.audience,
    question: entry.question,
    answer: entry.answer,
    locale: entry.locale,
    published: entry.published,
    position: entry.position,
  };
}

/** Markdown as the help center shows it: GitHub-flavoured, sanitised (no raw HTML, no scripts). */
export function MarkdownPreview({ text }: { text: string }) {
  return (
    <Typography>
      <Markdown remarkPlugins={[remarkGfm]} rehypePlugins={[rehypeSanitize]}>
        {text}
      </Markdown>
    </Typography>
  );
}

function FaqForm({ entry, onDone }: { entry: Entry | null; onDone: () => void }) {
  const { t } = useTranslation();
  const enumOptions = useEnumOptions();
  const [draft, setDraft] = useState<FaqDraft>(
    entry ? toInput(entry) : { category: 'SHIPPING', audience: 'ALL', question: '', answer: '', locale: 'ko', published: false, position: 0 },
  );
  const [errors, setErrors] = useState<Partial<Record<keyof FaqDraft, string>>>({});
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [creating, create] = useMutation(CreateFaq);
  const [updating, update] = useMutation(UpdateFaq);
  const set = <K extends keyof FaqDraft>(key: K, value: FaqDraft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    // An edited field no longer carries its old error.
    setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const save = async () => {
    const checked = faqSchema.safeParse(draft);
    if (!checked.success) {
      setErrors(Object.fromEntries(checked.error.issues.map((issue) => [issue.path[0], t(issue.message, { max: issue.path[0] === 'question' ? 300 : 10000 })])));
      return;
    }
    setErrors({});
    const input = { ...draft, question: draft.question.trim(), answer: draft.answer.trim() };
    const result = entry ? await update({ id: entry.id, input }) : await create({ input });
    const failure = problemOf(result.error);
    if (failure) {
      // Everything typed stays; a field error lands on its field.
      setProblem(failure);
      if (failure.field && failure.field in draft) setErrors({ [failure.field]: failure.detail ?? describe(failure) });
      return;
    }
    notifications.show({ color: 'green', message: t('editors.saved') });
    onDone();
  };

  return (
    <Card withBorder padding="md" data-testid="faq-form">
      <Stack gap="sm">
        <Title order={2} size="h4">{entry ? t('editors.editFaq') : t('editors.newFaq')}</Title>
        {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
        <Group grow>
          <Select label={t('queue.category')} data={enumOptions(CATEGORIES, 'TicketCategory')} value={draft.category} allowDeselect={false} onChange={(v) => v && set('category', v as TicketCategory)} />
          <Select label={t('editors.audience')} data={enumOptions(AUDIENCES, 'Audience')} value={draft.audience} allowDeselect={false} onChange={(v) => v && set('audience', v as Audience)} />
          <Select label={t('editors.locale')} data={[{ value: 'ko', label: '한국어' }, { value: 'en', label: 'English' }]} value={draft.locale} allowDeselect={false} onChange={(v) => v && set('locale', v)} />
          <NumberInput label={t('editors.position')} value={draft.position} min={0} allowDecimal={false} onChange={(v) => set('position', typeof v === 'number' ? v : 0)} />
        </Group>
        <TextInput label={t('editors.question')} required value={draft.question} onChange={(e) => set('question', e.currentTarget.value)} error={errors.question} />
        <Grid>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Textarea label={t('editors.answer')} description={t('editors.markdown')} required autosize minRows={8} value={draft.answer} onChange={(e) => set('answer', e.currentTarget.value)} error={errors.answer} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Text size="sm" fw={500}>{t('editors.preview')}</Text>
            <Card withBorder padding="sm" mt={4} data-testid="faq-preview">
              <MarkdownPreview text={draft.answer} />
            </Card>
          </Grid.Col>
        </Grid>
        <Group justify="space-between">
          <Switch label={t('editors.published')} checked={draft.published} onChange={(e) => set('published', e.currentTarget.checked)} />
          <Group>
            <Button variant="default" onClick={onDone}>{t('app.cancel')}</Button>
            <Button loading={creating.fetching || updating.fetching} onClick={() => void save()}>{t('editors.save')}</Button>
          </Group>
        </Group>
      </Stack>
    </Card>
  );
}

function FaqEditor() {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: FaqList });
  const [editing, setEditing] = useState<Entry | 'new' | null>(null);
  const [, update] = useMutation(UpdateFaq);
  const problem = problemOf(error);
  const entries = [...(data?.faqEntries.nodes ?? [])];
  const reload = () => refetch({ requestPolicy: 'network-only' });

  const change = async (entry: Entry, patch: Partial<FaqDraft>) => {
    const result = await update({ id: entry.id, input: { ...toInput(entry), ...patch } });
    const failure = problemOf(result.error);
    if (failure) notifications.show({ color: 'red', message: describe(failure) });
    else reload();
  };

  /** Swaps the display positions of two neighbours. */
  const move = async (index: number, by: -1 | 1) => {
    const a = entries[index];
    const b = entries[index + by];
    if (!a || !b) return;
    const [pa, pb] = a.position === b.position ? [b.position + by, a.position] : [b.position, a.position];
    await change(a, { position: pa });
    await change(b, { position: pb });
  };

  if (fetching && !data) return <Loader aria-label="loading" />;
  return (
    <Stack gap="sm">
      {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
      {editing ? (
        <FaqForm entry={editing === 'new' ? null : editing} onDone={() => { setEditing(null); reload(); }} />
      ) : (
        <Group justify="flex-end">
          <Button onClick={() => setEditing('new')}>{t('editors.newFaq')}</Button>
        </Group>
      )}
      <Table striped verticalSpacing={4} data-testid="faq-rows">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('editors.order')}</Table.Th>
            <Table.Th>{t('editors.question')}</Table.Th>
            <Table.Th>{t('queue.category')}</Table.Th>
            <Table.Th>{t('editors.audience')}</Table.Th>
            <Table.Th>{t('editors.locale')}</Table.Th>
            <Table.Th>{t('editors.views')}</Table.Th>
            <Table.Th>{t('editors.votes')}</Table.Th>
            <Table.Th>{t('editors.published')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((entry, index) => (
            <Table.Tr key={entry.id}>
              <Table.Td>
                <Group gap={2} wrap="nowrap">
                  <ActionIcon size="sm" variant="subtle" aria-label={t('editors.up', { question: entry.question })} disabled={index === 0} onClick={() => void move(index, -1)}>↑</ActionIcon>
                  <ActionIcon size="sm" variant="subtle" aria-label={t('editors.down', { question: entry.question })} disabled={index === entries.length - 1} onClick={() => void move(index, 1)}>↓</ActionIcon>
                </Group>
              </Table.Td>
              <Table.Td>
                <Button variant="subtle" size="compact-sm" onClick={() => setEditing(entry)}>{entry.question}</Button>
              </Table.Td>
              <Table.Td>{t(`enums.TicketCategory.${entry.category}`)}</Table.Td>
              <Table.Td>{t(`enums.Audience.${entry.audience}`)}</Table.Td>
              <Table.Td>{entry.locale}</Table.Td>
              <Table.Td>{entry.viewCount}</Table.Td>
              <Table.Td>{t('editors.voteCounts', { yes: entry.helpfulCount, no: entry.notHelpfulCount })}</Table.Td>
              <Table.Td>
                <Switch
                  aria-label={t('editors.publishToggle', { question: entry.question })}
                  checked={entry.published}
                  onChange={(e) => void change(entry, { published: e.currentTarget.checked })}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

const MacroList = graphql(`
  query MacroList {
    macros {
      id
      title
      body
      category
    }
    macroPlaceholders
  }
`);

const CreateMacro = graphql(`
  mutation CreateMacro($input: MacroInput!) {
    createMacro(input: $input) {
      id
    }
  }
`);

const UpdateMacro = graphql(`
  mutation UpdateMacro($id: ID!, $input: MacroInput!) {
    updateMacro(id: $id, input: $input) {
      id
      title
      body
      category
    }
  }
`);

const DeleteMacro = graphql(`
  mutation DeleteMacro($id: ID!) {
    deleteMacro(id: $id)
  }
`);

type Macro = ResultOf<typeof MacroList>['macros'][number];

function MacroForm({ macro, placeholders, onDone }: { macro: Macro | null; placeholders: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  const enumOptions = useEnumOptions();
  const [title, setTitle] = useState(macro?.title ?? '');
  const [body, setBody] = useState(macro?.body ?? '');
  const [category, setCategory] = useState<TicketCategory | null>(macro?.category ?? null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [creating, create] = useMutation(CreateMacro);
  const [updating, update] = useMutation(UpdateMacro);

  const save = async () => {
    setProblem(null);
    const input = { title: title.trim(), body, category };
    const result = macro ? await update({ id: macro.id, input }) : await create({ input });
    const failure = problemOf(result.error);
    if (failure) {
      setProblem(failure);
      return;
    }
    notifications.show({ color: 'green', message: t('editors.saved') });
    onDone();
  };
  const fieldError = (field: string) => (problem?.field === field ? (problem.detail ?? describe(problem)) : undefined);

  return (
    <Card withBorder padding="md" data-testid="macro-form">
      <Stack gap="sm">
        <Title order={2} size="h4">{macro ? t('editors.editMacro') : t('editors.newMacro')}</Title>
        {problem && !problem.field && <Alert color="red" role="alert">{describe(problem)}</Alert>}
        <Group grow>
          <TextInput label={t('editors.titleField')} required value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={fieldError('title')} />
          <Select label={t('queue.category')} placeholder={t('editors.anyCategory')} clearable data={enumOptions(CATEGORIES, 'TicketCategory')} value={category} onChange={(v) => setCategory(v as TicketCategory | null)} />
        </Group>
        <Textarea label={t('editors.body')} required autosize minRows={5} value={body} onChange={(e) => setBody(e.currentTarget.value)} error={fieldError('body')} />
        <Group gap={6}>
          <Text size="xs" c="dimmed">{t('editors.placeholders')}</Text>
          {placeholders.map((name) => (
            <Badge key={name} component="button" type="button" variant="light" c="dark.8" style={{ cursor: 'pointer' }} onClick={() => setBody((b) => `${b}{{${name}}}`)}>
              {`{{${name}}}`}
            </Badge>
          ))}
        </Group>
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>{t('app.cancel')}</Button>
          <Button loading={creating.fetching || updating.fetching} onClick={() => void save()}>{t('editors.save')}</Button>
        </Group>
      </Stack>
    </Card>
  );
}

function MacroEditor() {
  const { t } = useTranslation();
  const [{ data, fetching, error }, refetch] = useQuery({ query: MacroList });
  const [editing, setEditing] = useState<Macro | 'new' | null>(null);
  const [, remove] = useMutation(DeleteMacro);
  const problem = problemOf(error);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  if (fetching && !data) return <Loader aria-label="loading" />;
  return (
    <Stack gap="sm">
      {problem && <Alert color="red" role="alert">{describe(problem)}</Alert>}
      {editing ? (
        <MacroForm macro={editing === 'new' ? null : editing} placeholders={data?.macroPlaceholders ?? []} onDone={() => { setEditing(null); reload(); }} />
      ) : (
        <Group justify="flex-end">
          <Button onClick={() => setEditing('new')}>{t('editors.newMacro')}</Button>
        </Group>
      )}
      <Table striped verticalSpacing={4} data-testid="macro-rows">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('editors.titleField')}</Table.Th>
            <Table.Th>{t('queue.category')}</Table.Th>
            <Table.Th>{t('editors.body')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(data?.macros ?? []).map((macro) => (
            <Table.Tr key={macro.id}>
              <Table.Td>
                <Button variant="subtle" size="compact-sm" onClick={() => setEditing(macro)}>{macro.title}</Button>
              </Table.Td>
              <Table.Td>{macro.category ? t(`enums.TicketCategory.${macro.category}`) : t('editors.anyCategory')}</Table.Td>
              <Table.Td><Text size="xs" lineClamp={2}>{macro.body}</Text></Table.Td>
              <Table.Td>
                <Button
                  size="compact-xs"
                  variant="subtle"
                  color="red"
                  onClick={() => void remove({ id: macro.id }).then((result) => {
                    const failure = problemOf(result.error);
                    if (failure) notifications.show({ color: 'red', message: describe(failure) });
                    else reload();
                  })}
                >
                  {t('editors.delete')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

/** The help center's FAQ entries and the agents' macros. */
export function EditorsScreen() {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      <Title order={1} size="h3">{t('editors.title')}</Title>
      <Tabs defaultValue="faq" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="faq">{t('editors.faq')}</Tabs.Tab>
          <Tabs.Tab value="macros">{t('editors.macros')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="faq" pt="sm"><FaqEditor /></Tabs.Panel>
        <Tabs.Panel value="macros" pt="sm"><MacroEditor /></Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
