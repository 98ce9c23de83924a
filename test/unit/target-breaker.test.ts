import { describe, expect, it } from 'vitest';
import { BREAKER_BASE_MS, BREAKER_MAX_MS, breakerDelay, TargetBreaker } from '../../src/work/target-breaker.js';

describe('breakerDelay', () => {
  it('doubles from the base up to the cap, between half and all of it', () => {
    for (let failures = 1; failures <= 12; failures++) {
      const ceiling = Math.min(60_000, 1000 * 2 ** (failures - 1));
      for (let i = 0; i < 50; i++) {
        const delay = breakerDelay(failures, 1000, 60_000);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
    expect(breakerDelay(1000, 1000, 60_000)).toBeLessThanOrEqual(60_000);
  });

  it('by default, probes a target that stays down at least every 10 s, however long it has been down', () => {
    for (let failures = 1; failures <= 100; failures++) expect(breakerDelay(failures, BREAKER_BASE_MS, BREAKER_MAX_MS)).toBeLessThanOrEqual(10_000);
    expect(breakerDelay(100, BREAKER_BASE_MS, BREAKER_MAX_MS)).toBeGreaterThanOrEqual(5_000);
  });
});

describe('TargetBreaker', () => {
  it('lets every slot through while closed', async () => {
    const breaker = new TargetBreaker(50, 200);
    expect(breaker.open).toBe(false);
    expect(await Promise.all([breaker.turn(), breaker.turn(), breaker.turn()])).toEqual([true, true, true]);
  });

  it('once failed, waits its backoff, lets one probe through, and closes for all when it succeeds', async () => {
    const breaker = new TargetBreaker(200, 1000);
    breaker.failed('connect ECONNREFUSED');
    expect(breaker.open).toBe(true);
    expect(breaker.reason).toBe('connect ECONNREFUSED');
    expect(breaker.openedAt).not.toBeNull();
    const start = Date.now();
    const order: string[] = [];
    const a = breaker.turn().then((go) => order.push(`a:${go}`));
    const b = breaker.turn().then((go) => order.push(`b:${go}`));
    // The first through is the probe, after at least half the first backoff; the other waits for it.
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(order).toHaveLength(1);
    expect(Date.now() - start).toBeGreaterThanOrEqual(100);
    breaker.succeeded();
    await Promise.all([a, b]);
    expect(order).toHaveLength(2);
    expect(breaker.open).toBe(false);
    expect(breaker.reason).toBeNull();
  });

  it('a failed probe opens it again for longer; stopWaiting and an aborted signal end the wait', async () => {
    const breaker = new TargetBreaker(100, 10_000);
    breaker.failed('down');
    expect(await breaker.turn()).toBe(true);
    breaker.failed('still down');
    breaker.failed('still down');
    const controller = new AbortController();
    const waiting = breaker.turn(controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await waiting).toBe(false);
    expect(await breaker.turn(undefined, () => true)).toBe(false);
    expect(breaker.reason).toBe('still down');
  });
});
