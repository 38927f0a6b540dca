import { describe, expect, it } from 'vitest';
import { Attempt } from './attempt';

function counter() {
  let n = 0;
  return () => `key-${++n}`;
}

describe('Attempt', () => {
  it('keeps one key for repeated sends of the same input', () => {
    const attempt = new Attempt<{ amount: number }>(counter());
    expect(attempt.keyFor({ amount: 5000 })).toBe('key-1');
    expect(attempt.keyFor({ amount: 5000 })).toBe('key-1');
  });

  it('takes a new key when the input changes', () => {
    const attempt = new Attempt<{ amount: number }>(counter());
    attempt.keyFor({ amount: 5000 });
    expect(attempt.keyFor({ amount: 6000 })).toBe('key-2');
  });

  it('takes a new key after a success, even for the same input', () => {
    const attempt = new Attempt<{ amount: number }>(counter());
    attempt.keyFor({ amount: 5000 });
    attempt.succeeded();
    expect(attempt.keyFor({ amount: 5000 })).toBe('key-2');
  });
});
