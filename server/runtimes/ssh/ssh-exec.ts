/**
 * Exec channels on pooled SSH connections, with their exit status recorded from the moment they
 * open, and a shell line run to completion with its output collected.
 */
import type { Client, ClientChannel, ExecOptions as ExecOptionsSsh } from 'ssh2';
import type { ExitInfo } from '../../../lib/protocol';
import { RuntimeError } from '../runtime';
import type { PoolTarget, SshPool } from './pool';

/** POSIX shell single-quoting, for every word Tether puts on a remote command line. A NUL
 * cannot be passed through a shell at all, so it is refused rather than cut short. */
export function shellQuote(s: string): string {
  if (s.includes('\0')) throw new RuntimeError('spawn_failed', 'arguments may not contain NUL bytes');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function signalName(sig: string | undefined | null): string | null {
  if (!sig) return null;
  return sig.startsWith('SIG') ? sig : `SIG${sig}`;
}

/**
 * An exec channel whose exit status and close are recorded from the moment it opens: ssh2 can
 * emit 'exit' in the same tick as the open callback (a fast command's status arriving in the same
 * TCP read), before a caller awaiting the open could listen — the status would be lost.
 */
export class ExecHandle {
  exit: ExitInfo | null = null;
  closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(readonly channel: ClientChannel) {
    channel.on('exit', (code: number | null, signal?: string) => {
      this.exit = { code: signal ? null : code, signal: signalName(signal) };
    });
    channel.once('close', () => {
      this.closed = true;
      for (const l of this.closeListeners.splice(0)) l();
    });
    channel.on('error', () => {
      /* surfaces as 'close' */
    });
  }

  /** 'close' comes after every byte of output and the exit status. */
  once(_event: 'close', listener: () => void): void {
    if (this.closed) queueMicrotask(listener);
    else this.closeListeners.push(listener);
  }
}

export function openExec(client: Client, line: string, opts?: ExecOptionsSsh): Promise<ExecHandle> {
  return new Promise((resolve, reject) => {
    const cb = (err: Error | undefined, ch: ClientChannel) => (err ? reject(err) : resolve(new ExecHandle(ch)));
    if (opts) client.exec(line, opts, cb);
    else client.exec(line, cb);
  });
}


/** Run a shell line on a pooled connection to its end: exit code (null if killed or lost) and output. */
export async function runLine(pool: SshPool, target: PoolTarget, line: string): Promise<{ code: number | null; out: string; err: string }> {
  const handle = await pool.openChannel(target, (client) => openExec(client, line));
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    handle.channel.on('data', (d: Buffer) => (out += d.toString()));
    handle.channel.stderr.on('data', (d: Buffer) => (err += d.toString()));
    handle.once('close', () => resolve({ code: handle.exit?.code ?? null, out, err }));
  });
}
