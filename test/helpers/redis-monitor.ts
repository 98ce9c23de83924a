import { connect, type Socket } from 'node:net';

/** A MONITOR session on a raw connection: every command the server runs, as the lines it sends. */
export interface RedisMonitor {
  /** Calls `onLine` with each command line (`1796460734.654169 [0 127.0.0.1:33600] "evalsha" ...`). */
  readonly ready: Promise<void>;
  close(): void;
}

/**
 * Watches the commands a server runs (MONITOR) over a plain socket of its own, not a client
 * library's connection: nothing reconnects or re-enters monitor mode once it is closed, and the
 * shared server pays for it only while a test looks.
 */
export function monitorRedis(host: string, port: number, onLine: (line: string) => void): RedisMonitor {
  const socket: Socket = connect(port, host);
  socket.setEncoding('utf8');
  let buffer = '';
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  socket.on('connect', () => socket.write('MONITOR\r\n'));
  socket.on('error', (err) => rejectReady(err));
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (line === '+OK') resolveReady();
      else if (line.startsWith('+')) onLine(line.slice(1));
      else if (line.startsWith('-')) rejectReady(new Error(`MONITOR refused: ${line.slice(1)}`));
    }
  });
  return { ready, close: () => socket.destroy() };
}
