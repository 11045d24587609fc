/**
 * ttyd (github.com/tsl0922/ttyd, 1.7), the peer the benchmarks compare with: one started on
 * loopback, and a client for its WebSocket protocol. ttyd has one terminal per WebSocket: the
 * client's first message is JSON (`AuthToken`, `columns`, `rows`), on which ttyd spawns its
 * command; output arrives as '0' + bytes (and '1' a title, '2' preferences, both ignored here),
 * input goes as '0' + bytes; the socket closes when the command has exited (code 1000 when it
 * exited 0).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { freePort, portAnswers } from '../../server/testing/free-port';
import { Waiters } from '../../server/testing/waiters';

/** Resolves once something accepts connections on the loopback port. */
export async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await portAnswers(port)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on port ${port}`);
}

export interface TtydServer {
  port: number;
  child: ChildProcess;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
}

/**
 * ttyd on loopback, writable, quiet (`-d 0`), spawning `command` (argv) for every connection;
 * `flags` go before the command (`-o`: one client, then exit; `-a`: each connection's `?arg=`
 * values are appended to the command's argv).
 */
export async function startTtyd(bin: string, command: readonly string[], flags: readonly string[] = []): Promise<TtydServer> {
  const port = await freePort();
  const child = spawn(bin, ['-p', String(port), '-i', 'lo', '-W', '-d', '0', ...flags, ...command], { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill();
    await exited;
  };
  try {
    await waitForPort(port);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, child, stop };
}

export interface TtydConnectOptions {
  /** `?arg=` values (a server started with `-a` appends them to its command). */
  args?: readonly string[];
  columns?: number;
  rows?: number;
  /** Each output chunk as it arrives. */
  onOutput?: (data: Buffer) => void;
}

/** One terminal on a ttyd: counts its output and closes with it. */
export class TtydClient {
  /** Output bytes so far. */
  received = 0;
  /** performance.now() of the last output. */
  lastOutputAt = 0;
  closeInfo: { code: number; reason: string } | null = null;
  private readonly waiters = new Waiters();

  private constructor(readonly ws: WebSocket, onOutput?: (data: Buffer) => void) {
    ws.on('message', (d: Buffer) => {
      if (d[0] === 0x30) {
        const data = d.subarray(1);
        this.received += data.length;
        this.lastOutputAt = performance.now();
        onOutput?.(data);
      }
      this.notify();
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.notify();
    });
  }

  /** Connects and asks for the terminal (its command starts on ttyd's side). */
  static connect(port: number, opts: TtydConnectOptions = {}): Promise<TtydClient> {
    const query = (opts.args ?? []).map((a) => `arg=${encodeURIComponent(a)}`).join('&');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query ? `?${query}` : ''}`, ['tty'], { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    const client = new TtydClient(ws, opts.onOutput);
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        ws.off('error', reject);
        ws.on('error', () => {}); // a reset shows as the close that follows
        ws.send(Buffer.from(JSON.stringify({ AuthToken: '', columns: opts.columns ?? 120, rows: opts.rows ?? 40 })));
        resolve(client);
      });
      ws.once('error', reject);
    });
  }

  input(data: string): void {
    this.ws.send(Buffer.from('0' + data));
  }

  /** Resolve when `pred` holds (re-checked after every message and at the close). */
  until(pred: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
    return this.waiters.until(pred, timeoutMs, what);
  }


  async close(): Promise<void> {
    if (this.closeInfo) return;
    this.ws.close(1000);
    await this.until(() => this.closeInfo !== null, 5000, 'close');
  }

  private notify(): void {
    this.waiters.notify();
  }

}
