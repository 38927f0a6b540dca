/**
 * One idempotency key per attempt at a money-moving action. The key stays the same while the
 * input stays the same (a double click, a retry after a network error: the server answers
 * the first refund again), and changes once the attempt succeeded or the input changed (a
 * new refund, not a replay of the old one with other figures, which the server would refuse
 * with CONFLICT).
 */
export class Attempt<Input> {
  private key: string | null = null;
  private input: string | null = null;

  constructor(private readonly newKey: () => string = () => crypto.randomUUID()) {}

  /** The key to send with `input`. */
  keyFor(input: Input): string {
    const fingerprint = JSON.stringify(input);
    if (this.key === null || this.input !== fingerprint) {
      this.key = this.newKey();
      this.input = fingerprint;
    }
    return this.key;
  }

  /** The attempt went through: the next one is a new action. */
  succeeded(): void {
    this.key = null;
    this.input = null;
  }
}
