/**
 * SSH runtimes whose terminals live in the host's runner (runner-service.ts): a daemon on the
 * host, so they survive a dropped connection and a gateway restart, and resume by offset; files
 * are watched with inotify there. Files and `exec` still go over SSH (DirectSshRuntime).
 *
 * - RunnerSshRuntime (host setting `always`): the runner or an error saying why it cannot run.
 * - AutoSshRuntime (`auto`): a fallback around it — direct SSH whenever the runner cannot run on
 *   the host (no node…), with the reason in the host's status.
 */
import type { SessionLimits } from '../limits';
import { AgentFs } from '../agent/agent-fs';
import { AgentTerminals } from '../agent/agent-pty';
import { RuntimeError, type PtyOptions, type PtyProcess, type RunningTerminal } from '../runtime';
import { RunnerUnavailableError, type HostRunner, type RunnerMode } from './runner-service';
import { DirectSshRuntime, type SshRuntimeOptions } from './ssh-runtime';

export interface SshRunnerUse {
  host: HostRunner;
  /** The workspace's name on the runner. */
  workspaceId: string;
  limits: SessionLimits;
}

export class RunnerSshRuntime extends DirectSshRuntime {
  private readonly terminals: AgentTerminals;
  private readonly agentFs: AgentFs;

  constructor(
    opts: SshRuntimeOptions,
    private readonly runner: SshRunnerUse,
  ) {
    super(opts);
    this.terminals = new AgentTerminals(runner.host.agent, runner.workspaceId);
    this.agentFs = new AgentFs(runner.host.agent, () => {}, runner.workspaceId);
  }

  /** Connects the runner (deploying it if needed) and binds the workspace; false: serve directly. */
  private async bound(): Promise<boolean> {
    try {
      await this.runner.host.ensureBound(this.runner.workspaceId, await this.fs.rootReal(), this.runner.limits);
      return true;
    } catch (err) {
      if (err instanceof RunnerUnavailableError) return this.runnerUnavailable(err);
      throw err;
    }
  }

  /** The runner cannot run on the host (no node…): with `always`, that is the terminal's error. */
  protected runnerUnavailable(err: RunnerUnavailableError): boolean {
    throw new RuntimeError('spawn_failed', `${err.message} (this host is set to always use the runner)`);
  }

  override async openPty(opts: PtyOptions): Promise<PtyProcess> {
    return (await this.bound()) ? this.terminals.open(opts) : this.openDirectPty(opts);
  }

  async runningTerminals(): Promise<RunningTerminal[]> {
    return (await this.bound()) ? this.terminals.running() : [];
  }

  attachPty(t: RunningTerminal): Promise<PtyProcess> {
    return this.terminals.attach(t);
  }

  protected override async watchSource(): Promise<AgentFs | null> {
    return (await this.bound()) ? this.agentFs : null;
  }

  override async dispose(): Promise<void> {
    this.agentFs.dispose();
    await super.dispose();
  }
}

/** `auto`: the runner when it can run on the host, direct SSH when it cannot. */
export class AutoSshRuntime extends RunnerSshRuntime {
  protected override runnerUnavailable(): boolean {
    return false;
  }
}

/** The runtime for a host's runner setting: `never` direct SSH, `always` the runner, `auto` either. */
export function sshRuntime(mode: RunnerMode, opts: SshRuntimeOptions, runner: SshRunnerUse): DirectSshRuntime {
  if (mode === 'never') return new DirectSshRuntime(opts);
  return mode === 'always' ? new RunnerSshRuntime(opts, runner) : new AutoSshRuntime(opts, runner);
}
