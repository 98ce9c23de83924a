import { describe, expect, it } from 'vitest';
import { copyField, copyRowsText } from '../../src/targets/copy-text.js';

describe('copyField (COPY ... FORMAT csv)', () => {
  it('leaves plain text and numbers bare, and quotes what CSV or COPY would misread', () => {
    expect(copyField(null)).toBe('');
    expect(copyField('')).toBe('""'); // bare empty would be NULL
    expect(copyField('Anna Smith')).toBe('Anna Smith');
    expect(copyField(' padded ')).toBe(' padded ');
    expect(copyField(12.5)).toBe('12.5');
    expect(copyField(true)).toBe('t');
    expect(copyField('a,b')).toBe('"a,b"');
    expect(copyField('say "hi"')).toBe('"say ""hi"""');
    expect(copyField('two\nlines')).toBe('"two\nlines"');
    expect(copyField('cr\r')).toBe('"cr\r"');
    expect(copyField('\\.')).toBe('"\\."'); // the end-of-data line, bare
  });

  it('sends a number field as it is only when it is the number\'s own text', () => {
    // mulberry32: a small seeded generator whose low bits are as random as its high ones.
    let seed = 5;
    const random = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const digits = (n: number): string => Array.from({ length: n }, () => String(random(10))).join('');
    let verbatim = 0;
    const edges = ['0.000001', '0.0000001', '0.00000012', '-0', '0', '-0.0', '1.10', '9007199254740993', '123456789012345', '1234567890123456', '1e21', '.5', '5.'];
    for (let i = 0; i < 50_000 + edges.length; i++) {
      const sign = random(4) === 0 ? '-' : '';
      const field = edges[i - 50_000] ?? [
        () => sign + digits(1 + random(18)),
        () => `${sign}${digits(1 + random(9))}.${digits(1 + random(9))}`,
        () => `${sign}0.${digits(random(9))}`,
        () => `${sign}${digits(1 + random(3))}e${random(30)}`,
      ][random(4)]!();
      const value = Number(field);
      const line = copyRowsText([[value]], { fields: [[field]], lines: [field] }, [false]);
      expect(line).toBe(field === line.slice(0, -1) ? `${String(value)}\n` : `${copyField(value)}\n`);
      if (line === `${field}\n`) verbatim++;
    }
    expect(verbatim).toBeGreaterThan(10_000);
  });

  it('sends a boolean word as it is only into a boolean column, and never a row with a quote or line break', () => {
    const row = [true, 'x'];
    expect(copyRowsText([row], { fields: [['yes', 'x']], lines: ['yes,x'] }, [true, false])).toBe('yes,x\n');
    expect(copyRowsText([row], { fields: [['yes', 'x']], lines: ['yes,x'] }, [false, false])).toBe('t,x\n');
    expect(copyRowsText([[true, 'x\ry']], { fields: [['1', 'x\ry']], lines: ['1,x\ry'] }, [true, false])).toBe('t,"x\ry"\n');
    expect(copyRowsText([[true, 'x']], { fields: [['1', 'x']], lines: [null] }, [true, false])).toBe('t,x\n');
  });
});
