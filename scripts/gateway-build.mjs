// The gateway as it ships: server/main.ts and everything it imports from this repository, bundled
// by esbuild into one ESM file (npm packages stay external, resolved from node_modules as before).
// `npm start`, the e2e fixtures and the bench all run this file with gatewayNodeFlags() and GATEWAY_ENV, so what
// the tests and the figures see is what users run.
//
// Why a bundle rather than `node --import tsx`: tsx compiles every module at load and keeps what
// it made, which cost ~65 MB of the gateway's resident memory (203 MB → 136 MB at start with the UI).
// A build takes ~0.2 s, so it is made at every start and never goes stale.
import * as esbuild from 'esbuild';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const GATEWAY_BUNDLE = path.join(root, '.tether-build', 'gateway.mjs');

/**
 * V8 flags for the gateway process, given the environment it will run with. With the pty host on
 * (the default) the gateway reads no PTY itself and gets few, large frames from it, so a 2 MiB
 * young generation (default 16 MiB per semi-space) costs little CPU and keeps the idle gateway with
 * its UI at ~113 MB instead of ~136 MB. With TETHER_PTY_HOST=off the gateway reads every PTY
 * chunk itself, and there the small young generation cost 60% more CPU per MB (2.48 vs 1.54
 * CPU-s per 100 MB in one interleaved run), so it keeps V8's default. With the pty host on, the
 * gateway now reads lent terminals' PTYs itself too, but into one reused buffer (spawner.ts
 * readPty): there 2 vs 16 MiB made no difference measurable in 3 runs each (2026-12-05).
 * `--initial-old-space-size=48`: V8 counts the ArrayBuffers allocated since the last full
 * collection (each socket read, ring block and frame) against the old generation's limit, which
 * for a ~20 MB heap sits ~10 MB above it, so a flood started a full mark-compact every ~3 MB of
 * output (73 per 300 MB; ~30% of the gateway's CPU). With a 48 MB floor the same flood takes one,
 * and CPU per 100 MB falls by about a quarter (2.3 → 1.7 CPU-s, pty host on, interleaved runs).
 * Memory it leaves uncollected is given back when the gateway goes quiet (memory-relief.ts).
 * `--expose-gc` lets server/os/memory-relief.ts collect once after a burst of terminals ended, so
 * their rings are given back instead of waiting for an allocation that an idle gateway never makes.
 */
export function gatewayNodeFlags(env = process.env) {
  return [...(env.TETHER_PTY_HOST === 'off' ? [] : ['--max-semi-space-size=2']), '--initial-old-space-size=48', '--expose-gc'];
}

/**
 * glibc malloc settings for the gateway (and the pty host it starts, which gets them too): two
 * arenas instead of one per thread trim the idle gateway by ~8 MB. Users' programs do not get
 * them (runtimes/local/local-runtime.ts MALLOC_TUNING_ENV). (A fixed mmap threshold gave a
 * burst's memory back too, but each 64 KiB socket read was then mapped and unmapped: 2-3× the
 * CPU per MB. A high fixed one with a high trim threshold saved ~0.25 CPU-s per 100 MB of page
 * faults on fresh OUTPUT frames, for ~2 MB more idle; frames reused from a pool
 * (server/core/frame-pool.ts) save the same and it was dropped. See README "Terminal speed".)
 */
export const GATEWAY_ENV = { MALLOC_ARENA_MAX: '2' };

/** Modules refer to files beside their source (`import.meta.dirname` / `.url`): inline each
 * module's own location, so bundling changes no path. */
const sourceLocation = {
  name: 'source-location',
  setup(build) {
    build.onLoad({ filter: /\.tsx?$/ }, async (args) => {
      const text = (await readFile(args.path, 'utf8'))
        .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents: text, loader: args.path.endsWith('.tsx') ? 'tsx' : 'ts' };
    });
  },
};

/** Build the bundle; resolves to its path. Safe to run concurrently (each writes its own files and
 * renames them into place). A linked source map is written beside it (`--enable-source-maps` reads
 * it, at a cost of ~25 MB, so it is off by default). */
export async function buildGateway() {
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'server', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    target: 'node20',
    outfile: GATEWAY_BUNDLE,
    sourcemap: 'linked',
    plugins: [sourceLocation],
    logLevel: 'warning',
    write: false,
  });
  await mkdir(path.dirname(GATEWAY_BUNDLE), { recursive: true });
  // The map first, so a bundle in place always has its map.
  const files = [...result.outputFiles].sort((a) => (a.path.endsWith('.map') ? -1 : 1));
  for (const file of files) {
    const tmp = `${file.path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, file.contents);
    await rename(tmp, file.path);
  }
  return GATEWAY_BUNDLE;
}

/** `node <flags> <bundle> <args>` as argv for spawn(process.execPath, …), for a gateway that will
 * run with `env`. */
export async function gatewayArgv(args = [], env = process.env) {
  return [...gatewayNodeFlags(env), await buildGateway(), ...args];
}
