/** A terminal over direct SSH: an exec channel with a PTY on a pooled connection. */
import type { ClientChannel } from 'ssh2';
import type { ExitInfo } from '../../../lib/protocol';
import type { PtyProcess } from '../runtime';
import { PtyExit } from '../pty-exit';
import type { ExecHandle } from './ssh-exec';

const KILL_GRACE_MS = 3000;

export class SshPty implements PtyProcess {
  readonly pid = undefined;
  private ended = false;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly exit = new PtyExit();
  private readonly channel: ClientChannel;

  constructor(
    handle: ExecHandle,
    readonly command: string,
    private readonly where: string,
  ) {
    this.channel = handle.channel;
    handle.once('close', () => {
      this.ended = true;
      clearTimeout(this.killTimer);
      const lost = handle.exit ? undefined : `the connection to ${this.where} was lost`;
      this.exit.end(handle.exit ?? { code: null, signal: null }, lost);
    });
  }

  onData(listener: (data: Uint8Array) => void): void {
    this.channel.on('data', listener);
    this.channel.stderr.on('data', listener);
  }
  onExit(listener: (exit: ExitInfo, lost?: string) => void): void {
    this.exit.listen(listener);
  }
  write(data: Uint8Array): void {
    if (!this.ended) this.channel.write(data);
  }
  resize(cols: number, rows: number): void {
    if (!this.ended) this.channel.setWindow(rows, cols, 0, 0);
  }
  pause(): void {
    this.channel.pause();
  }
  resume(): void {
    this.channel.resume();
  }
  kill(): void {
    if (this.ended) return;
    this.channel.resume(); // let the last output drain so EXIT follows every byte
    this.channel.signal('HUP');
    // Closing the channel closes the PTY: the shell gets SIGHUP from the kernel too.
    this.channel.close();
    this.killTimer ??= setTimeout(() => this.channel.destroy(), KILL_GRACE_MS);
  }
  dispose(): void {
    this.kill();
  }
}
