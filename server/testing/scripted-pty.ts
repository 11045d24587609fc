/** A PtyProcess for tests of the terminal core: it prints what the test tells it to, and
 * ignores input, resizes, flow control and kills. */
import type { ExitInfo } from '../../lib/protocol';
import type { PtyProcess } from '../runtimes/runtime';

export class ScriptedPty implements PtyProcess {
  readonly pid = 1;
  readonly command = 'fake';
  private data: ((d: Uint8Array) => void)[] = [];
  print(s: string) {
    for (const l of this.data) l(new TextEncoder().encode(s));
  }
  onData(l: (d: Uint8Array) => void) {
    this.data.push(l);
  }
  onExit(_l: (e: ExitInfo) => void) {}
  write() {}
  resize() {}
  pause() {}
  resume() {}
  kill() {}
  dispose() {}
}
