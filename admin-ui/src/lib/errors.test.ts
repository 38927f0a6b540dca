import { describe as group, expect, it } from 'vitest';
import { CombinedError } from 'urql';
import { describe, problemOf } from './errors';

group('problemOf', () => {
  it('reads when to try again from a rate-limit refusal', () => {
    const error = new CombinedError({
      graphQLErrors: [{ message: 'Too many attempts', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 125 } }],
    });
    const problem = problemOf(error);
    expect(problem).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 125 });
    expect(describe(problem!)).toBe('요청이 너무 많습니다. 3분 뒤에 다시 시도하세요.');
    expect(describe({ code: 'RATE_LIMITED', retryAfter: 20 })).toBe('요청이 너무 많습니다. 20초 뒤에 다시 시도하세요.');
  });
});
