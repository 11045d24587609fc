/**
 * Bubblewrap, the sandbox of this machine's confined processes: cloud workers
 * (cloud/process-provider.ts) and the terminals of members' local workspaces (`confinedArgv`).
 * Inside, a process sees the system's programs read-only, the folders it was given, a private
 * /tmp, /proc and /dev — and nothing else of this machine: not DATA_DIR (the database, secrets,
 * every other workspace), not the gateway user's home and keys.
 */
import { execFile } from 'node:child_process';
import { lstatSync, readlinkSync } from 'node:fs';

export const BWRAP = '/usr/bin/bwrap';

/** /usr and /etc (resolv.conf, passwd, certificates) read-only; /bin and /lib* as on the host (symlinks into /usr on merged-/usr systems). */
export function systemMounts(): string[] {
  const args = ['--ro-bind', '/usr', '/usr', '--ro-bind', '/etc', '/etc'];
  for (const p of ['/bin', '/lib', '/lib32', '/lib64', '/libx32']) {
    try {
      if (lstatSync(p).isSymbolicLink()) args.push('--symlink', readlinkSync(p), p);
      else args.push('--ro-bind', p, p);
    } catch {
      // not on this system
    }
  }
  return args;
}

let probed: Promise<string | null> | undefined;

/**
 * Whether bubblewrap can run here with the features the sandbox uses: null if so, else why not.
 * In containers, user namespaces or mounting /proc are often refused. Probed once per process.
 */
export function probeSandbox(): Promise<string | null> {
  const args = ['--ro-bind', '/', '/', '--tmpfs', '/tmp', '--proc', '/proc', '--dev', '/dev'];
  args.push('--unshare-pid', '--new-session', '--cap-drop', 'ALL', 'true');
  probed ??= new Promise((resolve) =>
    execFile(BWRAP, args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (!err) resolve(null);
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') resolve(`${BWRAP} is not installed`);
      else resolve(`${BWRAP} fails here: ${String(stderr).trim() || err.message}`);
    }),
  );
  return probed;
}

/**
 * `file args` confined to the workspace folder `root` (read-write, at its own path, so paths and
 * the working directory mean the same inside) and an empty private HOME. No `--new-session`: a
 * terminal's shell needs the PTY as its controlling terminal (job control, Ctrl-C); the PTY is
 * the shell's own, so nothing outside can be typed into from in there. `--cap-drop ALL` matters
 * when the gateway runs as root.
 */
export function confinedArgv(root: string, home: string | undefined, file: string, args: readonly string[]): [string, string[]] {
  return [
    BWRAP,
    [
      ...systemMounts(),
      ...['--tmpfs', '/tmp', '--proc', '/proc', '--dev', '/dev'],
      ...(home ? ['--dir', home] : []),
      ...['--bind', root, root],
      ...['--unshare-pid', '--cap-drop', 'ALL', '--'],
      file,
      ...args,
    ],
  ];
}
