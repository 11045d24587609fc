/**
 * The gateway's end of an agent link: one link to a worker agent (a cloud worker over a
 * WebSocket, an SSH runner over an exec channel, the local pty host over a Unix socket) carrying
 * terminal channels (wire protocol v1) and CALL/REPLY requests. When the link drops it reconnects
 * with backoff and re-attaches every terminal with `resumeFrom` = the bytes it already has, so
 * output continues exactly; calls in flight fail (the caller may retry). When the agent is gone
 * (`dial` throws AgentGoneError, or it stays unreachable past `lostAfterMs`), its terminals end
 * as lost.
 */
import { closeSync } from 'node:fs';
import WebSocket from 'ws';
import {
  ACK_EVERY_BYTES,
  AgentOp,
  MAX_FRAME_BYTES,
  ProtocolClient,
  backoffDelay,
  decodeAgentResult,
  decodeNotice,
  decodeReply,
  encodeCall,
  type AgentMethod,
  type AgentNotice,
  type ErrorInfo,
  type ExitInfo,
  type FrameTransport,
  type OpenRequest,
  type ParamsOf,
  type ProtocolChannel,
  type ResultOf,
  type TailInMethod,
} from '../../../lib/protocol';
import { TitleScanner, type ScanResult } from '../../../lib/shared/title-scanner';
import type { Logger } from '../../log';
import { fsError, RuntimeError, type OutputStore, type TerminalAnnouncement } from '../runtime';
import type { LinkSocket } from './framed-stream';

/** Where a worker's agent listens (`ws://…/`) and the bearer secret it demands. */
export interface WorkerEndpoint {
  url: string;
  secret: string;
}

/** The agent no longer exists (not a network problem): its terminals are lost at once. */
export class AgentGoneError extends RuntimeError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

export interface AgentClientOptions {
  /** Open a link (not yet HELLO'd). Throw when unreachable, AgentGoneError when gone for good. */
  dial(): Promise<LinkSocket>;
  log: Logger;
  /** Terminals end as lost after the agent has been unreachable this long. */
  lostAfterMs: number;
  /** For messages: "the cloud worker", "the runner on host", "the pty host". */
  name: string;
  /** The reason a terminal ends with when the agent no longer has it (default: "<name> lost this terminal"). */
  lostTerminal?: string;
  /** Run on every new link before anything else uses it (claims, bindings); `callNow` bypasses
   * the wait for the link. A rejection closes the link and fails the connect. */
  afterConnect?(callNow: CallNow): Promise<void>;
  /**
   * Read terminals' output here instead of having it relayed (the local pty host only: the
   * descriptors it answers mean something only on this machine): `reader` makes a reader with
   * its record, or throws when this machine cannot; at most `max` terminals are read here at
   * once, the agent relays the others.
   */
  lend?: {
    reader(): LentTerminalReader;
    max: number;
    /** Files the agent keeps terminals' output in for this gateway to read (`terminals.ring`,
     * runtimes/local/host-ring.ts): `make` one for the agent to open, `open` the agent's for a
     * session's ring to read from stream offset `from` on. Both throw when they cannot. */
    ringFiles?: {
      make(): ParamsOf<'terminals.ring'>['file'];
      open(shared: ResultOf<'terminals.ring'>, from: number): OutputStore;
    };
  };
}

/** The gateway's reader of a lent terminal (server/runtimes/local/lent-reader.ts). */
export interface LentTerminalReader {
  /** Where it writes what it reads, for the agent to open (`terminals.lend` params). */
  readonly record: { pid: number; fd: number; bytes: number };
  /** Lent: read PTY descriptor `grant.fd` of process `grant.pid`; `deliver` hears each read once it is recorded. */
  start(grant: { pid: number; fd: number; offset: number }, deliver: (data: Uint8Array) => void): void;
  pause(): void;
  resume(): void;
  /** Read what is there now (all of it, when the program ended), then stop. Answers input the
   * program has not taken yet. */
  finish(): Uint8Array[];
  /** Input straight to the program. */
  write(data: Uint8Array): void;
  /** The record, for reading what was read from the lend's offset on (after start). */
  store?(): OutputStore;
  /** Stop reading (everything read is in the record); close what is held here. Answers input
   * the program has not taken yet. */
  stop(): Uint8Array[];
}

/** What a scan of output found, as the announcements an agent sends. */
function announcements(found: ScanResult): TerminalAnnouncement[] {
  const out: TerminalAnnouncement[] = [];
  if (found.title !== null) out.push({ type: 'title', title: found.title });
  if (found.notify) out.push({ type: 'notify', ...found.notify });
  else if (found.bell) out.push({ type: 'bell' });
  return out;
}

/** A lend refused as `busy` is asked again this often, this many times. */
const LEND_RETRY_MS = 50;
const LEND_TRIES = 40;

/** A call on the link being set up (AgentClientOptions.afterConnect): answers the result. */
export type CallNow = <M extends AgentMethod>(method: M, params: ParamsOf<M>) => Promise<ResultOf<M>>;

/** A binary tail goes only with the methods that carry one (AGENT_METHODS `tailIn`). */
type TailIn<M extends AgentMethod> = M extends TailInMethod ? Uint8Array : never;

export interface AgentReply<M extends AgentMethod> {
  /** Checked against the method's result schema. */
  result: ResultOf<M>;
  /** Empty unless the method answers with one (AGENT_METHODS `tailOut`). */
  tail: Uint8Array;
}

/** A WebSocket to a cloud worker's agent, open. */
export function connectWebSocket(ep: WorkerEndpoint, name: string): Promise<LinkSocket> {
  const ws = new WebSocket(ep.url, { headers: { authorization: `Bearer ${ep.secret}` }, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  return new Promise((resolve, reject) => {
    ws.once('error', (err) => reject(new RuntimeError('unavailable', `cannot reach ${name}: ${err.message}`)));
    ws.once('open', () => {
      ws.removeAllListeners('error');
      resolve(ws);
    });
  });
}

export interface TerminalHandlers {
  onData(data: Uint8Array): void;
  /** What the agent found in the output (it scans it; the gateway does not scan it again). */
  onAnnouncement(event: TerminalAnnouncement): void;
  onExit(exit: ExitInfo, lost?: string): void;
  /** Output delivered from now on is kept in `store` as well (PtyProcess.onStore); null: no longer. */
  onStore?(store: OutputStore | null): void;
}

interface Terminal {
  /** Channel number, received offset and resumeFrom, duplicates, ACKs (held while paused). */
  wire: ProtocolChannel;
  cols: number;
  rows: number;
  ended: boolean;
  handlers: TerminalHandlers;
  opened?: { resolve(o: { offset: number; pid?: number; title?: string }): void; reject(err: Error): void };
  /** Its output is read here (AgentClientOptions.lend). */
  lent?: LentTerminalReader;
  /** A `terminals.lend` call is on its way; `recalled`: the agent wanted it back before the
   * answer was handled (its give-back came in the same read as the REPLY). */
  borrowing?: boolean;
  recalled?: boolean;
  /** Its session's ring reads the agent's file of its output (`terminals.ring`), or asks to. */
  shared?: boolean;
  /** The agent keeps its output in a file from this offset on: the ring reads it there once
   * what came before has arrived. */
  shareFrom?: ResultOf<'terminals.ring'>;
  /** Given back while it may still run: ask for the agent's file when relayed output comes. */
  shareOnOutput?: boolean;
}

const CONNECT_TIMEOUT_MS = 10_000;
/** The last partial batch of output is acked this long after it arrived (as a browser does:
 * TRAILING_ACK_MS; a terminal printing a line every 100 ms costs no ACK per line). */
const LINK_TRAILING_ACK_MS = 250;
/** Re-dial at once after a lost link; after a failed attempt back off from 200 ms up to 5 s. */
const RECONNECT_BACKOFF = { baseMs: 200, capMs: 5000, jitter: 'equal', immediateFirst: true } as const;

/** Frames to a link as binary messages. */
function linkTransport(ws: LinkSocket): FrameTransport {
  return {
    send: (frame) => {
      ws.send(frame, { binary: true });
      return true;
    },
  };
}

export class AgentClient {
  private ws: LinkSocket | null = null;
  private ready: Promise<void> | null = null;
  /** Terminal channels over wire protocol v1, acked as output arrives: in batches, so a flood
   * costs both ends one small ACK frame per 64 KiB rather than one per OUTPUT frame. */
  private readonly protocol = new ProtocolClient({ ack: { on: 'receive', every: ACK_EVERY_BYTES, trailingMs: LINK_TRAILING_ACK_MS } });
  private nextCall = 1;
  private readonly terminals = new Set<Terminal>();
  private readonly calls = new Map<number, { resolve(v: { result: unknown; tail: Uint8Array }): void; reject(err: Error): void }>();
  private readonly noticeListeners = new Set<(n: AgentNotice) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private disposed = false;
  private unreachableSince: number | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Terminals may be lent to this gateway (cleared when the agent cannot lend, or taking fails). */
  private lending: boolean;
  /** The agent's files of terminals' output may be read here (cleared when it cannot). */
  private sharingRings = true;

  constructor(private readonly opts: AgentClientOptions) {
    this.lending = opts.lend !== undefined;
  }

  /** Terminals open through this client and not ended. */
  get activeTerminals(): number {
    let n = 0;
    for (const t of this.terminals) if (!t.ended) n++;
    return n;
  }

  /** Whether a link is up now. */
  get connected(): boolean {
    return this.ws !== null;
  }

  /** Send a request; rejects with the agent's errno-style error, 'unavailable' when unreachable,
   * or 'bad_reply' when the result does not match the method's schema. */
  async call<M extends AgentMethod>(method: M, params: ParamsOf<M>, tail?: TailIn<M>): Promise<AgentReply<M>> {
    await this.connect();
    return this.callOnLink(method, params, tail);
  }

  private callOnLink<M extends AgentMethod>(method: M, params: ParamsOf<M>, tail?: Uint8Array): Promise<AgentReply<M>> {
    if (!this.ws) return Promise.reject(new RuntimeError('unavailable', `the link to ${this.opts.name} dropped`));
    const id = this.nextCall++;
    return new Promise<{ result: unknown; tail: Uint8Array }>((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.ws!.send(encodeCall(id, method, params, tail), { binary: true });
    }).then(({ result, tail }) => {
      // The link edge: from here on a result has its method's type, or the call failed.
      const r = decodeAgentResult(method, result);
      if (!r.ok) throw fsError('bad_reply', `${this.opts.name} answered ${r.message}`);
      return { result: r.value, tail };
    });
  }

  onNotice(listener: (n: AgentNotice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** Called after every reconnect (watches re-register). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** A new terminal (`req.workspace`) or, with `req.session`, one already running on the agent
   * (replayed from the oldest byte its ring still has). */
  async openTerminal(req: Omit<OpenRequest, 'resumeFrom'>, handlers: TerminalHandlers): Promise<TerminalControl> {
    await this.connect();
    const t = { cols: req.cols, rows: req.rows, ended: false, handlers } as Terminal;
    t.wire = this.protocol.channel({
      opened: (opened) => {
        if (t.opened) t.opened.resolve(opened);
        // Re-attached after a lost link: a title set meanwhile is in OPENED, not in an event.
        else if (opened.title !== undefined) t.handlers.onAnnouncement({ type: 'title', title: opened.title });
        // Re-attached, but not where it left off: the agent's offsets no longer are the ring's.
        if (!t.opened && opened.snapshot) this.unshare(t);
        t.opened = undefined;
        void this.takeOutput(t);
      },
      event: (event) => {
        if (event.type === 'title' || event.type === 'bell' || event.type === 'notify') t.handlers.onAnnouncement(event);
      },
      // After a re-attach the agent replays from `received`; anything older is dropped.
      output: (data) => {
        if (data.byteLength > 0) t.handlers.onData(data);
        if (t.shareFrom && t.wire.received >= t.shareFrom.from) this.readShared(t);
        if (t.shareOnOutput && data.byteLength > 0) {
          t.shareOnOutput = false;
          void this.shareRing(t);
        }
      },
      exit: (exit) => {
        // Every byte is here before EXIT, and the gateway's session keeps them: let the agent
        // forget the exited terminal now (KILL on an exited session) instead of holding its ring
        // and its channel until it would have been swept an hour later.
        t.wire.kill();
        this.endTerminal(t, exit);
      },
      error: (error) => this.onTerminalError(t, error),
    });
    this.terminals.add(t);
    const { offset: startOffset, pid, title } = await new Promise<{ offset: number; pid?: number; title?: string }>((resolve, reject) => {
      t.opened = { resolve, reject };
      t.wire.open(this.protocol.allocate(), req);
    });
    return {
      session: t.wire.session!,
      startOffset,
      pid,
      title: title ?? '',
      write: (d) => {
        if (t.ended) return;
        if (t.lent) t.lent.write(d);
        else t.wire.input(d);
      },
      resize: (cols, rows) => {
        t.cols = cols;
        t.rows = rows;
        if (!t.ended) t.wire.resize(cols, rows);
      },
      pause: () => {
        t.wire.holdAcks = true;
        t.lent?.pause();
      },
      resume: () => {
        t.wire.holdAcks = false;
        t.lent?.resume();
        if (!t.ended) t.wire.flushAck();
      },
      kill: () => !t.ended && t.wire.kill(),
      detach: () => {
        if (t.ended) return;
        t.ended = true;
        this.terminals.delete(t);
        // DETACH gives the terminal back to the agent (with what was read, in the record); input
        // the program had not taken yet goes before it.
        for (const d of this.unlend(t)) t.wire.input(d);
        this.unshare(t);
        t.wire.detach();
        t.wire.unbind();
      },
    };
  }

  /** Fault injection: end the link as a network failure would; terminals re-attach. */
  dropLink(): void {
    this.ws?.terminate();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    // Lent terminals: the link closing gives them back (with what was read, in the record).
    for (const t of this.terminals) {
      this.unlend(t);
      this.unshare(t);
    }
    this.ws?.close(1000, 'gateway closing the workspace');
    this.failAll(new RuntimeError('unavailable', 'the workspace is closing'));
  }

  /** Resolves when a link is up (dialling if needed). */
  connect(): Promise<void> {
    if (this.disposed) return Promise.reject(new RuntimeError('unavailable', 'the workspace is closing'));
    if (!this.ready) {
      const r = this.dial();
      this.ready = r;
      r.catch(() => {
        if (this.ready === r) this.ready = null;
      });
    }
    return this.ready;
  }

  private async dial(): Promise<void> {
    const ws = await this.opts.dial();
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        clearTimeout(timer);
        ws.terminate();
        reject(err);
      };
      const timer = setTimeout(() => fail(new RuntimeError('unavailable', `${this.opts.name} did not answer in time`)), CONNECT_TIMEOUT_MS);
      ws.once('error', (err) => fail(new RuntimeError('unavailable', `cannot reach ${this.opts.name}: ${err.message}`)));
      ws.once('close', () => fail(new RuntimeError('unavailable', `${this.opts.name} closed the link before answering`)));
      ws.once('message', (data: Buffer) => {
        clearTimeout(timer);
        const r = this.protocol.receive(new Uint8Array(data));
        if (r.kind === 'connection' && r.frame.type === 'hello_ack') resolve();
        else reject(new RuntimeError('unavailable', `${this.opts.name} answered HELLO with something else`));
      });
      this.protocol.hello(linkTransport(ws));
    });
    ws.removeAllListeners('error');
    ws.removeAllListeners('close');
    ws.on('error', (err) => this.opts.log.debug('agent link error', { error: err.message }));
    ws.on('message', (data: Buffer) => this.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    ws.on('close', () => this.onClose(ws));
    this.ws = ws;
    this.protocol.transport = linkTransport(ws);
    if (this.opts.afterConnect) {
      try {
        await this.opts.afterConnect(async (method, params) => (await this.callOnLink(method, params)).result);
      } catch (err) {
        ws.terminate();
        throw err;
      }
    }
    this.unreachableSince = null;
    this.failures = 0;
  }

  private onClose(ws: LinkSocket): void {
    if (this.ws !== ws) return;
    this.ws = null;
    this.ready = null;
    for (const t of this.terminals) this.unlend(t);
    this.protocol.connectionLost();
    for (const c of this.calls.values()) c.reject(new RuntimeError('unavailable', `the link to ${this.opts.name} dropped`));
    this.calls.clear();
    if (this.disposed) return;
    this.unreachableSince ??= Date.now();
    this.scheduleReconnect();
  }

  /** Bring the link back while terminals need it; re-attach each one exactly where it was. */
  private scheduleReconnect(): void {
    if (this.disposed || ![...this.terminals].some((t) => !t.ended)) return;
    // The first re-dial after a lost link is immediate; backoff starts after a failed attempt.
    const delay = backoffDelay(this.failures, RECONNECT_BACKOFF);
    this.retryTimer = setTimeout(() => {
      this.connect().then(
        () => {
          // Each terminal re-opens on the new link with resumeFrom = the bytes it already has.
          for (const t of this.terminals) {
            if (t.ended || t.wire.session === null) continue;
            t.wire.resume(this.protocol.allocate(), t);
          }
          for (const l of this.reconnectListeners) l();
        },
        (err: Error) => {
          this.failures++;
          const gone = err instanceof AgentGoneError;
          if (gone || Date.now() - (this.unreachableSince ?? Date.now()) > this.opts.lostAfterMs) {
            this.failAll(new RuntimeError('unavailable', gone ? err.message : `${this.opts.name} has been unreachable for ${Math.round(this.opts.lostAfterMs / 1000)} s`));
          } else this.scheduleReconnect();
        },
      );
    }, delay);
    this.retryTimer.unref();
  }

  private failAll(err: Error): void {
    for (const t of this.terminals) this.endTerminal(t, { code: null, signal: null }, err.message);
    for (const c of this.calls.values()) c.reject(err);
    this.calls.clear();
  }

  private endTerminal(t: Terminal, exit: ExitInfo, lost?: string): void {
    if (t.ended) return;
    t.ended = true;
    this.unlend(t);
    this.unshare(t);
    this.terminals.delete(t);
    t.wire.unbind();
    t.opened?.reject(new RuntimeError('unavailable', lost ?? 'the terminal ended'));
    t.handlers.onExit(exit, lost);
  }

  private onMessage(bytes: Uint8Array): void {
    const op = bytes[0];
    if (op === AgentOp.REPLY) {
      const r = decodeReply(bytes);
      const c = r && this.calls.get(r.id);
      if (!r || !c) return;
      this.calls.delete(r.id);
      if (r.body.ok) c.resolve({ result: r.body.result, tail: r.tail });
      else {
        const { code, message } = r.body.error;
        c.reject(code === 'spawn_failed' || code === 'unavailable' ? new RuntimeError(code, message) : fsError(code, message));
      }
      return;
    }
    if (op === AgentOp.NOTICE) {
      const n = decodeNotice(bytes);
      if (n?.type === 'give-back') return this.giveBack(n.channel);
      if (n) for (const l of this.noticeListeners) l(n);
      return;
    }
    // Terminal frames: routed to their terminal's channel (stragglers and connection frames dropped).
    this.protocol.receive(bytes);
  }

  /**
   * After every OPENED (so also again after a re-attach): read this terminal's output here, if
   * the agent lends it; otherwise have its session's ring read what the agent relays in the
   * agent's own file of it, if there is one.
   */
  private async takeOutput(t: Terminal, tries = 1, made?: LentTerminalReader): Promise<void> {
    if ((await this.borrow(t, tries, made)) === 'no') await this.shareRing(t);
  }

  /** Read this terminal's output here from now on, if the agent lends it (AgentClientOptions.lend). */
  private async borrow(t: Terminal, tries: number, made?: LentTerminalReader): Promise<'lent' | 'later' | 'no'> {
    const ws = this.ws;
    const channel = t.wire.number;
    const lend = this.opts.lend;
    const done = () => {
      made?.stop();
      return t.lent ? 'lent' : 'no';
    };
    if (!lend || !this.lending || t.ended || t.lent || !ws || channel === null) return done();
    let lent = 0;
    for (const o of this.terminals) if (o.lent) lent++;
    if (lent >= lend.max) return done();
    let reader: LentTerminalReader;
    try {
      reader = made ?? lend.reader();
    } catch (err) {
      this.cannotBorrow(err as Error);
      return 'no';
    }
    let grant: ResultOf<'terminals.lend'>;
    t.borrowing = true;
    t.recalled = false;
    try {
      grant = (await this.callOnLink('terminals.lend', { channel, record: reader.record })).result;
    } catch (err) {
      t.borrowing = false;
      const code = (err as { code?: string }).code;
      // Output still on its way on this channel: once it is sent, what is read here follows it
      // (asked again with the same reader and record).
      if (code === 'busy' && tries < LEND_TRIES) {
        setTimeout(() => void this.takeOutput(t, tries + 1, reader), LEND_RETRY_MS).unref();
        return 'later';
      }
      reader.stop();
      // An agent from before lending (a pty host left by an older gateway) does not know the method.
      if (code === 'bad_request') this.cannotBorrow(err as Error);
      return 'no';
    }
    const giveBack = () => {
      reader.stop();
      void this.callOnLink('terminals.return', { channel }).catch(() => {});
      return 'no' as const;
    };
    t.borrowing = false;
    // The agent sent everything up to its offset before answering, so it must be what we have;
    // and it may want the terminal back already (the program ended): then nothing is read here.
    if (t.recalled || t.ended || t.lent || this.ws !== ws || t.wire.number !== channel || grant.offset !== t.wire.received) return giveBack();
    // The agent scans what it reads for titles, bells and notifications; what is read here is
    // scanned here.
    const scanner = new TitleScanner();
    try {
      reader.start(grant, (data) => {
        t.wire.localOutput(data);
        for (const a of announcements(scanner.scanAll(data))) t.handlers.onAnnouncement(a);
      });
    } catch (err) {
      this.cannotBorrow(err as Error);
      return giveBack();
    }
    t.lent = reader;
    // The ring copies what it read of the agent's file, and reads the record now.
    t.shared = false;
    t.shareFrom = undefined;
    const store = reader.store?.();
    if (store) {
      if (t.handlers.onStore) t.handlers.onStore(store);
      else store.close();
    }
    if (t.wire.holdAcks) reader.pause();
    return 'lent';
  }

  /**
   * Have the terminal's session ring read what the agent relays in the agent's own file of its
   * output (`terminals.ring`, the local pty host) instead of keeping a copy of every byte.
   */
  private async shareRing(t: Terminal): Promise<void> {
    const files = this.opts.lend?.ringFiles;
    const ws = this.ws;
    const channel = t.wire.number;
    if (!files || !this.sharingRings || !t.handlers.onStore || t.ended || t.lent || t.shared || !ws || channel === null) return;
    let file: ParamsOf<'terminals.ring'>['file'];
    try {
      file = files.make();
    } catch (err) {
      return this.cannotShare(err as Error);
    }
    t.shared = true;
    let shared: ResultOf<'terminals.ring'>;
    try {
      shared = (await this.callOnLink('terminals.ring', { channel, file })).result;
    } catch (err) {
      t.shared = false;
      // An agent from before this (a pty host left by an older gateway) does not know the method.
      if ((err as { code?: string }).code === 'bad_request') this.cannotShare(err as Error);
      return;
    } finally {
      closeSync(file.fd); // the agent opened its own (or has one already)
    }
    if (t.ended || t.lent || !t.shared || this.ws !== ws || t.wire.number !== channel) return;
    t.shareFrom = shared;
    // Output sent before the agent's file begins may still be on its way.
    if (t.wire.received >= shared.from) this.readShared(t);
  }

  /** The ring reads the agent's file from here on (everything before it has arrived). */
  private readShared(t: Terminal): void {
    const shared = t.shareFrom!;
    t.shareFrom = undefined;
    let store: OutputStore;
    try {
      store = this.opts.lend!.ringFiles!.open(shared, t.wire.received);
    } catch (err) {
      t.shared = false;
      return this.cannotShare(err as Error);
    }
    t.handlers.onStore!(store); // the ring refuses (and closes) it if it is not at the ring's end
  }

  private cannotShare(err: Error): void {
    this.sharingRings = false;
    this.opts.log.warn(`terminal output is kept here as well as in ${this.opts.name}: its files cannot be used`, { error: err.message });
  }

  /** Stop reading `t` here, if it is lent: answers input the program has not taken yet. */
  private unlend(t: Terminal): Uint8Array[] {
    if (!t.lent) return [];
    const unwritten = t.lent.stop();
    t.lent = undefined;
    t.handlers.onStore?.(null);
    return unwritten;
  }

  /** Its ring stops reading the agent's file as its own (it keeps it for reading, or copies what
   * it needs of it): the terminal ended, or is no longer viewed here. A link that drops keeps it:
   * the stream goes on at the same offsets once the terminal is attached again. */
  private unshare(t: Terminal): void {
    if (!t.shared) return;
    t.shared = false;
    t.shareFrom = undefined;
    t.handlers.onStore?.(null);
  }

  private cannotBorrow(err: Error): void {
    this.lending = false;
    this.opts.log.warn(`terminal output comes relayed through ${this.opts.name}: it cannot be read here`, { error: err.message });
  }

  /** The agent wants a lent terminal back (its program ended, or another link views it): read
   * what is there, give it back. */
  private giveBack(channel: number): void {
    for (const t of this.terminals) {
      if (t.wire.number !== channel) continue;
      if (t.borrowing) t.recalled = true;
      if (!t.lent) continue;
      const unwritten = t.lent.finish();
      t.lent = undefined;
      t.handlers.onStore?.(null);
      void this.callOnLink('terminals.return', { channel }).catch(() => {});
      // Input the program had not taken yet: the agent writes it, after it has the terminal back.
      for (const d of unwritten) t.wire.input(d);
      // Relayed from now on, read in the agent's file — once relayed output shows the program
      // goes on (another link views it): one that ended is not asked about (the agent would take
      // the record into its ring for it).
      t.shareOnOutput = true;
    }
  }

  private onTerminalError(t: Terminal, error: ErrorInfo): void {
    if (t.opened) {
      t.opened.reject(new RuntimeError(error.code === 'bad_payload' ? 'bad_path' : 'spawn_failed', error.message));
      t.opened = undefined;
      this.terminals.delete(t);
      t.wire.unbind();
      t.ended = true;
    } else if (error.code === 'not_found') {
      // The agent no longer knows the session (it restarted): nothing to resume.
      this.endTerminal(t, { code: null, signal: null }, this.opts.lostTerminal ?? `${this.opts.name} lost this terminal`);
    }
  }
}

export interface TerminalControl {
  /** The agent's session id. */
  readonly session: string;
  /** The agent's stream offset of the first byte this terminal delivers. */
  readonly startOffset: number;
  /** The process id on the agent's machine. */
  readonly pid?: number;
  /** The title the terminal had when it was opened or attached. */
  readonly title: string;
  write(data: Uint8Array): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  kill(): void;
  /** Stop viewing; the terminal keeps running on the agent. */
  detach(): void;
}
