/** `npm run tether -- …`: operator commands (server/cli/users-cli.ts, migrate-db.ts). */
import { runMigrateDb } from './migrate-db';
import { runUsersCli } from './users-cli';

async function readStdin(): Promise<string | null> {
  if (process.stdin.isTTY) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const argv = process.argv.slice(2);
const io = {
  env: process.env,
  readStdin,
  out: (line: string) => void process.stdout.write(`${line}\n`),
  err: (line: string) => void process.stderr.write(`${line}\n`),
};
(argv[0] === 'migrate-db' ? runMigrateDb(argv.slice(1), io) : runUsersCli(argv, io)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`tether: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
