import { sleep } from '../sleep.js';

const POLL_MS = 25;

/**
 * Makes a probe (row-probe.ts) the only work of its process while it runs. A process blocked by
 * one chunk's row dies with every chunk it holds: a probe running beside another chunk would blame
 * its own row in progress for the other's hang, and two probes started together advance in step,
 * so the same innocent row would be blamed twice.
 */
export class ProbeGate {
  /** Chunks being handled, probes waiting for their turn excepted. */
  private working = 0;
  private waiting = 0;
  private probing = false;

  /** Before a slot takes chunks: waits while a probe runs or waits for the others to finish. */
  async beforeFetch(): Promise<void> {
    while (this.probing || this.waiting > 0) await sleep(POLL_MS);
  }

  /** Around the handling of chunks taken. */
  enter(): void {
    this.working++;
  }

  leave(): void {
    this.working--;
  }

  /** Within enter/leave: runs `probe` once every other chunk of this process is done. */
  async alone<T>(probe: () => Promise<T>): Promise<T> {
    this.working--;
    this.waiting++;
    try {
      while (this.probing || this.working > 0) await sleep(POLL_MS);
      this.probing = true;
    } finally {
      this.waiting--;
      this.working++;
    }
    try {
      return await probe();
    } finally {
      this.probing = false;
    }
  }
}
