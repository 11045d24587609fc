/**
 * A terminal's own answers to the program's queries (device attributes, cursor position, colour
 * and mode reports, focus reports) in the default configuration (pty host on): answered once
 * while live, never again from a replay on reload, by a second tab or by the phone view.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { activeSession, expect, openNewWorkspace, terminalText, test, useGateway, workspaceRoot } from './fixtures';

const gateway = useGateway();

/**
 * Puts the terminal in raw mode and logs, as hex, everything it receives. On start and on each
 * `a` it asks what vim and friends ask — DA1, CPR, OSC 10 foreground colour, DECRQM, and focus
 * reporting switched on and off again — and logs the answers of the next 1.5 s as one line.
 */
const PROBE = String.raw`
import os, select, sys, time, tty
tty.setraw(0)
log = open(sys.argv[1], 'ab', buffering=0)
def ask():
    os.write(1, b'\x1b[c\x1b[6n\x1b]10;?\x07\x1b[?12$p\x1b[?1004h\x1b[?1004l')
def answers():
    got, end = b'', time.time() + 1.5
    while True:
        r, _, _ = select.select([0], [], [], max(0, end - time.time()))
        if not r:
            return got
        got += os.read(0, 4096)
ask()
log.write(b'ANSWERS ' + answers().hex().encode() + b'\n')
os.write(1, b'READY\r\n')
while True:
    d = os.read(0, 4096)
    if d == b'a':
        ask()
        log.write(b'ANSWERS ' + answers().hex().encode() + b'\n')
        os.write(1, b'ASKED\r\n')
    elif d == b'q':
        break
    else:
        log.write(b'GOT ' + d.hex().encode() + b'\n')
`;

interface ProbeLog {
  answers: string[];
  got: string[];
}

async function readLog(file: string): Promise<ProbeLog> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.split('\n').filter(Boolean);
  const decode = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');
  return {
    answers: lines.filter((l) => l.startsWith('ANSWERS ')).map((l) => decode(l.slice(8))),
    got: lines.filter((l) => l.startsWith('GOT ')).map((l) => decode(l.slice(4))),
  };
}

/** How many times each kind of answer appears in `s`. */
function count(s: string): { da: number; cpr: number; osc10: number; decrpm: number } {
  const n = (re: RegExp) => s.match(re)?.length ?? 0;
  return {
    da: n(/\x1b\[\?[\d;]*c/g),
    cpr: n(/\x1b\[\d+;\d+R/g),
    osc10: n(/\x1b\]10;rgb:/g),
    decrpm: n(/\x1b\[\?12;\d\$y/g),
  };
}

test('queries are answered once while live, and a reload, a second tab or the phone view types nothing into the program', async ({ page, context }) => {
  const gw = gateway();
  const session = await openNewWorkspace(page, gw, 'e2e-answers');
  const root = await workspaceRoot(page);
  await writeFile(path.join(root, 'probe.py'), PROBE);
  const log = path.join(root, 'probe.log');

  await page.locator('.term-host').first().click();
  await page.keyboard.type('python3 probe.py probe.log\n');
  await expect.poll(() => terminalText(page, session), { timeout: 20_000 }).toContain('READY');
  // Live: every query answered exactly once.
  await expect.poll(async () => (await readLog(log)).answers.length).toBe(1);
  expect(count((await readLog(log)).answers[0]!)).toEqual({ da: 1, cpr: 1, osc10: 1, decrpm: 1 });

  // Reload: the history (with its queries) is replayed into a fresh xterm, which must not answer.
  await page.reload();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');
  await expect.poll(() => terminalText(page, session)).toContain('READY');
  await expect.poll(() => activeSession(page)).toBe(session);
  // A second tab on the same workspace, and the phone view of the same terminal.
  const second = await context.newPage();
  await second.goto(page.url());
  await expect.poll(() => terminalText(second, session)).toContain('READY');
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(`${gw.url}/agents?s=${session}`);
  await expect.poll(() => terminalText(phone, session), { timeout: 20_000 }).toContain('READY');
  // Give any answer time to arrive: nothing did.
  await page.waitForTimeout(2000);
  expect((await readLog(log)).got).toEqual([]);

  // Three viewers attached and the program asks again: one answer per query, not three.
  await page.locator('.term-host').first().click();
  await page.keyboard.type('a');
  await expect.poll(() => terminalText(page, session)).toContain('ASKED');
  const { answers, got } = await readLog(log);
  expect(answers).toHaveLength(2);
  expect(count(answers[1]!)).toEqual({ da: 1, cpr: 1, osc10: 1, decrpm: 1 });
  expect(got).toEqual([]);

  // Typing still works from any tab, of course.
  await second.locator('.term-host').first().click();
  await second.keyboard.type('x');
  await expect.poll(async () => (await readLog(log)).got).toEqual(['x']);
  await second.keyboard.type('q');
  await Promise.all([second.close(), phone.close()]);
});
