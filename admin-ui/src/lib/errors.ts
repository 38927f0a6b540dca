import type { CombinedError } from 'urql';
import i18n from './i18n';

/** The error codes of API.md, plus NETWORK for a request that never reached the server. */
export const ERROR_CODES = [
  'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'VALIDATION', 'CONFLICT', 'INVALID_STATE',
  'LIMIT_EXCEEDED', 'RATE_LIMITED', 'INTERNAL', 'NETWORK',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What the console shows for an API error, and the input field it belongs to. */
export interface ApiProblem {
  code: ErrorCode;
  /** The server's own sentence (English, specific), shown under the translated one. */
  detail?: string;
  field?: string;
  /** RATE_LIMITED: seconds until the next try is accepted. */
  retryAfter?: number;
}

export function problemOf(error: CombinedError | undefined): ApiProblem | null {
  if (!error) return null;
  if (error.networkError && error.graphQLErrors.length === 0) return { code: 'NETWORK' };
  const first = error.graphQLErrors[0];
  const code = first?.extensions?.code;
  const field = first?.extensions?.field;
  const retryAfter = first?.extensions?.retryAfterSeconds;
  return {
    code: ERROR_CODES.includes(code as ErrorCode) ? (code as ErrorCode) : 'INTERNAL',
    detail: first?.message,
    field: typeof field === 'string' ? field : undefined,
    retryAfter: typeof retryAfter === 'number' ? retryAfter : undefined,
  };
}

/** The translated sentence for a problem. */
export function describe(problem: ApiProblem): string {
  if (problem.code === 'RATE_LIMITED' && problem.retryAfter) {
    const minutes = Math.ceil(problem.retryAfter / 60);
    return problem.retryAfter < 60
      ? i18n.t('errors.retryInSeconds', { count: problem.retryAfter })
      : i18n.t('errors.retryInMinutes', { count: minutes });
  }
  return i18n.t(`errors.${problem.code}`);
}
