// Baseline for the throughput benchmark: the least a WebSocket relay can do — node-pty chunks
// sent as they come, no framing, offsets, flow control or auth. Prints "PORT <n>" when ready;
// each connection runs `cat <file>` and sends "END" (text) after the exit.
import pty from 'node-pty';
import { WebSocketServer } from 'ws';

const file = process.argv[2];
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
wss.on('listening', () => process.stdout.write(`PORT ${wss.address().port}\n`));
wss.on('connection', (ws) => {
  const p = pty.spawn('/bin/sh', ['-c', `cat '${file.replaceAll("'", "'\\''")}'`], { cols: 120, rows: 40, encoding: null });
  p.onData((d) => ws.send(d));
  p.onExit(() => ws.send('END'));
});
