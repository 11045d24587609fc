/**
 * Several gateways on several machines: a local workspace is pinned to the node (machine and
 * DATA_DIR) that holds its folder and runs its terminals (cluster/node-pins.ts). A gateway on
 * another node serves it with this runtime, which answers every file and terminal request with
 * where the workspace lives instead of a missing-folder error.
 */
import type { ExecResult, PtyProcess, Runtime, RuntimeFs, RuntimeHealth } from '../runtimes/runtime';
import { RuntimeError } from '../runtimes/runtime';

export function elsewhereMessage(node: string | null): string {
  return node
    ? `This workspace lives on node ${node}: its folder and terminals are on that machine. Open Tether through a gateway on ${node}, or move the workspace to an SSH host or a cloud worker to use it from any gateway.`
    : 'This workspace’s folder is not on this machine, and no node has claimed it yet. Open it through the gateway on the machine that holds its folder.';
}

export function elsewhereRuntime(id: string, node: string | null): Runtime {
  const refuse = async (): Promise<never> => {
    throw new RuntimeError('unavailable', elsewhereMessage(node));
  };
  const fs: RuntimeFs = {
    readdir: refuse,
    stat: refuse,
    statEntries: refuse,
    readFile: refuse,
    writeFile: refuse,
    readStream: refuse,
    readable: refuse,
    mkdir: refuse,
    rm: refuse,
    rename: refuse,
    watch: () => ({ dispose() {} }),
  };
  return {
    id: `elsewhere:${id}`,
    fs,
    openPty: refuse as () => Promise<PtyProcess>,
    exec: refuse as () => Promise<ExecResult>,
    health: async (): Promise<RuntimeHealth> => ({ ok: false, detail: elsewhereMessage(node) }),
    dispose: async () => {},
  };
}
