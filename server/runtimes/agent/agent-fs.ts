/**
 * Files of a workspace served by a worker agent: every operation is a structured CALL; the agent
 * applies the same path jail and atomic saves on its side. Watching is one agent watch (inotify
 * on the agent's machine) shared by all subscribers, registered again after a reconnect.
 */
import { AGENT_IO_CHUNK, type AgentMethod, type ParamsOf, type ResultOf } from '../../../lib/protocol';
import { readableByOpening, type Disposable, type FsEntry, type FsEvent, type FsStat, type RuntimeFs } from '../runtime';
import { WatchFanout } from '../watch-fanout';
import type { AgentClient } from './agent-client';

export class AgentFs implements RuntimeFs {
  private watchId: number | null = null;
  /** One agent watch for all subscribers, asked for again after a reconnect (the new link has none). */
  private readonly watches = new WatchFanout((emit) => {
    const offNotice = this.agent.onNotice((n) => {
      if (n.type === 'fs' && n.watch === this.watchId) emit(n.events);
    });
    const offReconnect = this.agent.onReconnect(() => void this.register());
    void this.register();
    return () => {
      offNotice();
      offReconnect();
      if (this.watchId !== null) void this.call('fs.unwatch', this.scoped({ watch: this.watchId })).catch(() => {});
      this.watchId = null;
    };
  });

  /**
   * @param workspace the agent's name for the workspace when it serves several (SSH runner, pty
   *   host); calls then carry it. A cloud worker serves one and needs none.
   */
  constructor(
    private readonly agent: AgentClient,
    private readonly onActivity: () => void,
    private readonly workspace?: string,
  ) {}

  private async call<M extends AgentMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    this.onActivity();
    return (await this.agent.call(method, params)).result;
  }

  /** Params with this workspace, when the agent serves several. */
  private scoped<P extends object>(params: P): P & { workspace?: string } {
    return this.workspace ? { ...params, workspace: this.workspace } : params;
  }

  readdir(dir: string): Promise<FsEntry[]> {
    return this.call('fs.readdir', this.scoped({ path: dir }));
  }
  stat(p: string): Promise<FsStat> {
    return this.call('fs.stat', this.scoped({ path: p }));
  }
  statEntries(dir: string, names: readonly string[]): Promise<(FsStat | null)[]> {
    return this.call('fs.statEntries', this.scoped({ path: dir, names }));
  }
  mkdir(p: string): Promise<void> {
    return this.call('fs.mkdir', this.scoped({ path: p }));
  }
  rm(p: string): Promise<void> {
    return this.call('fs.rm', this.scoped({ path: p }));
  }
  rename(from: string, to: string): Promise<void> {
    return this.call('fs.rename', this.scoped({ from, to }));
  }

  /** One call for the whole list; the agent answers with its LocalFs (the same jail as its reads).
   * An agent from before `fs.readable` is asked by opening each file instead. */
  async readable(paths: readonly string[]): Promise<boolean[]> {
    if (paths.length === 0) return [];
    try {
      const r = await this.call('fs.readable', this.scoped({ paths }));
      if (r.length === paths.length) return r;
    } catch (err) {
      if (!/unknown method/.test((err as Error).message)) throw err;
    }
    return readableByOpening(this, paths);
  }

  async readFile(p: string, maxBytes: number): Promise<Uint8Array> {
    const { size, stream, close } = await this.readStream(p);
    const chunks: Uint8Array[] = [];
    try {
      if (size > maxBytes) throw Object.assign(new Error(`"${p}" is ${size} bytes, over the ${maxBytes}-byte limit`), { code: 'EFBIG' });
      let total = 0;
      for await (const c of stream) {
        total += c.byteLength;
        if (total > maxBytes) throw Object.assign(new Error(`"${p}" is over the ${maxBytes}-byte limit`), { code: 'EFBIG' });
        chunks.push(c);
      }
    } finally {
      await close();
    }
    return Buffer.concat(chunks);
  }

  async readStream(p: string): Promise<{ size: number; stream: AsyncIterable<Uint8Array>; close(): Promise<void> }> {
    const { handle, size } = await this.call('fs.readOpen', this.scoped({ path: p }));
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await this.call('fs.close', this.scoped({ handle })).catch(() => {});
    };
    const agent = this.agent;
    // Handles are per link; the workspace only lets an agent serving several folders (a runner,
    // the pty host) find where the call belongs.
    const chunkParams = this.scoped({ handle });
    const stream = async function* () {
      try {
        for (;;) {
          const r = await agent.call('fs.readChunk', chunkParams);
          if (r.result.eof) return;
          yield r.tail;
        }
      } finally {
        await close();
      }
    };
    return { size, stream: stream(), close };
  }

  async writeFile(p: string, data: Uint8Array | AsyncIterable<Uint8Array>, opts: { exclusive?: boolean; maxBytes?: number } = {}): Promise<FsStat> {
    const { handle } = await this.call('fs.writeOpen', this.scoped({ path: p, exclusive: opts.exclusive === true, maxBytes: opts.maxBytes }));
    try {
      const send = async (chunk: Uint8Array) => {
        for (let off = 0; off < chunk.byteLength; off += AGENT_IO_CHUNK) {
          this.onActivity();
          await this.agent.call('fs.writeChunk', this.scoped({ handle }), chunk.subarray(off, off + AGENT_IO_CHUNK));
        }
      };
      if (data instanceof Uint8Array) await send(data);
      else for await (const c of data) await send(c);
      return await this.call('fs.writeCommit', this.scoped({ handle }));
    } catch (err) {
      await this.call('fs.close', this.scoped({ handle })).catch(() => {});
      throw err;
    }
  }

  watch(listener: (events: FsEvent[]) => void): Disposable {
    return this.watches.subscribe(listener);
  }

  dispose(): void {
    this.watches.dispose();
  }

  private async register(): Promise<void> {
    const r = await this.call('fs.watch', this.scoped({})).catch(() => null);
    if (r && this.watches.active) this.watchId = r.watch;
  }
}

