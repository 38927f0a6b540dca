import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, Route, Switch, useParams, useSearchParams } from 'wouter';
import { useTranslation } from 'react-i18next';
import { graphql } from '../api/graphql';
import { highlightPieces } from './highlight';
import { HelpError, request, useRequest, type Loaded } from './api';
import { setHelpLanguage } from './i18n';

const Answer = lazy(() => import('./Answer'));

const CATEGORIES = ['ORDER_PAYMENT', 'SHIPPING', 'CANCELLATION', 'REFUND', 'RETURN_EXCHANGE', 'ACCOUNT', 'SETTLEMENT', 'OTHER'] as const;
type Category = (typeof CATEGORIES)[number];
type Audience = 'BUYER' | 'SELLER';
const SELLER_CATEGORIES: Category[] = ['SETTLEMENT', 'ORDER_PAYMENT', 'SHIPPING', 'ACCOUNT', 'OTHER'];
const BUYER_CATEGORIES: Category[] = ['ORDER_PAYMENT', 'SHIPPING', 'CANCELLATION', 'REFUND', 'RETURN_EXCHANGE', 'ACCOUNT', 'OTHER'];

/** How long typing pauses before a search goes out. */
const DEBOUNCE_MS = 250;

const Search = graphql(`
  query HelpSearch($query: String!, $audience: Audience, $locale: String) {
    faqSearch(query: $query, audience: $audience, locale: $locale, first: 10) {
      highlight
      entry {
        id
        question
        category
      }
    }
  }
`);

const Entries = graphql(`
  query HelpEntries($category: TicketCategory, $audience: Audience, $locale: String, $first: Int) {
    faqEntries(category: $category, audience: $audience, locale: $locale, first: $first) {
      nodes {
        id
        question
        category
      }
    }
  }
`);

const Entry = graphql(`
  query HelpEntry($id: ID!) {
    faqEntry(id: $id) {
      id
      question
      answer
      category
      audience
      locale
      helpfulCount
      updatedAt
    }
  }
`);

const Vote = graphql(`
  mutation HelpVote($id: ID!, $helpful: Boolean!) {
    voteFaq(id: $id, helpful: $helpful) {
      id
      helpfulCount
    }
  }
`);

const Contact = graphql(`
  query HelpContact($category: TicketCategory!, $audience: Audience, $locale: String) {
    contactOptions(category: $category, audience: $audience, locale: $locale) {
      recommendedChannels
      requiredInformation
      expectedWaitMinutes
      suggestedFaqs {
        id
        question
      }
    }
  }
`);

/** The query string of the help center's home (empty values left out). */
function query(search: { q?: string; audience?: Audience }): URLSearchParams {
  const params = new URLSearchParams();
  if (search.q) params.set('q', search.q);
  if (search.audience) params.set('audience', search.audience);
  return params;
}

function useAudience(): Audience {
  const [params] = useSearchParams();
  return audienceOf(params.get('audience')) ?? 'BUYER';
}

const audienceOf = (value: unknown): Audience | undefined => (value === 'SELLER' || value === 'BUYER' ? value : undefined);
const categoryOf = (value: string): Category | null => (CATEGORIES as readonly string[]).includes(value) ? (value as Category) : null;

/** Mantine's `useDebouncedValue` would pull the console's whole component-library chunk into
 *  this page (it is one chunk group); a timer is all it takes here. */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

function Failure({ code, retryAfter }: { code: string; retryAfter?: number }) {
  const { t } = useTranslation();
  const text =
    code === 'RATE_LIMITED' && retryAfter
      ? t('error.retryIn', { seconds: retryAfter })
      : t(code === 'NETWORK' || code === 'RATE_LIMITED' ? `error.${code}` : 'error.other');
  return <p className="notice error" role="alert">{text}</p>;
}

function Loading() {
  const { t } = useTranslation();
  return <p className="muted" role="status">{t('searching')}</p>;
}

function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  if (loaded.state === 'loading') return <Loading />;
  if (loaded.state === 'error') return <Failure code={loaded.code} />;
  return <>{children(loaded.data)}</>;
}

function Layout({ children }: { children: ReactNode }) {
  const { t, i18n } = useTranslation();
  return (
    <>
      <a href="#main" className="skip-link">{t('skip')}</a>
      <header className="top">
        <Link href="/help" className="brand">{t('brand')}</Link>
        <nav aria-label="help" className="top-links">
          <a href="/my/orders">{t('myPages')}</a>
          <div role="group" aria-label={t('language')} className="switch">
            {(['ko', 'en'] as const).map((language) => (
              <button key={language} type="button" aria-pressed={i18n.language === language} onClick={() => setHelpLanguage(language)}>
                {language === 'ko' ? '한국어' : 'English'}
              </button>
            ))}
          </div>
        </nav>
      </header>
      <main id="main" tabIndex={-1} className="page">
        {children}
      </main>
      <footer className="foot">
        <a href="/forgot-password">{t('forgot')}</a>
        <a href="/report-hacked">{t('hacked')}</a>
      </footer>
    </>
  );
}

function AudienceSwitch({ audience, onChange }: { audience: Audience; onChange: (audience: Audience) => void }) {
  const { t } = useTranslation();
  return (
    <div role="group" aria-label={t('audience.label')} className="switch audience">
      {(['BUYER', 'SELLER'] as const).map((value) => (
        <button key={value} type="button" aria-pressed={audience === value} onClick={() => onChange(value)}>
          {t(`audience.${value}`)}
        </button>
      ))}
    </div>
  );
}

function EntryList({ entries }: { entries: { id: string; question: string }[] }) {
  return (
    <ul className="entries">
      {entries.map((entry) => (
        <li key={entry.id}>
          <Link href={`/help/entries/${entry.id}`}>{entry.question}</Link>
        </li>
      ))}
    </ul>
  );
}

function SearchResults({ q, audience }: { q: string; audience: Audience }) {
  const { t, i18n } = useTranslation();
  const loaded = useRequest(Search, { query: q, audience, locale: i18n.language }, `${q}|${audience}|${i18n.language}`);
  return (
    <section aria-live="polite" aria-busy={loaded.state === 'loading'}>
      <Show loaded={loaded}>
        {(data) =>
          data.faqSearch.length === 0 ? (
            <p className="notice">{t('noResults', { q })}</p>
          ) : (
            <>
              <h2 className="section-title">{t('results', { count: data.faqSearch.length, q })}</h2>
              <ul className="entries results" data-testid="help-results">
                {data.faqSearch.map((hit) => (
                  <li key={hit.entry.id}>
                    <Link href={`/help/entries/${hit.entry.id}`} className="question">{hit.entry.question}</Link>
                    <span className="tag">{t(`category.${hit.entry.category}`)}</span>
                    {hit.highlight && (
                      <p className="snippet">
                        {highlightPieces(hit.highlight).map((piece, index) =>
                          piece.marked ? <mark key={index}>{piece.text}</mark> : <span key={index}>{piece.text}</span>,
                        )}
                      </p>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </Show>
    </section>
  );
}

function HomePage() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const search = useMemo(() => ({ q: params.get('q')?.slice(0, 100) ?? undefined, audience: audienceOf(params.get('audience')) }), [params]);
  const audience = search.audience ?? 'BUYER';
  // The box holds what is typed, a Hangul syllable still being composed included ("결제 실"
  // searches before "실패" is finished); the address follows once typing pauses.
  const [text, setText] = useState(search.q ?? '');
  const q = useDebounced(text.trim(), DEBOUNCE_MS);
  useEffect(() => {
    if (q !== (search.q ?? '')) setParams(query({ ...search, q: q || undefined }), { replace: true });
  }, [q, search, setParams]);
  const popular = useRequest(Entries, { audience, locale: i18n.language, first: 8 }, `popular|${audience}|${i18n.language}`);
  const categories = audience === 'SELLER' ? SELLER_CATEGORIES : BUYER_CATEGORIES;

  return (
    <>
      <form role="search" className="search" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="help-search" className="search-label">{t('searchLabel')}</label>
        <input
          id="help-search"
          type="search"
          value={text}
          placeholder={t('searchPlaceholder')}
          autoComplete="off"
          enterKeyHint="search"
          onChange={(e) => setText(e.currentTarget.value)}
        />
        <p className="muted small">{t('searchHint')}</p>
      </form>
      <AudienceSwitch audience={audience} onChange={(next) => setParams(query({ ...search, audience: next }), { replace: true })} />
      {q.length >= 2 ? (
        <SearchResults q={q} audience={audience} />
      ) : (
        <>
          <h2 className="section-title">{t('categories')}</h2>
          <ul className="categories">
            {categories.map((category) => (
              <li key={category}>
                <Link href={`/help/categories/${category}?audience=${audience}`}>{t(`category.${category}`)}</Link>
              </li>
            ))}
          </ul>
          <h2 className="section-title">{t('popular')}</h2>
          <Show loaded={popular}>{(data) => <EntryList entries={data.faqEntries.nodes} />}</Show>
        </>
      )}
    </>
  );
}

function CategoryPage() {
  const { t, i18n } = useTranslation();
  const params = useParams<{ category: string }>();
  const audience = useAudience();
  const category = categoryOf(params.category);
  const loaded = useRequest(Entries, category ? { category, audience, locale: i18n.language, first: 50 } : null, `${params.category}|${audience}|${i18n.language}`);
  if (!category) return <p className="notice">{t('notFound')}</p>;
  return (
    <>
      <Link href={`/help?audience=${audience}`} className="back">← {t('back')}</Link>
      <h1>{t(`category.${category}`)}</h1>
      <Show loaded={loaded}>
        {(data) => (data.faqEntries.nodes.length === 0 ? <p className="notice">{t('emptyCategory')}</p> : <EntryList entries={data.faqEntries.nodes} />)}
      </Show>
      <ContactLink category={category} audience={audience} />
    </>
  );
}

function ContactLink({ category, audience }: { category: Category; audience: Audience }) {
  const { t } = useTranslation();
  return (
    <section className="card">
      <h2 className="section-title">{t('stillNeedHelp')}</h2>
      <Link href={`/help/contact/${category}?audience=${audience}`} className="button">
        {t('contact', { category: t(`category.${category}`) })}
      </Link>
    </section>
  );
}

const VOTES_KEY = 'storedesk.helpVotes';

function savedVote(id: string): boolean | null {
  try {
    const votes = JSON.parse(localStorage.getItem(VOTES_KEY) ?? '{}') as Record<string, boolean>;
    return typeof votes[id] === 'boolean' ? votes[id] : null;
  } catch {
    return null;
  }
}

function saveVote(id: string, helpful: boolean) {
  try {
    const votes = JSON.parse(localStorage.getItem(VOTES_KEY) ?? '{}') as Record<string, boolean>;
    localStorage.setItem(VOTES_KEY, JSON.stringify({ ...votes, [id]: helpful }));
  } catch {
    // A full or blocked storage only forgets which button was pressed; the vote counted.
  }
}

/** One vote per visitor, changeable: the server replaces an earlier vote from this visitor. */
function Helpful({ id, count }: { id: string; count: number }) {
  const { t } = useTranslation();
  const [vote, setVote] = useState<boolean | null>(() => savedVote(id));
  const [helpfulCount, setHelpfulCount] = useState(count);
  const [problem, setProblem] = useState<HelpError | null>(null);
  const cast = async (helpful: boolean) => {
    setProblem(null);
    try {
      const data = await request(Vote, { id, helpful });
      setVote(helpful);
      saveVote(id, helpful);
      setHelpfulCount(data.voteFaq.helpfulCount);
    } catch (error) {
      setProblem(error instanceof HelpError ? error : new HelpError('INTERNAL'));
    }
  };
  return (
    <section className="card helpful" aria-labelledby="helpful-title">
      <h2 id="helpful-title" className="section-title">{t('helpful')}</h2>
      <div className="switch">
        <button type="button" aria-pressed={vote === true} onClick={() => void cast(true)}>{t('yes')}</button>
        <button type="button" aria-pressed={vote === false} onClick={() => void cast(false)}>{t('no')}</button>
      </div>
      {vote !== null && <p className="muted small" role="status">{t('voted')}</p>}
      {helpfulCount > 0 && <p className="muted small">{t('votes', { helpful: helpfulCount })}</p>}
      {problem && <Failure code={problem.code} retryAfter={problem.retryAfter} />}
    </section>
  );
}

function EntryPage() {
  const { t, i18n } = useTranslation();
  const { entryId } = useParams<{ entryId: string }>();
  const loaded = useRequest(Entry, { id: entryId }, entryId);
  const entry = loaded.state === 'done' ? loaded.data.faqEntry : null;
  const audience: Audience = entry?.audience === 'SELLER' ? 'SELLER' : 'BUYER';
  const related = useRequest(
    Entries,
    entry ? { category: entry.category, audience, locale: entry.locale, first: 6 } : null,
    entry ? `related|${entry.id}` : 'none',
  );
  useEffect(() => {
    if (entry) document.title = `${entry.question} · ${t('brand')}`;
  }, [entry, t]);
  if (loaded.state === 'loading') return <Loading />;
  if (loaded.state === 'error') return <Failure code={loaded.code} />;
  if (!entry) {
    return (
      <>
        <p className="notice" role="status">{t('notFound')}</p>
        <Link href="/help" className="back">← {t('back')}</Link>
      </>
    );
  }
  const others = related.state === 'done' ? related.data.faqEntries.nodes.filter((other) => other.id !== entry.id).slice(0, 5) : [];
  return (
    <article>
      <Link href={`/help?audience=${audience}`} className="back">← {t('back')}</Link>
      <p className="tag">{t(`category.${entry.category}`)}</p>
      <h1 lang={entry.locale}>{entry.question}</h1>
      <Suspense fallback={<p className="answer">{entry.answer}</p>}>
        <div lang={entry.locale}>
          <Answer markdown={entry.answer} />
        </div>
      </Suspense>
      <p className="muted small">{new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeZone: 'Asia/Seoul' }).format(new Date(entry.updatedAt))}</p>
      <Helpful id={entry.id} count={entry.helpfulCount} />
      {others.length > 0 && (
        <section>
          <h2 className="section-title">{t('related')}</h2>
          <EntryList entries={others} />
        </section>
      )}
      <ContactLink category={categoryOf(entry.category) ?? 'OTHER'} audience={audience} />
    </article>
  );
}

function ContactPage() {
  const { t, i18n } = useTranslation();
  const params = useParams<{ category: string }>();
  const audience = useAudience();
  const category = categoryOf(params.category);
  const loaded = useRequest(Contact, category ? { category, audience, locale: i18n.language } : null, `${params.category}|${audience}|${i18n.language}`);
  if (!category) return <p className="notice">{t('notFound')}</p>;
  const name = t(`category.${category}`);
  return (
    <>
      <Link href={`/help/categories/${category}?audience=${audience}`} className="back">← {name}</Link>
      <h1>{t('contactTitle', { category: name })}</h1>
      <Show loaded={loaded}>
        {(data) => {
          const options = data.contactOptions;
          const minutes = options.expectedWaitMinutes;
          return (
            <>
              {options.suggestedFaqs.length > 0 && (
                <section className="card">
                  <h2 className="section-title">{t('tryFirst')}</h2>
                  <EntryList entries={options.suggestedFaqs} />
                </section>
              )}
              <section className="card">
                <h2 className="section-title">{t('channelsTitle')}</h2>
                <ol className="channels" data-testid="channels">
                  {options.recommendedChannels.map((channel) => <li key={channel}>{t(`channel.${channel}`)}</li>)}
                </ol>
              </section>
              <section className="card">
                <h2 className="section-title">{t('readyTitle')}</h2>
                {options.requiredInformation.length === 0 ? (
                  <p className="muted">{t('nothingToPrepare')}</p>
                ) : (
                  <ul>{options.requiredInformation.map((item) => <li key={item}>{t(`ready.${item}`, { defaultValue: item })}</li>)}</ul>
                )}
                <p data-testid="wait">{minutes >= 120 ? t('waitHours', { hours: Math.round(minutes / 60) }) : t('wait', { minutes })}</p>
                <a className="button" href={`/my/tickets/new?category=${category}`}>{t('openTicket')}</a>
              </section>
            </>
          );
        }}
      </Show>
    </>
  );
}

/** The help center's pages, under `/help` (the server sends this page for every one). */
export function HelpApp() {
  return (
    <Layout>
      <Switch>
        <Route path="/help" component={HomePage} />
        <Route path="/help/categories/:category" component={CategoryPage} />
        <Route path="/help/entries/:entryId" component={EntryPage} />
        <Route path="/help/contact/:category" component={ContactPage} />
        <Route component={NotFound} />
      </Switch>
    </Layout>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return <p className="notice">{t('notFound')}</p>;
}
