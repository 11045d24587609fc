/**
 * The docker provider's worker image, made on this machine — no registry, no pull. Its root
 * filesystem is a tarball of what a worker needs, taken from this machine: node, the worker agent
 * (server/worker/main.ts bundled by esbuild into one file, node-pty's addon beside it), bash,
 * coreutils, git and the other tools a terminal expects, every shared library they load (found
 * with ldd), terminfo and CA certificates; plus an /etc/passwd with the worker's user and its home.
 * `POST /images/create?fromSrc=-` (what `docker import` does) turns the tarball into an image.
 *
 * The tag is the SHA-256 of the tarball (`tether-worker:<16 hex>`), so the image is made once and
 * made again exactly when its content changes — a new agent, a node upgrade, an updated library.
 * Making the tarball is deterministic (sorted entries, one mtime), so hashing it is how we know.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readFile, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sha256Hex } from '../../secrets';
import { bundleAgentScript, nativeAddonPath, ptyAddonFileName } from '../../runtimes/agent/runner-artifact';
import { AGENT_NODE_FLAGS } from '../../runtimes/agent/daemon-dir';
import type { DockerEngine } from './engine';
import { tarStream, type TarEntry } from './tar';

const run = promisify(execFile);

export const IMAGE_REPO = 'tether-worker';
export const AGENT_DIR = '/opt/tether';
export const AGENT_SCRIPT = `${AGENT_DIR}/worker.cjs`;
export const WORKER_HOME = '/home/tether';
export const WORKER_WORKSPACE = `${WORKER_HOME}/workspace`;
export const WORKER_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Commands a terminal expects; the ones this machine lacks are left out (bash, git are required). */
const REQUIRED = ['bash', 'git'];
const PROGRAMS = [
  ...REQUIRED,
  ...['sh', 'dash', 'env', 'ls', 'cat', 'cp', 'mv', 'rm', 'mkdir', 'rmdir', 'ln', 'chmod', 'touch', 'echo', 'printf', 'head', 'tail', 'wc'],
  ...['sort', 'uniq', 'cut', 'tr', 'tee', 'date', 'sleep', 'true', 'false', 'pwd', 'id', 'whoami', 'uname', 'basename', 'dirname', 'realpath'],
  ...['readlink', 'stat', 'du', 'df', 'test', '[', 'seq', 'yes', 'md5sum', 'sha256sum', 'base64', 'mktemp', 'nproc', 'timeout', 'stty', 'tty'],
  ...['expr', 'dd', 'comm', 'paste', 'fold', 'nl', 'od', 'split', 'grep', 'sed', 'find', 'xargs', 'tar', 'gzip', 'gunzip', 'zcat', 'diff'],
  ...['cmp', 'ps', 'kill', 'less', 'which', 'clear', 'tput', 'awk', 'mawk', 'file', 'hostname', 'rg'],
];
/** git runs its helpers (remote-https, sh-setup, …) from here. */
const GIT_EXEC_DIRS = ['/usr/lib/git-core', '/usr/libexec/git-core'];
const TERMINFO = ['x/xterm-256color', 'x/xterm', 'd/dumb', 'v/vt100'];
const TERMINFO_DIRS = ['/usr/share/terminfo', '/lib/terminfo', '/usr/lib/terminfo'];
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface WorkerImage {
  /** `tether-worker:<16 hex>`. */
  tag: string;
  /** node inside the image (the same path as on this machine). */
  nodePath: string;
  /** The worker's user (never root) and group. */
  uid: number;
  gid: number;
}

/** A file collected from this machine, or made here. */
type Collected = TarEntry & { ino?: string };

/** The root filesystem, as host paths and made files, by path in the image. */
class RootFs {
  readonly entries = new Map<string, Collected>();

  dir(p: string, mode = 0o755, uid = 0, gid = 0): void {
    for (let d = path.dirname(p); d !== '/'; d = path.dirname(d)) if (!this.entries.has(d)) this.entries.set(d, { type: 'dir', path: d, mode: 0o755 });
    this.entries.set(p, { type: 'dir', path: p, mode, uid, gid });
  }

  data(p: string, data: string | Uint8Array, mode = 0o644): void {
    this.dir(path.dirname(p));
    this.entries.set(p, { type: 'data', path: p, mode, data: typeof data === 'string' ? Buffer.from(data) : data });
  }

  /** `p` as it is on this machine: every symlink on the way is kept (merged /usr: /lib → usr/lib), then its target added too. */
  async host(p: string): Promise<void> {
    const parts = path.resolve(p).split('/').filter(Boolean);
    let cur = '/';
    for (let i = 0; i < parts.length; i++) {
      const next = path.join(cur, parts[i]!);
      const st = await lstat(next);
      if (st.isSymbolicLink()) {
        const target = await readlink(next);
        this.dir(path.dirname(next) === '/' ? '/' : path.dirname(next));
        this.entries.set(next, { type: 'symlink', path: next, target });
        return this.host(path.join(path.resolve(path.dirname(next), target), ...parts.slice(i + 1)));
      }
      if (i === parts.length - 1) {
        if (st.isDirectory()) this.dir(next, st.mode & 0o755);
        else if (st.isFile()) {
          this.dir(path.dirname(next));
          // Group/other write never; setuid/setgid never (the worker's user must stay itself).
          this.entries.set(next, { type: 'file', path: next, mode: st.mode & 0o755, size: st.size, from: next, ino: `${st.dev}:${st.ino}` });
        }
      }
      cur = next;
    }
  }

  /** Sorted (parents first); a second path of the same host inode becomes a hard link. */
  ordered(): TarEntry[] {
    const firstPath = new Map<string, string>();
    const out: TarEntry[] = [];
    for (const key of [...this.entries.keys()].filter((k) => k !== '/').sort()) {
      const { ino, ...e } = this.entries.get(key)!;
      if (e.type === 'file' && ino) {
        const first = firstPath.get(ino);
        if (first) {
          out.push({ type: 'hardlink', path: e.path, target: first });
          continue;
        }
        firstPath.set(ino, e.path);
      }
      out.push(e as TarEntry);
    }
    return out;
  }
}

async function which(name: string): Promise<string | null> {
  for (const dir of WORKER_PATH.split(':')) {
    const p = path.join(dir, name);
    try {
      if ((await stat(p)).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** Shared libraries (and the dynamic loader) the ELF files among `files` load, from one ldd run. */
async function sharedLibraries(files: string[]): Promise<string[]> {
  const elf: string[] = [];
  for (const f of files) {
    const head = await readFile(f).then((b) => b.subarray(0, 4));
    if (head.toString('latin1') === '\x7fELF') elf.push(f);
  }
  const libs = new Set<string>();
  for (let i = 0; i < elf.length; i += 200) {
    // ldd exits 1 when one of several files is static; its output is complete anyway.
    const { stdout } = await run('ldd', elf.slice(i, i + 200), { maxBuffer: 16 << 20 }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    for (const line of stdout.split('\n')) {
      const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s+(\/\S+)\s+\(0x/.exec(line);
      if (m) libs.add(m[1]!);
    }
  }
  return [...libs];
}

function passwd(uid: number, gid: number): { passwd: string; group: string } {
  return {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\ntether:x:${uid}:${gid}:Tether worker:${WORKER_HOME}:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\ntether:x:${gid}:\nnogroup:x:65534:\n`,
  };
}

/** Everything in the image, for a worker running as uid:gid. */
export async function workerRootFs(opts: { uid: number; gid: number; version: string }): Promise<{ entries: TarEntry[]; nodePath: string }> {
  const fs = new RootFs();
  const nodePath = await realpath(process.execPath);
  const programs: string[] = [];
  for (const name of PROGRAMS) {
    const p = await which(name);
    if (p) programs.push(p);
    else if (REQUIRED.includes(name)) throw new Error(`${name} is not installed here, and the worker image takes it from this machine`);
  }
  const gitExec = GIT_EXEC_DIRS.find((d) => existsSync(d));
  const gitHelpers = gitExec ? (await run('find', [gitExec, '-type', 'f'])).stdout.split('\n').filter(Boolean) : [];
  const addon = nativeAddonPath();
  // Merged /usr (/bin → usr/bin …) as here: /bin/bash and /bin/sh must work whichever path found them.
  for (const top of ['/bin', '/sbin', '/lib', '/lib64']) if ((await lstat(top).catch(() => null))?.isSymbolicLink()) await fs.host(top);
  for (const p of [nodePath, ...programs, ...gitHelpers]) await fs.host(p);
  // The links among the programs (sh → dash, [ → test) point at files added above or below.
  for (const lib of await sharedLibraries([nodePath, ...programs, ...gitHelpers, addon])) await fs.host(lib);
  for (const dir of TERMINFO_DIRS) for (const t of TERMINFO) if (existsSync(path.join(dir, t))) await fs.host(path.join(dir, t));
  if (existsSync(CA_BUNDLE)) await fs.host(CA_BUNDLE);

  const script = await bundleAgentScript({ entry: 'server/worker/main.ts', version: opts.version, banner: `/* Tether cloud worker agent ${opts.version} (docker provider) */` });
  const addonBytes = await readFile(addon);
  fs.data(AGENT_SCRIPT, script);
  fs.data(path.join(AGENT_DIR, ptyAddonFileName(sha256Hex(addonBytes))), addonBytes);

  const users = passwd(opts.uid, opts.gid);
  fs.data('/etc/passwd', users.passwd);
  fs.data('/etc/group', users.group);
  fs.data('/etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n');
  fs.data('/etc/profile', "PS1='\\u@\\h:\\w\\$ '\n");
  for (const f of ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']) fs.data(f, ''); // mount points for the engine's files
  for (const d of ['/proc', '/sys', '/dev', '/root', '/run/tether']) fs.dir(d, d === '/root' ? 0o700 : 0o755);
  fs.dir('/tmp', 0o1777);
  fs.dir(WORKER_HOME, 0o750, opts.uid, opts.gid);
  fs.dir(WORKER_WORKSPACE, 0o755, opts.uid, opts.gid);
  return { entries: fs.ordered(), nodePath };
}

async function tarHash(entries: TarEntry[]): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of tarStream(entries)) h.update(chunk);
  return h.digest('hex');
}

const made = new Map<string, Promise<WorkerImage>>();

/**
 * The image for workers running as uid:gid: found by its content hash, imported when missing.
 * Once per process and engine: the tarball is made from the sources as they were at that time
 * (a gateway bundles its agent at start, as it does the runner).
 */
export function ensureWorkerImage(engine: DockerEngine, opts: { uid: number; gid: number; version: string; refresh?: boolean }): Promise<WorkerImage> {
  const key = `${engine.address.display} ${opts.uid}:${opts.gid} ${opts.version}`;
  let p = opts.refresh ? undefined : made.get(key);
  if (!p) {
    p = makeWorkerImage(engine, opts);
    made.set(key, p);
    p.catch(() => made.delete(key));
  }
  return p;
}

async function makeWorkerImage(engine: DockerEngine, opts: { uid: number; gid: number; version: string }): Promise<WorkerImage> {
  if (opts.uid === 0) throw new Error('cloud workers never run as root');
  const { entries, nodePath } = await workerRootFs(opts);
  const tag = `${IMAGE_REPO}:${(await tarHash(entries)).slice(0, 16)}`;
  const image = { tag, nodePath, uid: opts.uid, gid: opts.gid };
  if (await engine.jsonOrNull({ path: `/images/${tag}/json` })) return image;
  const changes = [
    `USER ${opts.uid}:${opts.gid}`,
    `WORKDIR ${WORKER_WORKSPACE}`,
    `ENV HOME=${WORKER_HOME} PATH=${WORKER_PATH} LANG=C.UTF-8 TERM=xterm-256color`,
    `ENTRYPOINT ${JSON.stringify([nodePath, ...AGENT_NODE_FLAGS, AGENT_SCRIPT])}`,
  ];
  const progress = await engine.text({
    method: 'POST',
    path: '/images/create',
    query: { fromSrc: '-', repo: IMAGE_REPO, tag: tag.slice(IMAGE_REPO.length + 1), changes },
    stream: tarStream(entries),
    contentType: 'application/x-tar',
    timeoutMs: 300_000,
  });
  // The answer is a stream of JSON progress lines; a failure is one of them, with status 200.
  const failure = progress.split('\n').map((l) => (l.trim() ? (JSON.parse(l) as { error?: string }) : {})).find((l) => l.error);
  if (failure) throw new Error(`importing the worker image failed: ${failure.error}`);
  await removeOlderImages(engine, tag);
  return image;
}

/**
 * Earlier worker images (another agent, another node) that no container uses: each is ~150 MB.
 * One a container still uses is refused by the engine (409) and stays; a gateway that finds its
 * image gone makes it again (DockerProvider.create).
 */
export async function removeOlderImages(engine: DockerEngine, keep: string): Promise<void> {
  const images = await engine.json<{ RepoTags: string[] | null }[]>({ path: '/images/json', query: { filters: JSON.stringify({ reference: [IMAGE_REPO] }) } });
  for (const tag of images.flatMap((i) => i.RepoTags ?? [])) {
    if (tag === keep || !tag.startsWith(`${IMAGE_REPO}:`)) continue;
    await engine.ensure({ method: 'DELETE', path: `/images/${tag}` }).catch(() => undefined);
  }
}
