/**
 * The runner artifact: the worker agent (server/worker/runner-main.ts) bundled by esbuild into
 * one CommonJS file that needs nothing but `node` (>= 18) on the machine running it. node-pty's
 * native addon (an N-API build, so any Node version with N-API 8 loads it) is embedded in the
 * file and written next to it on first start, checked against its SHA-256 every time.
 *
 * In DATA_DIR/runner/:
 *   runner-<version>-<digest16>.js       the artifact
 *   runner-<version>-<digest16>.sig.json  {version, sha256, algorithm, publicKey, signature}
 *   signing-key.pem                       ed25519 private key (0600), made on first build
 *
 * The signature covers `tether-runner\n<version>\n<sha256>\n`. Before deploying, the gateway
 * reads the artifact back from disk and checks both its digest and the signature (a file
 * changed in DATA_DIR is refused, not shipped); on the host the digest is checked again before
 * every start.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../../secrets';

export const RUNNER_NODE_MIN_MAJOR = 18;
/** node-pty 1.x is built with node-addon-api for this N-API version. */
export const RUNNER_NAPI_MIN = 8;

export interface RunnerArtifact {
  version: string;
  sha256: string;
  fileName: string;
  /** Where it is in DATA_DIR. */
  path: string;
  bytes: number;
  /** The .sig.json text (travels with the artifact). */
  manifest: string;
  /** The platform and arch the embedded native addon was built for. */
  platform: string;
  arch: string;
}

interface Manifest {
  version: string;
  sha256: string;
  algorithm: 'ed25519';
  publicKey: string;
  signature: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const requireHere = createRequire(import.meta.url);

function signedText(version: string, digest: string): Buffer {
  return Buffer.from(`tether-runner\n${version}\n${digest}\n`);
}

async function signingKey(dir: string): Promise<KeyObject> {
  const file = path.join(dir, 'signing-key.pem');
  if (existsSync(file)) return createPrivateKey(readFileSync(file));
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err; // another process made it first: use theirs
  });
  return createPrivateKey(readFileSync(file));
}

export function nativeAddonPath(): string {
  const ptyDir = path.dirname(requireHere.resolve('node-pty/package.json'));
  for (const rel of ['build/Release/pty.node', `prebuilds/${process.platform}-${process.arch}/pty.node`]) {
    const p = path.join(ptyDir, rel);
    if (existsSync(p)) return p;
  }
  throw new Error('node-pty has no native build here: run npm rebuild node-pty');
}

/** Where a bundle writes (and next time finds) its embedded addon: beside itself, under this name.
 * The docker worker image places the file there in advance, since the bundle's folder is read-only. */
export function ptyAddonFileName(addonSha: string): string {
  return `pty-${addonSha.slice(0, 16)}.node`;
}

/** The bundle, as bytes (deterministic for the same sources). */
export function bundleRunner(version: string): Promise<Uint8Array> {
  return bundleAgentScript({ entry: 'server/worker/runner-main.ts', version, banner: `/* Tether runner ${version}. Run: node <this file> serve|bridge --dir DIR */` });
}

/**
 * An agent entry point (runner-main.ts, or main.ts for a cloud worker's container) bundled into
 * one CommonJS file with node-pty's addon embedded.
 */
export async function bundleAgentScript(opts: { entry: string; version: string; banner: string }): Promise<Uint8Array> {
  const { version } = opts;
  const esbuild = await import('esbuild');
  const addon = readFileSync(nativeAddonPath());
  const addonSha = sha256Hex(addon);
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: [opts.entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${RUNNER_NODE_MIN_MAJOR}`,
    write: false,
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    define: { __TETHER_RUNNER_VERSION__: JSON.stringify(version) },
    banner: { js: opts.banner },
    plugins: [
      {
        name: 'embedded-node-pty-addon',
        setup(build) {
          // node-pty finds its addon relative to its own files, which a bundle does not have.
          build.onLoad({ filter: /node-pty[\\/]lib[\\/]utils\.js$/ }, () => ({
            loader: 'js',
            contents: `exports.assign = function (t) { for (var i = 1; i < arguments.length; i++) { var s = arguments[i]; Object.keys(s).forEach(function (k) { t[k] = s[k]; }); } return t; };
exports.loadNativeModule = function (name) {
  if (name !== 'pty') throw new Error('the Tether runner embeds only the pty addon');
  return { dir: './', module: require('tether:pty-addon')() };
};`,
          }));
          build.onResolve({ filter: /^tether:pty-addon$/ }, () => ({ path: 'pty-addon', namespace: 'tether' }));
          build.onLoad({ filter: /.*/, namespace: 'tether' }, () => ({
            loader: 'js',
            contents: `var SHA = ${JSON.stringify(addonSha)};
var B64 = ${JSON.stringify(addon.toString('base64'))};
module.exports = function () {
  var fs = require('fs'), path = require('path'), crypto = require('crypto');
  var file = path.join(path.dirname(__filename), ${JSON.stringify(ptyAddonFileName(addonSha))});
  var ok = false;
  try { ok = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex') === SHA; } catch (e) {}
  if (!ok) {
    var tmp = file + '.' + process.pid + '.tmp';
    fs.writeFileSync(tmp, Buffer.from(B64, 'base64'), { mode: 384 });
    fs.renameSync(tmp, file);
  }
  var m = { exports: {} };
  process.dlopen(m, file);
  return m.exports;
};`,
          }));
        },
      },
    ],
  });
  return result.outputFiles[0]!.contents;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

const built = new Map<string, Promise<RunnerArtifact>>();

/** Build (once per process and DATA_DIR), sign and store the artifact; reuses an identical file. */
export function runnerArtifact(dataDir: string): Promise<RunnerArtifact> {
  let p = built.get(dataDir);
  if (!p) {
    p = buildArtifact(dataDir);
    built.set(dataDir, p);
    p.catch(() => built.delete(dataDir));
  }
  return p;
}

async function buildArtifact(dataDir: string): Promise<RunnerArtifact> {
  const dir = path.join(dataDir, 'runner');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const version = packageVersion();
  const bytes = await bundleRunner(version);
  const digest = sha256Hex(bytes);
  const fileName = `runner-${version}-${digest.slice(0, 16)}.js`;
  const file = path.join(dir, fileName);
  const key = await signingKey(dir);
  const manifest: Manifest = {
    version,
    sha256: digest,
    algorithm: 'ed25519',
    publicKey: createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64'),
    signature: sign(null, signedText(version, digest), key).toString('base64'),
  };
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  const current = await readFile(file).catch(() => null);
  if (!current || sha256Hex(current) !== digest) {
    await writeFile(`${file}.tmp`, bytes, { mode: 0o644 });
    await rename(`${file}.tmp`, file);
  }
  await writeFile(file.replace(/\.js$/, '.sig.json'), manifestText, { mode: 0o644 });
  return { version, sha256: digest, fileName, path: file, bytes: bytes.byteLength, manifest: manifestText, platform: process.platform, arch: process.arch };
}

export class ArtifactTamperedError extends Error {}

/**
 * The artifact's bytes read back from DATA_DIR, after checking that they still have the signed
 * digest and that the signature verifies with the public key that travels with them.
 */
export async function verifiedArtifactBytes(a: RunnerArtifact): Promise<Buffer> {
  const bytes = await readFile(a.path);
  const m = JSON.parse(a.manifest) as Manifest;
  const publicKey = createPublicKey({ key: Buffer.from(m.publicKey, 'base64'), format: 'der', type: 'spki' });
  if (!verify(null, signedText(m.version, m.sha256), publicKey, Buffer.from(m.signature, 'base64'))) throw new ArtifactTamperedError('the runner artifact signature does not verify');
  if (sha256Hex(bytes) !== m.sha256) throw new ArtifactTamperedError(`${a.fileName} in DATA_DIR was changed after it was signed`);
  return bytes;
}
