import { describe, expect, it } from 'vitest';
import { copyField } from '../../src/targets/copy-text.js';

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
});
