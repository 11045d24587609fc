/**
 * Where an SSH host is and how to reach it: `user@host[:port]` (or `user@[v6addr]:port`) typed by
 * a user, or an alias resolved through an OpenSSH client config (Host, HostName, User, Port,
 * IdentityFile and ProxyJump; wildcard sections apply, first value wins as in OpenSSH).
 */
import SSHConfig from 'ssh-config';
import { homedir } from 'node:os';
import path from 'node:path';
import { TetherError } from '../../errors';

export interface SshEndpoint {
  host: string;
  port: number;
  username: string;
  /** Absolute paths of identity files named by the config for this host. */
  identityFiles: string[];
}

export interface SshTarget extends SshEndpoint {
  /** Jump hosts in the order they are traversed (ProxyJump). */
  jumps: SshEndpoint[];
  /** The config alias this target was resolved from, if any. */
  alias?: string;
}

const HOST_PATTERN = /^(?!-)[A-Za-z0-9._-]{1,253}$|^\[[0-9A-Fa-f:.]{2,45}\]$/;
const USER_PATTERN = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/;
const MAX_JUMPS = 4;

interface Parsed {
  user?: string;
  host: string;
  port?: number;
}

/** `[user@]host[:port]`; IPv6 addresses in brackets. Rejects anything that is not plainly a host. */
export function parseHostSpec(spec: string): Parsed {
  const s = spec.trim();
  const at = s.lastIndexOf('@');
  const user = at >= 0 ? s.slice(0, at) : undefined;
  const rest = at >= 0 ? s.slice(at + 1) : s;
  if (user !== undefined && !USER_PATTERN.test(user)) throw new TetherError('bad_request', `"${user}" is not a valid user name`);
  let host = rest;
  let port: number | undefined;
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(rest);
  if (m) {
    host = m[1]!;
    port = Number(m[2]);
    if (port < 1 || port > 65535) throw new TetherError('bad_request', `port ${m[2]} is out of range`);
  }
  if (!HOST_PATTERN.test(host)) throw new TetherError('bad_request', `"${host}" is not a valid host name or address`);
  return { user, host: host.startsWith('[') ? host.slice(1, -1) : host, port };
}

function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return path.isAbsolute(p) ? p : path.join(home, p);
}

type Computed = Record<string, string | string[]>;

function lowerKeys(c: Record<string, unknown>): Computed {
  const out: Computed = {};
  for (const [k, v] of Object.entries(c)) out[k.toLowerCase()] = v as string | string[];
  return out;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export interface ResolveOptions {
  /** Contents of the OpenSSH client config ('' when there is none). */
  configText: string;
  /** For `~` in IdentityFile and the default user. */
  home?: string;
  /** User name when neither the spec nor the config names one. */
  defaultUser: string;
}

/**
 * Resolve what a user typed: an alias from the config or a `[user@]host[:port]` spec (which the
 * config's matching sections still refine, as `ssh` does).
 */
export function resolveTarget(spec: string, opts: ResolveOptions): SshTarget {
  const config = SSHConfig.parse(opts.configText);
  const home = opts.home ?? homedir();
  const endpoint = (s: string): SshEndpoint & { proxyJump?: string; aliasName?: string } => {
    const parsed = parseHostSpec(s);
    const c = lowerKeys(config.compute(parsed.host) as Record<string, unknown>);
    const hostName = first(c.hostname);
    const port = parsed.port ?? (c.port !== undefined ? Number(first(c.port)) : 22);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TetherError('bad_request', `the config gives "${s}" an invalid port`);
    const files = c.identityfile === undefined ? [] : Array.isArray(c.identityfile) ? c.identityfile : [c.identityfile];
    return {
      host: hostName ? hostName.replace(/%h/g, parsed.host) : parsed.host,
      port,
      username: parsed.user ?? first(c.user) ?? opts.defaultUser,
      identityFiles: files.map((f) => expandHome(f, home)),
      proxyJump: first(c.proxyjump),
      ...(hostName !== undefined ? { aliasName: parsed.host } : {}),
    };
  };
  const main = endpoint(spec);
  const jumps: SshEndpoint[] = [];
  if (main.proxyJump && main.proxyJump.toLowerCase() !== 'none') {
    const hops = main.proxyJump.split(',').map((h) => h.trim()).filter(Boolean);
    if (hops.length > MAX_JUMPS) throw new TetherError('bad_request', `ProxyJump lists ${hops.length} hosts; at most ${MAX_JUMPS} are followed`);
    for (const hop of hops) {
      // ssh:// URLs are accepted by OpenSSH too.
      const { proxyJump: _ignored, aliasName: _a, ...e } = endpoint(hop.replace(/^ssh:\/\//, ''));
      jumps.push(e);
    }
  }
  const { proxyJump: _p, aliasName, ...rest } = main;
  return { ...rest, jumps, ...(aliasName !== undefined ? { alias: aliasName } : {}) };
}

/** Config-file host names that are concrete aliases (no wildcards), for suggestions in the UI. */
export function configAliases(configText: string): string[] {
  const names = new Set<string>();
  for (const line of configText.split('\n')) {
    const m = /^\s*Host\s+(.+)$/i.exec(line);
    if (!m) continue;
    for (const n of m[1]!.trim().split(/\s+/)) if (!/[*?!]/.test(n)) names.add(n);
  }
  return [...names];
}
