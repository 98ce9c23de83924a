import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * Network namespaces standing in for worker hosts: each has its own address on a veth pair to
 * the host side, in 10.231.<n>.0/30 blocks, and nothing else (no route out, no forwarding).
 * Needs root and iproute2; `unavailable()` says why not, for a skipped test.
 */

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

export function unavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    ip('netns', 'list');
  } catch (err) {
    return `"ip netns" is unavailable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
  return null;
}

export interface WorkerHost {
  /** The namespace's name, for `ip netns exec`. */
  readonly ns: string;
  /** The host side of its link: where it reaches the host's services. */
  readonly hostAddress: string;
  /** Its own address. */
  readonly address: string;
}

/** A third octet no interface of this machine uses in 10.231.0.0/16. */
function freeOctet(): number {
  const used = ip('-o', '-4', 'addr', 'show');
  for (let attempt = 0; attempt < 100; attempt++) {
    const n = Math.floor(Math.random() * 256);
    if (!used.includes(`10.231.${n}.`)) return n;
  }
  throw new Error('no free 10.231.<n>.0/24 block for the test');
}

export class WorkerHosts {
  readonly hosts: WorkerHost[] = [];
  private readonly tag = randomBytes(3).toString('hex');
  private readonly links: string[] = [];

  /** Creates `count` namespaces (at most 64), each linked to the host side by its own veth pair. */
  create(count: number): WorkerHost[] {
    const octet = freeOctet();
    for (let i = 0; i < count; i++) {
      const ns = `imp-${this.tag}-${i}`;
      const hostLink = `vi${this.tag}h${i}`;
      const nsLink = `vi${this.tag}n${i}`;
      const hostAddress = `10.231.${octet}.${4 * i + 1}`;
      const address = `10.231.${octet}.${4 * i + 2}`;
      ip('netns', 'add', ns);
      this.hosts.push({ ns, hostAddress, address });
      ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', nsLink);
      this.links.push(hostLink);
      ip('link', 'set', nsLink, 'netns', ns);
      ip('addr', 'add', `${hostAddress}/30`, 'dev', hostLink);
      ip('link', 'set', hostLink, 'up');
      ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${address}/30`, 'dev', nsLink);
      ip('netns', 'exec', ns, 'ip', 'link', 'set', nsLink, 'up');
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    return this.hosts;
  }

  /** Removes every namespace and link made here, whatever state they are in. */
  destroy(): void {
    for (const host of this.hosts) {
      try {
        ip('netns', 'del', host.ns); // takes its end of the veth pair, and so the pair, with it
      } catch {
        // already gone
      }
    }
    for (const link of this.links) {
      try {
        ip('link', 'del', link);
      } catch {
        // gone with its namespace
      }
    }
    this.hosts.length = 0;
    this.links.length = 0;
  }
}
