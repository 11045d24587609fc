/**
 * Which paths a mirror leaves alone: `.git/` internals (moving git state is the migration's job),
 * the root `.gitignore`'s patterns, and the mirror's own patterns (default: dependencies and build
 * output). Patterns use .gitignore's syntax: `name` matches at any depth, a leading `/` anchors to
 * the root, a trailing `/` matches folders only, `*`/`**` glob, and `!pattern` re-includes.
 */

/** A new mirror's own patterns when none are given. */
export const DEFAULT_IGNORE = ['node_modules/', 'dist/', 'build/', '.next/', 'out/', 'target/', '__pycache__/', '*.pyc'] as const;

/** Always ignored, whatever the patterns say. */
const ALWAYS = /(^|\/)\.git(\/|$)/;

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  match: (path: string) => boolean;
}

/** A glob as a whole-path regular expression: a double star spans folders, `*` and `?` stay within one name. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function compile(line: string): Rule | null {
  let p = line.trim();
  if (!p || p.startsWith('#')) return null;
  const negate = p.startsWith('!');
  if (negate) p = p.slice(1);
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.replace(/\/+$/, '');
  const anchored = p.startsWith('/') || p.slice(0, -1).includes('/');
  p = p.replace(/^\/+/, '');
  if (!p) return null;
  const glob = anchored ? p : `**/${p}`;
  const re = globToRegExp(glob);
  return { negate, dirOnly, match: (path) => re.test(path) };
}

export class IgnoreRules {
  private readonly rules: Rule[];

  constructor(patterns: readonly string[]) {
    this.rules = patterns.flatMap((l) => compile(l) ?? []);
  }

  /** Patterns of the mirror, then the root .gitignore's (later lines win, as in git). */
  static from(userPatterns: readonly string[], gitignore: string | null): IgnoreRules {
    return new IgnoreRules([...userPatterns, ...(gitignore ? gitignore.split(/\r?\n/) : [])]);
  }

  /** Whether `path` (workspace-relative) or any folder above it is ignored. */
  ignores(path: string, isDir = false): boolean {
    if (ALWAYS.test(path)) return true;
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (this.test(prefix, i < parts.length || isDir)) return true;
    }
    return false;
  }

  private test(path: string, isDir: boolean): boolean {
    let ignored = false;
    for (const r of this.rules) {
      if (r.dirOnly && !isDir) continue;
      if (r.match(path)) ignored = !r.negate;
    }
    return ignored;
  }
}

/** Check user patterns before they are stored: one per line, printable, not too many. */
export function validPatterns(patterns: readonly string[]): string | null {
  if (patterns.length > 200) return 'at most 200 ignore patterns';
  for (const p of patterns) {
    if (p.length > 256 || /[\0\n\r]/.test(p)) return `ignore pattern ${JSON.stringify(p.slice(0, 40))} is not valid`;
  }
  return null;
}
