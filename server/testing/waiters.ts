/**
 * Conditions a test client waits for, re-checked whenever the client says something changed
 * (a frame, a message, a close).
 */
export class Waiters {
  private waiting: (() => void)[] = [];

  /** Something changed: check every waiting condition again. */
  notify(): void {
    for (const w of this.waiting.splice(0)) w();
  }

  /** Resolve when `pred` holds; after `timeoutMs`, fail with "timed out waiting for <what>". */
  until(pred: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => {
        if (pred()) {
          clearTimeout(timer);
          resolve();
        } else this.waiting.push(check);
      };
      check();
    });
  }
}
