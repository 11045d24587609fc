/**
 * Cloud runtime: a workspace served by a worker agent (server/worker) over an agent link. Every
 * operation is a structured request to the agent, which applies the same path jail and atomic
 * saves on its side; terminals are the agent's sessions, relayed byte for byte. Flow control is
 * end to end: pausing a terminal here stops our ACKs, and the agent pauses its PTY.
 */
import { AGENT_WORKSPACE } from '../../../lib/protocol';
import { randomId } from '../../../lib/shared/ids';
import type { Logger } from '../../log';
import type { ExecOptions, ExecResult, PtyOptions, PtyProcess, RunningTerminal, Runtime, RuntimeHealth } from '../runtime';
import { AgentClient, AgentGoneError, connectWebSocket, type WorkerEndpoint } from '../agent/agent-client';
import { AgentFs } from '../agent/agent-fs';
import { AgentTerminals } from '../agent/agent-pty';

export interface CloudRuntimeOptions {
  /** Where the worker is now; null once it is gone. */
  endpoint(): Promise<WorkerEndpoint | null>;
  /** For logs: `cloud:<worker id>`. */
  id: string;
  log: Logger;
  /** Called on activity (the orchestrator's idle clock). */
  onActivity?(): void;
  lostAfterMs?: number;
}

export class CloudRuntime implements Runtime {
  readonly id: string;
  readonly fs: AgentFs;
  private readonly agent: AgentClient;
  private readonly terminals: AgentTerminals;
  /** This gateway's links to the worker, as the worker knows them (links.claim). */
  private readonly linkId = randomId();

  constructor(private readonly opts: CloudRuntimeOptions) {
    this.id = opts.id;
    const name = 'the cloud worker';
    this.agent = new AgentClient({
      dial: async () => {
        const ep = await opts.endpoint();
        if (!ep) throw new AgentGoneError(`${name} of this workspace is gone`);
        return connectWebSocket(ep, name);
      },
      log: opts.log,
      lostAfterMs: opts.lostAfterMs ?? 30_000,
      name,
      // The worker serves a link per gateway; this claim replaces our own earlier link (one a
      // network failure left looking open there), never another gateway's.
      afterConnect: async (callNow) => void (await callNow('links.claim', { id: this.linkId })),
    });
    this.fs = new AgentFs(this.agent, () => opts.onActivity?.());
    this.terminals = new AgentTerminals(this.agent, AGENT_WORKSPACE, () => opts.onActivity?.());
  }

  openPty(opts: PtyOptions): Promise<PtyProcess> {
    return this.terminals.open(opts);
  }

  runningTerminals(): Promise<RunningTerminal[]> {
    return this.terminals.running();
  }

  attachPty(t: RunningTerminal): Promise<PtyProcess> {
    return this.terminals.attach(t);
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.opts.onActivity?.();
    const r = await this.agent.call('exec', { argv, cwd: opts.cwd, timeoutMs: opts.timeoutMs, maxOutputBytes: opts.maxOutputBytes }, opts.stdin);
    const res = r.result;
    return { code: res.code, signal: res.signal, stdout: Buffer.from(r.tail.subarray(0, res.stdoutBytes)), stderr: Buffer.from(r.tail.subarray(res.stdoutBytes)) };
  }

  async health(): Promise<RuntimeHealth> {
    try {
      return (await this.agent.call('health', {})).result;
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async dispose(): Promise<void> {
    this.fs.dispose();
    this.agent.dispose();
  }

  /** Fault injection: drop the agent link as a network failure would (it reconnects). */
  dropLink(): void {
    this.agent.dropLink();
  }
}
