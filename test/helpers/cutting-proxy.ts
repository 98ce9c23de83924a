import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a database that can lose a reply: once armed, the first time the client
 * sends bytes holding `pattern` (the end of a COPY, a COMMIT) they reach the server, but nothing
 * the server answers reaches the client, and both connections are cut `afterMs` later. The
 * server has committed; the client only sees its connection die. A fault no real server can be
 * made to produce on cue.
 */
export class CuttingProxy {
  private server: Server | null = null;
  private armed: Buffer | null = null;
  private afterMs = 0;
  private readonly sockets = new Set<Socket>();
  /** How many replies were lost on purpose. */
  cuts = 0;

  constructor(private readonly targetPort: number) {}

  async listen(): Promise<number> {
    const server = createServer((client) => this.relay(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  /** Loses the reply to the next client message holding `pattern`. */
  arm(pattern: Buffer, afterMs = 300): void {
    this.armed = pattern;
    this.afterMs = afterMs;
  }

  private relay(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.sockets.add(client);
    this.sockets.add(upstream);
    let silenced = false;
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('data', (data: Buffer) => {
      upstream.write(data);
      if (this.armed && data.includes(this.armed)) {
        this.armed = null;
        silenced = true;
        this.cuts++;
        setTimeout(close, this.afterMs);
      }
    });
    upstream.on('data', (data: Buffer) => {
      if (!silenced) client.write(data);
    });
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
