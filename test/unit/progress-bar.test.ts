import { describe, expect, it } from 'vitest';
import { BarPace } from '../../src/cli/bar-pace.js';
import { barLine } from '../../src/cli/bar-line.js';
import { rowTotal } from '../../src/cli/row-estimate.js';

describe('the pace of a bar', () => {
  it('knows nothing until the value has moved over a second, then the time left at that pace', () => {
    const pace = new BarPace();
    expect(pace.secondsLeft(0, 100)).toBeNull();
    pace.add(0, 1_000);
    pace.add(10, 1_500);
    expect(pace.perSecond()).toBeNull();
    expect(pace.secondsLeft(10, 100)).toBeNull();
    pace.add(20, 2_000);
    expect(pace.perSecond()).toBe(20);
    expect(pace.secondsLeft(20, 100)).toBe(4);
  });

  it('a value that stands still over the whole window has no pace', () => {
    const pace = new BarPace();
    pace.add(5, 0);
    pace.add(5, 5_000);
    expect(pace.secondsLeft(5, 100)).toBeNull();
  });

  it('follows the last ten seconds, not the start', () => {
    const pace = new BarPace();
    pace.add(0, 0);
    pace.add(1_000, 1_000); // a fast start
    for (let t = 2_000; t <= 30_000; t += 1_000) pace.add(1_000 + (t - 1_000) / 100, t); // then 10 a second
    expect(pace.perSecond()).toBeCloseTo(10, 5);
  });
});

describe('the total of rows while the file is read', () => {
  it('is projected from the bytes read, and counted once the file is read through', () => {
    expect(rowTotal({ rows: 1_000, bytesRead: 50_000, totalBytes: 1_000_000 })).toEqual({ rows: 20_000, estimated: true });
    expect(rowTotal({ rows: 19_990, bytesRead: 1_000_000, totalBytes: 1_000_000 })).toEqual({ rows: 19_990, estimated: false });
    expect(rowTotal({ rows: 0, bytesRead: 0, totalBytes: 1_000_000 })).toEqual({ rows: 0, estimated: true });
  });

  it('without a size (stdin) is the count so far', () => {
    expect(rowTotal({ rows: 500, bytesRead: 9_000, totalBytes: null })).toEqual({ rows: 500, estimated: false });
  });
});

describe('a bar line', () => {
  it('marks a projected total and says nothing of the time left until it is known', () => {
    expect(barLine({ label: 'Import', unit: 'rows', value: 2_500, total: 10_000, estimated: true, secondsLeft: null })).toBe(
      `Import [${'\u2588'.repeat(8)}${'\u2591'.repeat(22)}] 25% | 2,500/~10,000 rows`,
    );
    expect(barLine({ label: 'Import', unit: 'rows', value: 5_000, total: 10_000, estimated: false, secondsLeft: 125 })).toMatch(/ 50% \| 5,000\/10,000 rows \| 2 min 5 s left$/);
  });
});
