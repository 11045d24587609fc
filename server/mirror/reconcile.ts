/**
 * One reconcile pass over some paths: the three-way decision between side A, side B and the last
 * version both agreed on, then the moves it calls for. A path that changed on one side only is
 * carried to the other; a path that changed on both sides to different versions is a conflict
 * and neither side is touched; a path that ended up the same on both sides is simply agreed
 * (this is also how the mirror's own writes are recognised when their watch events come back).
 * Each path fails alone: its error is recorded and the others go on.
 */
import type { Runtime } from '../runtimes/runtime';
import type { IgnoreRules } from './ignore';
import { hashFiles, scanAndHash, scanTree, type Entry, type Tree } from './scan';
import type { Agreed, Conflict, ConflictSide, StateStore } from './state-store';
import { copyFile, ensureDir, makeLink, reasonOf, removeDirIfEmpty, removePath, setMode } from './transfer';

export type Side = 'a' | 'b';
export type Direction = 'a-to-b' | 'b-to-a';

export interface Transfer {
  at: number;
  path: string;
  direction: Direction | null;
  action: 'write' | 'delete' | 'rename' | 'link' | 'mode' | 'mkdir' | 'conflict' | 'resolve' | 'error';
  bytes: number;
  ms: number;
  /** For a rename, the path it came from; for an error, why. */
  detail?: string;
}

export interface PassContext {
  a: Runtime;
  b: Runtime;
  store: StateStore;
  ignore: IgnoreRules;
  /** Per-path failures: set when a path fails, cleared when it moves again. */
  errors: Map<string, { side: Side; reason: string }>;
  record(t: Transfer): void;
  /** Paths still to do in this pass (for the status). */
  progress(remaining: number): void;
  /** Look at a path again in the next pass (it changed while this one ran). */
  again(path: string): void;
  /** Folders seen to exist on each side during this pass. */
  known?: { a: Set<string>; b: Set<string> };
}

/** Files moved at once: enough to hide round trips to a remote side, few enough to stay gentle. */
const MOVE_CONCURRENCY = 8;

async function pooled<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(MOVE_CONCURRENCY, items.length) }, worker));
}

const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');
const dirOf = (s: Side): Direction => (s === 'a' ? 'a-to-b' : 'b-to-a');
/** Size and mtime to the second: SFTP reports whole seconds where find reports fractions. */
export const sigOf = (e: { size: number; mtime: number }) => `${e.size}:${Math.floor(e.mtime / 1000)}`;
const depth = (p: string) => p.split('/').length;

/** Whether two versions are the same for the mirror (content, permission bits, link target). */
export function same(x: Entry | Agreed | ConflictSide | null | undefined, y: Entry | Agreed | ConflictSide | null | undefined): boolean {
  const tx = x?.type ?? null;
  const ty = y?.type ?? null;
  if (tx !== ty) return false;
  if (!tx) return true;
  if (tx === 'file') return x!.hash === y!.hash && x!.mode === y!.mode;
  if (tx === 'symlink') return x!.target === y!.target;
  return true;
}

export function sideOf(e: Entry | null): ConflictSide {
  if (!e) return { type: null };
  return { type: e.type, hash: e.hash, size: e.size, mode: e.mode, target: e.target };
}

/** Roots without any that lie inside another. */
export function collapseRoots(roots: Iterable<string>): string[] {
  const sorted = [...new Set(roots)].sort();
  const out: string[] = [];
  for (const r of sorted) {
    if (out.some((o) => o === '' || r === o || r.startsWith(`${o}/`))) continue;
    out.push(r);
  }
  return out;
}

function under(roots: readonly string[], paths: Iterable<string>): string[] {
  if (roots.includes('')) return [...paths];
  const set = new Set(roots);
  const out: string[] = [];
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) {
      if (set.has(parts.slice(0, i).join('/'))) {
        out.push(p);
        break;
      }
    }
  }
  return out;
}

/**
 * Fill in file hashes. A full pass trusts a file whose size and mtime are as agreed (10,000 files
 * are not hashed again after each restart); a pass for watch events hashes what the events name,
 * since an edit within the same second (SFTP's mtime resolution) can keep size and mtime.
 */
async function fillHashes(
  rt: Runtime,
  side: Side,
  tree: Tree,
  ctx: PassContext,
  trustSigs: boolean,
  hashed?: { hashes: Map<string, string>; failures: Map<string, string> },
): Promise<Set<string>> {
  const need: string[] = [];
  for (const [p, e] of tree) {
    if (e.type !== 'file') continue;
    const ag = ctx.store.agreed.get(p);
    if (trustSigs && ag?.type === 'file' && ag[side === 'a' ? 'sigA' : 'sigB'] === sigOf(e)) e.hash = ag.hash;
    else need.push(p);
  }
  const unreadable = new Set<string>();
  if (!need.length) return unreadable;
  const { hashes, failures } = hashed ?? (await hashFiles(rt, need));
  for (const p of need) {
    const h = hashes.get(p);
    if (h) tree.get(p)!.hash = h;
    else if (failures.has(p) && !/No such file/.test(failures.get(p)!)) {
      unreadable.add(p);
      ctx.errors.set(p, { side, reason: `could not read it: ${failures.get(p)}` });
    } else tree.delete(p); // gone since the listing: absent
  }
  return unreadable;
}

interface Move {
  path: string;
  from: Side;
  entry: Entry | null;
  /** The destination's current version (unchanged since agreed). */
  dst: Entry | null;
  srcEntry: Entry | null;
}

/** Reconcile the paths at and below `roots` ('' = everything). */
export async function reconcilePass(ctx: PassContext, rootsIn: readonly string[]): Promise<void> {
  const roots = collapseRoots(rootsIn);
  const full = roots.includes('');
  // A full pass lists, then hashes only what its size and mtime do not vouch for; an event pass
  // lists and hashes in one round trip per side.
  const look = (rt: Runtime) => (full ? scanTree(rt, roots, ctx.ignore).then((tree) => ({ tree, hashed: undefined })) : scanAndHash(rt, roots, ctx.ignore).then(({ tree, ...hashed }) => ({ tree, hashed })));
  const [sa, sb] = await Promise.all([look(ctx.a), look(ctx.b)]);
  const ta = sa.tree;
  const tb = sb.tree;
  const [ua, ub] = await Promise.all([fillHashes(ctx.a, 'a', ta, ctx, full, sa.hashed), fillHashes(ctx.b, 'b', tb, ctx, full, sb.hashed)]);
  const paths = new Set<string>([...ta.keys(), ...tb.keys()]);
  for (const p of under(roots, ctx.store.agreed.keys())) if (!ctx.ignore.ignores(p, ctx.store.agreed.get(p)!.type === 'dir')) paths.add(p);
  for (const p of under(roots, ctx.store.conflicts.keys())) paths.add(p);

  ctx.known = { a: new Set(), b: new Set() };
  const moves: Move[] = [];
  for (const p of paths) {
    if (ua.has(p) || ub.has(p)) continue;
    const ea = ta.get(p) ?? null;
    const eb = tb.get(p) ?? null;
    const s = ctx.store.agreed.get(p) ?? null;
    const conflict = ctx.store.conflicts.get(p);
    if (conflict) {
      await refreshConflict(ctx, conflict, ea, eb);
      continue;
    }
    const ca = !same(ea, s);
    const cb = !same(eb, s);
    if (same(ea, eb)) {
      if (ca || cb || (ea?.type === 'file' && (s?.sigA !== sigOf(ea) || s?.sigB !== sigOf(eb!)))) agree(ctx, p, ea, eb);
      ctx.errors.delete(p);
      continue;
    }
    if (ca && cb) await openConflict(ctx, p, ea, eb);
    else if (ca) moves.push({ path: p, from: 'a', entry: ea, dst: eb, srcEntry: ea });
    else moves.push({ path: p, from: 'b', entry: eb, dst: ea, srcEntry: eb });
  }
  await applyMoves(ctx, moves);
  ctx.store.changed();
}

/** Record that both sides hold this version now. */
export function agree(ctx: PassContext, p: string, ea: Entry | null, eb: Entry | null): void {
  const e = ea ?? eb;
  if (!e) {
    ctx.store.agreed.delete(p);
    return;
  }
  ctx.store.agreed.set(p, {
    type: e.type,
    hash: e.hash,
    mode: e.mode,
    target: e.target,
    size: e.size,
    sigA: ea?.type === 'file' ? sigOf(ea) : undefined,
    sigB: eb?.type === 'file' ? sigOf(eb) : undefined,
  });
}

async function keepVersion(ctx: PassContext, side: Side, p: string, e: Entry | null): Promise<ConflictSide> {
  const kept = sideOf(e);
  if (e?.type !== 'file' || (e.hash && (await ctx.store.hasBlob(e.hash)))) return kept;
  const src = await ctx[side].fs.readStream(p);
  try {
    kept.hash = await ctx.store.putBlob(src.stream);
  } finally {
    await src.close().catch(() => {});
  }
  return kept;
}

async function openConflict(ctx: PassContext, p: string, ea: Entry | null, eb: Entry | null): Promise<void> {
  const started = Date.now();
  try {
    const a = await keepVersion(ctx, 'a', p, ea);
    const b = await keepVersion(ctx, 'b', p, eb);
    const c: Conflict = { path: p, a, b, detectedAt: Date.now() };
    ctx.store.conflicts.set(p, c);
    ctx.errors.delete(p);
    ctx.record({ at: Date.now(), path: p, direction: null, action: 'conflict', bytes: 0, ms: Date.now() - started });
  } catch (err) {
    ctx.errors.set(p, { side: 'a', reason: `a conflict could not be kept: ${reasonOf(err).reason}` });
  }
}

/** A side of an open conflict changed again: keep its new version too; both equal ends the conflict. */
async function refreshConflict(ctx: PassContext, c: Conflict, ea: Entry | null, eb: Entry | null): Promise<void> {
  if (same(ea, eb)) {
    ctx.store.conflicts.delete(c.path);
    agree(ctx, c.path, ea, eb);
    await ctx.store.pruneBlobs([c.a.hash, c.b.hash]);
    return;
  }
  const old = [c.a.hash, c.b.hash];
  if (!same(ea, c.a)) c.a = await keepVersion(ctx, 'a', c.path, ea).catch(() => c.a);
  if (!same(eb, c.b)) c.b = await keepVersion(ctx, 'b', c.path, eb).catch(() => c.b);
  await ctx.store.pruneBlobs(old);
}

/** Do the moves: removals, renames recognised by content, folders, files and links, empty folders last. */
async function applyMoves(ctx: PassContext, moves: Move[]): Promise<void> {
  let remaining = moves.length;
  ctx.progress(remaining);
  const done = () => ctx.progress(--remaining);
  const removals = moves.filter((m) => !m.entry && m.dst && m.dst.type !== 'dir');
  const dirRemovals = moves.filter((m) => !m.entry && m.dst?.type === 'dir').sort((x, y) => depth(y.path) - depth(x.path));
  const dirs = moves.filter((m) => m.entry?.type === 'dir').sort((x, y) => depth(x.path) - depth(y.path));
  const others = moves.filter((m) => m.entry && m.entry.type !== 'dir');
  const gone = moves.filter((m) => !m.entry && !m.dst);
  for (const m of gone) {
    agree(ctx, m.path, null, null);
    done();
  }

  // A file that appears with the content of one that disappears on the same side is a rename there.
  const byHash = new Map<string, Move[]>();
  for (const r of removals) if (r.dst?.type === 'file' && r.dst.hash) byHash.set(`${r.from}:${r.dst.hash}`, [...(byHash.get(`${r.from}:${r.dst.hash}`) ?? []), r]);
  const renamed = new Set<Move>();
  for (const m of dirs) await step(ctx, m, done);
  for (const m of others) {
    if (m.entry!.type !== 'file' || m.dst) continue;
    const r = byHash.get(`${m.from}:${m.entry!.hash}`)?.shift();
    if (!r) continue;
    if (await renameOn(ctx, m, r.path)) {
      renamed.add(m).add(r);
      done();
      done();
    } else byHash.get(`${m.from}:${m.entry!.hash}`)?.unshift(r); // fall back to copy and delete
  }
  await renamesAcrossPasses(ctx, others.filter((m) => !renamed.has(m)), renamed, done);
  await pooled(
    removals.filter((m) => !renamed.has(m)),
    (m) => step(ctx, m, done),
  );
  await pooled(
    others.filter((m) => !renamed.has(m)),
    (m) => step(ctx, m, done),
  );
  for (const m of dirRemovals) await step(ctx, m, done);
}

/** Carry a new file as a rename of `oldPath` on the destination; false when that cannot be done. */
async function renameOn(ctx: PassContext, m: Move, oldPath: string): Promise<boolean> {
  const to = ctx[other(m.from)];
  const started = Date.now();
  try {
    await to.fs.rename(oldPath, m.path);
    let st = await to.fs.stat(m.path);
    if ((st.mode & 0o777) !== m.entry!.mode) st = await setMode(to, m.path, m.entry!.mode);
    agree(ctx, oldPath, null, null);
    const dstEntry: Entry = { ...m.entry!, size: st.size, mtime: st.mtime, mode: st.mode & 0o777 };
    agree(ctx, m.path, ...((m.from === 'a' ? [m.entry, dstEntry] : [dstEntry, m.entry]) as [Entry | null, Entry | null]));
    ctx.errors.delete(m.path);
    ctx.record({ at: Date.now(), path: m.path, direction: dirOf(m.from), action: 'rename', bytes: 0, ms: Date.now() - started, detail: oldPath });
    return true;
  } catch {
    return false;
  }
}

/**
 * The two halves of a rename can arrive in different passes (the new name first). A new file whose
 * content an agreed path had, where that path is gone from the source and unchanged on the
 * destination, is that path renamed: moved there, not copied.
 */
async function renamesAcrossPasses(ctx: PassContext, news: Move[], renamed: Set<Move>, done: () => void): Promise<void> {
  const candidates = news.filter((m) => m.entry?.type === 'file' && !m.dst && m.entry.size > 0);
  if (!candidates.length) return;
  const byHash = new Map<string, string[]>();
  const wanted = new Set(candidates.map((m) => m.entry!.hash));
  for (const [p, ag] of ctx.store.agreed) if (ag.type === 'file' && wanted.has(ag.hash) && !ctx.store.conflicts.has(p)) byHash.set(ag.hash!, [...(byHash.get(ag.hash!) ?? []), p]);
  if (!byHash.size) return;
  const olds = [...new Set([...byHash.values()].flat())];
  const [ta, tb] = await Promise.all([scanTree(ctx.a, olds, ctx.ignore), scanTree(ctx.b, olds, ctx.ignore)]);
  for (const m of candidates) {
    const src = m.from === 'a' ? ta : tb;
    const dst = m.from === 'a' ? tb : ta;
    const paths = byHash.get(m.entry!.hash!) ?? [];
    const dstSig = m.from === 'a' ? 'sigB' : 'sigA';
    // Unchanged on the destination by its size and mtime as agreed: nothing there is lost.
    const i = paths.findIndex((q) => !src.has(q) && dst.get(q)?.type === 'file' && ctx.store.agreed.get(q)![dstSig] === sigOf(dst.get(q)!));
    if (i < 0) continue;
    const [q] = paths.splice(i, 1);
    if (await renameOn(ctx, m, q!)) {
      renamed.add(m);
      done();
    }
  }
}

/** Whether the destination still holds what the pass scanned (type, size, mtime). */
async function stillAsScanned(to: Runtime, path: string, seen: Entry | null): Promise<boolean> {
  const st = await to.fs.stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!seen || !st) return !seen && !st;
  if (st.type !== seen.type) return false;
  return seen.type === 'dir' || sigOf(st) === sigOf(seen);
}

/** One move; its failure is that path's error. */
async function step(ctx: PassContext, m: Move, done: () => void): Promise<void> {
  const from = ctx[m.from];
  const to = ctx[other(m.from)];
  const started = Date.now();
  const record = (action: Transfer['action'], bytes = 0) => ctx.record({ at: Date.now(), path: m.path, direction: dirOf(m.from), action, bytes, ms: Date.now() - started });
  const agreeWith = (dstEntry: Entry | null) => agree(ctx, m.path, ...((m.from === 'a' ? [m.entry, dstEntry] : [dstEntry, m.entry]) as [Entry | null, Entry | null]));
  try {
    if (!(await stillAsScanned(to, m.path, m.dst))) {
      ctx.again(m.path); // edited there since the scan: decide again, overwrite nothing
      return;
    }
    const e = m.entry;
    if (!e) {
      if (m.dst?.type === 'dir') {
        if (await removeDirIfEmpty(to, m.path)) agreeWith(null);
      } else {
        await removePath(to, m.path);
        agreeWith(null);
      }
      record('delete');
    } else if (e.type === 'dir') {
      if (m.dst && m.dst.type !== 'dir' && !(await removeDirIfEmpty(to, m.path).catch(() => false))) await removePath(to, m.path);
      await ensureDir(to, m.path);
      agreeWith({ ...e });
      record('mkdir');
    } else if (e.type === 'symlink') {
      const st = await makeLink(to, m.path, e.target ?? '');
      agreeWith({ ...e, size: st.size, mtime: st.mtime });
      record('link');
    } else if (m.dst?.type === 'file' && m.dst.hash === e.hash) {
      const st = await setMode(to, m.path, e.mode);
      agreeWith({ ...e, size: st.size, mtime: st.mtime, mode: st.mode & 0o777 });
      record('mode');
    } else {
      const r = await copyFile(from, to, m.path, e.mode, { known: ctx.known?.[other(m.from)], dstType: m.dst?.type ?? null });
      const srcEntry: Entry = r.hash === e.hash ? e : { ...e, hash: r.hash, mtime: -1 }; // changed while copied: hash again next time
      agreeWith({ type: 'file', size: r.stat.size, mtime: r.stat.mtime, mode: r.stat.mode & 0o777, hash: r.hash });
      if (srcEntry !== e) ctx.store.agreed.get(m.path)![m.from === 'a' ? 'sigA' : 'sigB'] = undefined;
      record('write', r.size);
    }
    ctx.errors.delete(m.path);
  } catch (err) {
    const { reason } = reasonOf(err);
    ctx.errors.set(m.path, { side: other(m.from), reason });
    ctx.record({ at: Date.now(), path: m.path, direction: dirOf(m.from), action: 'error', bytes: 0, ms: Date.now() - started, detail: reason });
  } finally {
    done();
  }
}
