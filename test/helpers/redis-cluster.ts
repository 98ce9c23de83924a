import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTlsFiles, type TlsFiles } from './tls-certs.js';

const execFileP = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One redis-server of a test cluster. */
export interface ClusterNode {
  readonly port: number;
  /** Its TLS port, when the cluster speaks TLS too. */
  readonly tlsPort: number | null;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/** A line of CLUSTER NODES. */
export interface NodeLine {
  readonly id: string;
  readonly port: number;
  readonly flags: string[];
  /** Id of its master, for a replica. */
  readonly masterId: string | null;
  readonly connected: boolean;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `redis-cli -p <port> <args...>`, its output. */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await execFileP('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

/**
 * A Redis Cluster of the test's own: `masters` masters with one replica each, on free ports of a
 * random base in 17000-27000 (their cluster bus ports, +10000, free too), in a temporary
 * directory removed by stop(). Nodes run as children of the test (never daemonized), so
 * nothing outlives it. With `tls`, every node also listens for TLS on a port of its own, with a
 * certificate of a CA made for the test, and the cluster bus and replication use TLS; Redis 7
 * then tells each client the ports of its own kind (plain or TLS) in CLUSTER SLOTS.
 */
export class TestCluster {
  readonly nodes = new Map<number, ClusterNode>();
  private dir = '';
  /** The CA and certificate, once started with `tls`. */
  tlsFiles: TlsFiles | null = null;

  constructor(
    readonly masters = 3,
    /** cluster-node-timeout: small, so a killed master is replaced within a few seconds. */
    readonly nodeTimeoutMs = 2000,
    readonly tls = false,
  ) {}

  get ports(): number[] {
    return [...this.nodes.keys()];
  }

  /** A `redis+cluster://` URL naming two of the nodes as seeds (`rediss+cluster://`, their TLS ports, with `tls`). */
  url(tls = false, auth = ''): string {
    const seeds = [...this.nodes.values()].slice(0, 2).map((n) => `127.0.0.1:${tls ? n.tlsPort : n.port}`);
    return `${tls ? 'rediss' : 'redis'}+cluster://${auth ? `${auth}@` : ''}${seeds.join(',')}`;
  }

  private async freeBase(count: number): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const base = 17000 + Math.floor(Math.random() * (10000 - count));
      let ok = true;
      for (let i = 0; i < count && ok; i++) ok = (await portFree(base + i)) && (await portFree(base + i + 10000));
      if (ok) return base;
    }
    throw new Error('no free ports for a test cluster');
  }

  private startNode(port: number, tlsPort: number | null): ClusterNode {
    const dir = join(this.dir, String(port));
    const tls = this.tlsFiles && tlsPort
      ? ['--tls-port', String(tlsPort), '--tls-cert-file', this.tlsFiles.cert, '--tls-key-file', this.tlsFiles.key, '--tls-ca-cert-file', this.tlsFiles.ca, '--tls-auth-clients', 'no', '--tls-cluster', 'yes', '--tls-replication', 'yes']
      : [];
    mkdirSync(dir, { recursive: true });
    const child = spawn(
      'redis-server',
      [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', `nodes-${port}.conf`,
        '--cluster-node-timeout', String(this.nodeTimeoutMs),
        // A replica may always take over, however long ago it last heard from its master.
        '--cluster-replica-validity-factor', '0',
        '--dir', dir,
        '--appendonly', 'yes',
        '--save', '',
        '--daemonize', 'no',
        '--logfile', join(dir, 'redis.log'),
        ...tls,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const node = { port, tlsPort, child, exited };
    this.nodes.set(port, node);
    return node;
  }

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'importer-cluster-'));
    if (this.tls) this.tlsFiles = await makeTlsFiles(this.dir);
    const count = this.masters * 2;
    // Plain ports first, then the TLS ports.
    const base = await this.freeBase(this.tls ? 2 * count : count);
    for (let i = 0; i < count; i++) this.startNode(base + i, this.tls ? base + count + i : null);
    for (const port of this.ports) await this.waitFor(`node ${port} to answer`, async () => (await cli(port, 'ping').catch(() => '')).includes('PONG'), 10_000);
    await execFileP(
      'redis-cli',
      ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'],
      { timeout: 30_000 },
    );
    await this.waitUntilOk();
  }

  async waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(100);
    }
  }

  /**
   * Until every live node says cluster_state:ok, sees every live node connected with a replica
   * for each master, and every live replica has its master's data (master_link_status:up).
   */
  async waitUntilOk(timeoutMs = 30_000): Promise<void> {
    await this.waitFor(
      'cluster_state:ok on every live node, replicas in sync',
      async () => {
        const live = this.livePorts();
        for (const port of live) {
          const info = await cli(port, 'cluster', 'info').catch(() => '');
          if (!info.includes('cluster_state:ok')) return false;
          const lines = await this.nodeLines(port).catch(() => []);
          const seen = lines.filter((l) => live.includes(l.port) && (l.connected || l.flags.includes('myself')) && !l.flags.some((f) => f.startsWith('fail')));
          if (seen.length !== live.length) return false;
          const masters = seen.filter((l) => l.flags.includes('master'));
          if (!masters.every((m) => seen.some((r) => r.masterId === m.id)) && live.length === this.nodes.size) return false;
          if (lines.find((l) => l.flags.includes('myself'))?.flags.includes('slave')) {
            const replication = await cli(port, 'info', 'replication').catch(() => '');
            if (!replication.includes('master_link_status:up')) return false;
          }
        }
        return true;
      },
      timeoutMs,
    );
  }

  livePorts(): number[] {
    return this.ports.filter((p) => {
      const child = this.nodes.get(p)!.child;
      return child.exitCode === null && child.signalCode === null;
    });
  }

  /** CLUSTER NODES as seen by a live node. */
  async nodeLines(port = this.livePorts()[0]!): Promise<NodeLine[]> {
    const text = await cli(port, 'cluster', 'nodes');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [id, addr, flags, master, , , , link] = line.split(' ');
        return {
          id: id!,
          port: Number(/:(\d+)@/.exec(addr!)?.[1]),
          flags: flags!.split(','),
          masterId: master === '-' ? null : master!,
          connected: link === 'connected',
        };
      });
  }

  /** Port of the master that owns the hash slot of `key`. */
  async masterOf(key: string): Promise<number> {
    const port = this.livePorts()[0]!;
    const slot = Number((await cli(port, 'cluster', 'keyslot', key)).trim());
    const lines = (await cli(port, 'cluster', 'slots')).split('\n').map((l) => l.trim());
    // redis-cli prints CLUSTER SLOTS flat: start, end, then host, port, id for the master and each replica.
    for (let i = 0; i + 4 < lines.length; i++) {
      const start = Number(lines[i]);
      const end = Number(lines[i + 1]);
      if (/^\d+$/.test(lines[i]!) && /^\d+$/.test(lines[i + 1]!) && lines[i + 2] === '127.0.0.1' && start <= slot && slot <= end) {
        return Number(lines[i + 3]);
      }
    }
    throw new Error(`no master found for slot ${slot}`);
  }

  /** Port of the replica of the master on `port`. */
  async replicaOf(port: number): Promise<number> {
    const lines = await this.nodeLines();
    const master = lines.find((l) => l.port === port);
    const replica = lines.find((l) => l.masterId === master?.id);
    if (!replica) throw new Error(`master ${port} has no replica`);
    return replica.port;
  }

  /** SIGKILL: the node is gone at once, with whatever it had not yet replicated. */
  async kill(port: number): Promise<void> {
    const node = this.nodes.get(port)!;
    node.child.kill('SIGKILL');
    await node.exited;
  }

  /** Until the node on `port` is a master and the cluster is whole again. */
  async waitForPromotion(port: number, timeoutMs = 30_000): Promise<void> {
    await this.waitFor(
      `node ${port} to be promoted`,
      async () => {
        const role = await cli(port, 'role').catch(() => '');
        return role.startsWith('master');
      },
      timeoutMs,
    );
    await this.waitUntilOk(timeoutMs);
  }

  async stop(): Promise<void> {
    for (const node of this.nodes.values()) {
      if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL');
    }
    await Promise.all([...this.nodes.values()].map((n) => n.exited));
    this.nodes.clear();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
