/**
 * What a cold load of a workspace costs: the JavaScript the browser fetches (gzipped, as sent)
 * before the first terminal shows its prompt, and whether the terminal's code is fetched while the
 * socket opens rather than after it.
 */
import { gzipSync } from 'node:zlib';
import { expect, openNewWorkspace, tabSessions, test, useGateway, waitForPrompt } from './fixtures';

const gateway = useGateway();

/** The workbench issue's budget for a cold load of the workspace page. */
const FIRST_LOAD_GZIP_BUDGET = 350 * 1024;

test('a cold load of a workspace stays within the script budget and fetches the terminal code alongside the socket', async ({ page, browser }) => {
  const gw = gateway();
  await openNewWorkspace(page, gw, 'e2e-weight');
  const workspaceUrl = page.url();
  const storage = await page.context().storageState();

  // A fresh context: nothing cached.
  const context = await browser.newContext({ storageState: storage });
  const cold = await context.newPage();
  // Events in the order the browser reported them: which came first is what matters, not when.
  let seq = 0;
  const t0 = Date.now();
  const scripts: { url: string; seq: number; at: number; gzip: number; terminal: boolean }[] = [];
  const pending: Promise<void>[] = [];
  cold.on('request', (req) => {
    if (req.resourceType() !== 'script') return;
    const entry = { url: new URL(req.url()).pathname, seq: ++seq, at: Date.now() - t0, gzip: 0, terminal: false };
    scripts.push(entry);
    pending.push(
      req.response().then(async (res) => {
        const body = await res!.body();
        entry.gzip = gzipSync(body, { level: 6 }).length;
        // A string only xterm.js's own code has.
        entry.terminal = body.includes('xterm-char-measure-element');
      }),
    );
  });
  let socketSeq = 0;
  let socketAt = -1;
  cold.on('websocket', () => {
    if (socketSeq) return;
    socketSeq = ++seq;
    socketAt = Date.now() - t0;
  });
  await cold.goto(workspaceUrl);
  const [s] = await tabSessions(cold, 1);
  await waitForPrompt(cold, s!);
  const promptAt = Date.now() - t0;
  await Promise.all(pending);

  const total = scripts.reduce((n, s) => n + s.gzip, 0);
  const report = [
    `${scripts.length} scripts, ${(total / 1024).toFixed(1)} KiB gzipped; socket opened at ${socketAt} ms, prompt at ${promptAt} ms`,
    ...scripts.map((s) => `${String(s.at).padStart(5)} ms ${(s.gzip / 1024).toFixed(1).padStart(6)} KiB gz  ${s.url}${s.terminal ? '  (xterm.js)' : ''}`),
  ].join('\n');
  console.log(report);
  expect(total, report).toBeLessThanOrEqual(FIRST_LOAD_GZIP_BUDGET);
  // The terminal's code was asked for before the socket opened (when the page's modules ran), not
  // once the session list had come back over it.
  const terminalCode = scripts.find((s) => s.terminal);
  expect(terminalCode, report).toBeDefined();
  expect(socketSeq, report).toBeGreaterThan(0);
  expect(terminalCode!.seq, report).toBeLessThan(socketSeq);

  // The editor is not in that budget: it loads when a file is first opened, and that still works
  // from a click made straight away.
  await cold.keyboard.type('printf "weight-%s\\n" ok > w.txt\n');
  await cold.locator('[data-testid="tree-item"][data-path="w.txt"]').click();
  await expect(cold.locator('.editor-host .cm-content')).toContainText('weight-ok');
  await context.close();
});
