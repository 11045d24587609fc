/**
 * Input to a PTY master. node-pty queues every write to the thread pool (`fs.write`), so a
 * keystroke reaches the program one pool round trip and one more loop turn later; here a write
 * goes straight to the (non-blocking) descriptor when nothing is queued — what it cannot take
 * now (a paste into a program that is not reading) is queued in order and retried shortly.
 */
import { writeSync } from 'node:fs';

/** How soon a write the kernel refused (its input buffer full) is tried again. */
const RETRY_MS = 2;

export class PtyWriter {
  private readonly queue: Uint8Array[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly fd: number) {}

  write(data: Uint8Array): void {
    if (this.closed || data.byteLength === 0) return;
    if (this.queue.length > 0) {
      this.queue.push(data);
      return;
    }
    const n = this.tryWrite(data);
    if (n < data.byteLength && !this.closed) {
      this.queue.push(data.subarray(n));
      this.schedule();
    }
  }

  /** Nothing waits to be written. */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  /** Stop writing, answering what was not written yet (to go to the program another way). */
  closeTaking(): Uint8Array[] {
    const left = [...this.queue];
    this.close();
    return left;
  }

  /** The descriptor is about to be closed: nothing more is written (the queue is dropped). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private schedule(): void {
    this.timer ??= setTimeout(this.flush, RETRY_MS);
  }

  private readonly flush = (): void => {
    this.timer = undefined;
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0]!;
      const n = this.tryWrite(head);
      if (n < head.byteLength) {
        if (!this.closed) this.queue[0] = head.subarray(n);
        this.schedule();
        return;
      }
      this.queue.shift();
    }
  };

  /** Bytes written: 0 when the kernel takes none now. A PTY whose program is gone (EIO) takes
   * nothing ever again. */
  private tryWrite(data: Uint8Array): number {
    try {
      return writeSync(this.fd, data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
      this.close();
      return 0;
    }
  }
}
