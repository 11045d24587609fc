/**
 * One live mirror between two runtimes. States, forward only within a connection:
 * - `starting`: agreed state loaded from disk; the first full reconcile has not finished.
 * - `in-sync` / `syncing`: watching both sides; watch events queue paths, which are reconciled
 *   after a short quiet period (DEBOUNCE_MS), one pass at a time. `syncing` while a pass moves
 *   files; a pass that finds nothing to move (rescans, echoes of its own writes) stays `in-sync`.
 * - `error`: a side could not be reached (a cut connection, a stopped worker). Retried with
 *   backoff; the pass that succeeds is a full reconcile against the agreed state and watches are
 *   taken again, so edits made on either side while cut off arrive, and edits on both are conflicts.
 * - `paused`: nothing is watched or moved until resume, which starts with a full reconcile.
 * `conflicts` is reported over in-sync when some are open. Per-path errors do not change the state.
 */
import type { Logger } from '../log';
import type { Disposable, FsEvent, Runtime } from '../runtimes/runtime';
import { IgnoreRules } from './ignore';
import { agree, collapseRoots, reconcilePass, type PassContext, type Side, type Transfer } from './reconcile';
import { hashFiles, scanTree, SideUnavailableError } from './scan';
import { StateStore, type Conflict } from './state-store';
import { copyFile, reasonOf, removePath, writeContent } from './transfer';

export type MirrorState = 'starting' | 'in-sync' | 'syncing' | 'conflicts' | 'paused' | 'error';

export interface MirrorStatus {
  state: MirrorState;
  /** Paths queued or being moved. */
  pending: number;
  conflicts: number;
  errors: { path: string; side: Side; reason: string }[];
  /** Why the mirror is in `error`. */
  detail: string | null;
  lastSyncAt: number | null;
}

export type Resolution = { keep: Side } | { content: Uint8Array };

export interface MirrorEngineOptions {
  /** The two sides' runtimes, asked for at each connect (a rebuilt runtime is picked up). */
  sides: () => Promise<{ a: Runtime; b: Runtime }>;
  /** DATA_DIR/mirrors/<id>. */
  dir: string;
  patterns: readonly string[];
  paused?: boolean;
  log: Logger;
  debounceMs?: number;
  /** How often reachability is checked while idle. */
  healthIntervalMs?: number;
}

const DEBOUNCE_MS = 40;
const HEALTH_INTERVAL_MS = 5_000;
/** A full pass this often while idle: a watch that died silently (a restarted daemon, a dropped
 * link) loses no edit for longer than this. Cheap: sizes and mtimes vouch for unchanged files. */
const RESCAN_EVERY_HEALTH_CHECKS = 6;
/** One more full pass this long after the first one of a connection: a remote watch can become
 * live only after that pass ended (the SSH runner registers it once the workspace is bound). */
const SETTLE_PASS_MS = 3_000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;
/** Beyond this many queued roots one full pass is cheaper than naming them all. */
const MAX_ROOTS = 300;
const TRANSFERS_KEPT = 50;
const MAX_GITIGNORE_BYTES = 1024 * 1024;

export class MirrorEngine {
  private readonly store: StateStore;
  private readonly errors = new Map<string, { side: Side; reason: string }>();
  private readonly transfers: Transfer[] = [];
  /** Since start: files written and their bytes (the bench reads them). */
  private readonly moved = { files: 0, bytes: 0 };
  private readonly queued = new Set<string>();
  private full = true;
  private state: MirrorState = 'starting';
  private detail: string | null = null;
  private lastSyncAt: number | null = null;
  private inPass = 0;
  private watches: Disposable[] = [];
  private timer: NodeJS.Timeout | null = null;
  private health: NodeJS.Timeout | null = null;
  private retryMs = RETRY_MIN_MS;
  private healthChecks = 0;
  private settle: NodeJS.Timeout | null = null;
  private settlePending = false;
  private running: Promise<void> = Promise.resolve();
  private draining = false;
  private ignore: IgnoreRules;
  private gitignoreStale = true;
  private disposed = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: MirrorEngineOptions) {
    this.store = new StateStore(opts.dir);
    this.ignore = IgnoreRules.from(opts.patterns, null);
    if (opts.paused) this.state = 'paused';
  }

  async start(): Promise<void> {
    await this.store.load();
    if (this.state !== 'paused') await this.connect();
  }

  status(): MirrorStatus {
    const conflicts = this.store.conflicts.size;
    let state = this.state;
    if (state === 'in-sync' && conflicts) state = 'conflicts';
    return {
      state,
      pending: this.queued.size + this.inPass,
      conflicts,
      errors: [...this.errors].map(([path, e]) => ({ path, ...e })),
      detail: this.detail,
      lastSyncAt: this.lastSyncAt,
    };
  }

  /** The last transfers, newest first. */
  recentTransfers(): Transfer[] {
    return [...this.transfers].reverse();
  }

  /** Files written and bytes moved since this engine started. */
  totals(): { files: number; bytes: number } {
    return { ...this.moved };
  }

  conflicts(): Conflict[] {
    return [...this.store.conflicts.values()];
  }

  /** A conflict version's content, when it is a file of at most `maxBytes`. */
  conflictContent(hash: string | undefined, maxBytes: number): Promise<Buffer | null> {
    return hash ? this.store.readBlob(hash, maxBytes) : Promise.resolve(null);
  }

  /** Stop watching and moving; resolves once a pass under way has finished. */
  async pause(): Promise<void> {
    if (this.state !== 'paused') {
      this.unwatch();
      this.queued.clear();
      this.state = 'paused';
      this.detail = null;
    }
    await this.running;
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'starting';
    void this.connect().catch((err: Error) => this.failed(err));
  }

  /** Resolves when nothing is queued or running (tests and the bench wait on it). */
  idle(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Settle a conflict: keep one side's current version, or write merged content to both. */
  resolve(path: string, how: Resolution): Promise<void> {
    const c = this.store.conflicts.get(path);
    if (!c) return Promise.reject(Object.assign(new Error(`no conflict at "${path}"`), { code: 'ENOENT' }));
    return this.exclusive(async () => {
      const { a, b } = await this.opts.sides();
      const started = Date.now();
      const [ta, tb] = await Promise.all([scanTree(a, [path], this.ignore), scanTree(b, [path], this.ignore)]);
      const ea = ta.get(path) ?? null;
      const eb = tb.get(path) ?? null;
      for (const [rt, e] of [[a, ea], [b, eb]] as const) if (e?.type === 'file') e.hash = (await hashFiles(rt, [path])).hashes.get(path);
      if ('content' in how) {
        const mode = (ea?.type === 'file' ? ea.mode : eb?.type === 'file' ? eb.mode : 0o644) & 0o777;
        const chunks = () => (async function* () {
          yield how.content;
        })();
        const ra = await writeContent(a, path, chunks(), mode);
        const rb = await writeContent(b, path, chunks(), mode);
        const entry = { type: 'file' as const, hash: ra.hash, mode, size: ra.size };
        agree(this.ctx(a, b), path, { ...entry, mtime: ra.stat.mtime }, { ...entry, mtime: rb.stat.mtime, hash: rb.hash });
      } else {
        const from = how.keep === 'a' ? a : b;
        const to = how.keep === 'a' ? b : a;
        const win = how.keep === 'a' ? ea : eb;
        if (!win) {
          await removePath(to, path);
          agree(this.ctx(a, b), path, null, null);
        } else if (win.type === 'file') {
          const r = await copyFile(from, to, path, win.mode);
          const dst = { ...win, hash: r.hash, size: r.stat.size, mtime: r.stat.mtime };
          agree(this.ctx(a, b), path, ...((how.keep === 'a' ? [win, dst] : [dst, win]) as [typeof win, typeof win]));
        } else {
          // A folder or a link: agree on the losing side's version, and the next pass carries the winner.
          const loser = how.keep === 'a' ? eb : ea;
          agree(this.ctx(a, b), path, loser, loser);
          this.queued.add(path);
        }
      }
      this.store.conflicts.delete(path);
      await this.store.pruneBlobs([c.a.hash, c.b.hash]);
      await this.store.flush();
      this.record({ at: Date.now(), path, direction: 'content' in how ? null : how.keep === 'a' ? 'a-to-b' : 'b-to-a', action: 'resolve', bytes: 0, ms: Date.now() - started });
      this.schedule(0);
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.unwatch();
    await this.running.catch(() => {});
    await this.store.dispose();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Forget everything on disk (the mirror was removed). */
  async destroy(): Promise<void> {
    await this.dispose();
    await this.store.destroy();
  }

  private isPaused(): boolean {
    return this.state === 'paused';
  }

  private busy(): boolean {
    return this.draining || this.timer !== null || this.queued.size > 0 || (this.full && this.state !== 'paused' && this.state !== 'error');
  }

  private async connect(): Promise<void> {
    this.unwatch();
    // The pass is due at once (so whoever waits for the mirror to settle waits for it); it starts
    // on a timer, after the runtimes below are in hand and both watches are taken.
    this.full = true;
    this.settlePending = true;
    this.schedule(0);
    this.health = setInterval(() => void this.checkHealth(), this.opts.healthIntervalMs ?? HEALTH_INTERVAL_MS);
    this.health.unref?.();
    const { a, b } = await this.opts.sides();
    if (this.disposed || this.health === null) return; // paused or disposed meanwhile
    const on = (side: Side) => (events: FsEvent[]) => this.onEvents(side, events);
    this.watches = [a.fs.watch(on('a')), b.fs.watch(on('b'))];
  }

  private unwatch(): void {
    for (const w of this.watches) w.dispose();
    this.watches = [];
    if (this.health) clearInterval(this.health);
    this.health = null;
    if (this.settle) clearTimeout(this.settle);
    this.settle = null;
    this.settlePending = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private onEvents(_side: Side, events: FsEvent[]): void {
    if (this.state === 'paused' || this.disposed) return;
    for (const e of events) {
      if (!e.path || this.ignore.ignores(e.path, e.type === 'addDir' || e.type === 'unlinkDir')) continue;
      if (e.path === '.gitignore') this.gitignoreStale = true;
      this.queued.add(e.path);
    }
    if (this.queued.size) this.schedule(this.opts.debounceMs ?? DEBOUNCE_MS);
  }

  private schedule(ms: number): void {
    if (this.disposed || this.state === 'paused') return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.exclusive(() => this.drain());
    }, ms);
  }

  /** Run `fn` after whatever runs now (passes and resolutions never overlap). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.running.then(fn);
    this.running = p.then(
      () => {},
      () => {},
    );
    return p;
  }

  private async drain(): Promise<void> {
    if (this.disposed || this.state === 'paused') return this.wakeIdle();
    this.draining = true;
    try {
      while ((this.full || this.queued.size) && !this.disposed && !this.isPaused()) {
        const full = this.full || this.queued.size > MAX_ROOTS;
        const roots = full ? [''] : collapseRoots(this.queued);
        this.full = false;
        this.queued.clear();
        try {
          if (this.gitignoreStale || full) await this.loadIgnore();
          const { a, b } = await this.opts.sides();
          await reconcilePass(this.ctx(a, b), roots);
          this.lastSyncAt = Date.now();
          if (this.isPaused()) return; // paused while the pass ran
          if (full && this.settlePending) {
            this.settlePending = false;
            this.settle = setTimeout(() => {
              this.settle = null;
              this.full = true;
              this.schedule(0);
            }, SETTLE_PASS_MS);
            this.settle.unref?.();
          }
          if (this.state === 'error') await this.reconnected();
          this.state = 'in-sync';
          this.detail = null;
          this.retryMs = RETRY_MIN_MS;
        } catch (err) {
          if (!this.isPaused()) this.failed(err);
          return;
        } finally {
          this.inPass = 0;
        }
      }
    } finally {
      this.draining = false;
      this.wakeIdle();
    }
  }

  private ctx(a: Runtime, b: Runtime): PassContext {
    return {
      a,
      b,
      store: this.store,
      ignore: this.ignore,
      errors: this.errors,
      record: (t) => this.record(t),
      progress: (n) => {
        this.inPass = n;
        // "Syncing" means files are moving: a pass that finds nothing to do (a rescan, the echo
        // of the mirror's own writes) leaves an in-sync mirror in sync rather than flickering.
        if (n > 0 && this.state === 'in-sync') this.state = 'syncing';
      },
      again: (p) => this.queued.add(p),
    };
  }

  private record(t: Transfer): void {
    if (t.action === 'write') {
      this.moved.files++;
      this.moved.bytes += t.bytes;
    }
    this.transfers.push(t);
    if (this.transfers.length > TRANSFERS_KEPT) this.transfers.splice(0, this.transfers.length - TRANSFERS_KEPT);
  }

  /** A side was out of reach: keep what was asked for, retry with backoff (a full pass). */
  private failed(err: unknown): void {
    const why = err instanceof SideUnavailableError ? err.message : reasonOf(err).reason;
    if (this.state !== 'error') this.opts.log.warn('mirror side unreachable', { error: why });
    this.state = 'error';
    this.detail = why;
    this.full = true; // whatever `roots` held, a full pass covers it
    this.queued.clear();
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.schedule(wait);
  }

  /** Back after an error: watches may have died with the connection, so take them again. */
  private async reconnected(): Promise<void> {
    for (const w of this.watches) w.dispose();
    const { a, b } = await this.opts.sides();
    this.watches = [a.fs.watch((e) => this.onEvents('a', e)), b.fs.watch((e) => this.onEvents('b', e))];
    this.opts.log.info('mirror reconnected');
  }

  private async checkHealth(): Promise<void> {
    if (this.busy() || this.state === 'paused' || this.state === 'error' || this.disposed) return;
    const { a, b } = await this.opts.sides();
    const [ha, hb] = await Promise.all([a.health(), b.health()]).catch(() => [{ ok: false, detail: 'no answer' }, { ok: false, detail: 'no answer' }]);
    if (ha.ok && hb.ok) {
      if (++this.healthChecks % RESCAN_EVERY_HEALTH_CHECKS === 0 && !this.busy() && !this.isPaused() && !this.disposed) {
        this.full = true;
        this.schedule(0);
      }
      return;
    }
    this.failed(new SideUnavailableError(`a side is out of reach: ${(ha.ok ? hb : ha).detail ?? 'no answer'}`));
  }

  private async loadIgnore(): Promise<void> {
    const { a, b } = await this.opts.sides();
    const read = (rt: Runtime) =>
      rt.fs.readFile('.gitignore', MAX_GITIGNORE_BYTES).then(
        (d) => new TextDecoder().decode(d),
        () => null,
      );
    const text = (await read(a)) ?? (await read(b));
    this.ignore = IgnoreRules.from(this.opts.patterns, text);
    this.gitignoreStale = false;
  }

  private wakeIdle(): void {
    if (this.busy()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
