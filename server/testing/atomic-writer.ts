/**
 * Child process for the kill-during-save test: saves two alternating 4 MiB contents to one file
 * through LocalFs, forever, until killed. Args: <root> <relative path>.
 */
import { LocalFs } from '../runtimes/local/local-fs';
import { PathJail } from '../runtimes/path-jail';

const [root, rel] = process.argv.slice(2);
const fs = new LocalFs(new PathJail(root!));
const contents = [new Uint8Array(4 * 1024 * 1024).fill(0x41), new Uint8Array(4 * 1024 * 1024).fill(0x42)];
process.stdout.write('ready\n');
for (let i = 0; ; i++) await fs.writeFile(rel!, contents[i % 2]!);
