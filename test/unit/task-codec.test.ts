import { describe, expect, it } from 'vitest';
import { decodeTask, encodeChunk } from '../../src/tasks/task-codec.js';

describe('task encoding', () => {
  it('round-trips a chunk with consecutive lines compactly', () => {
    const payload = encodeChunk(11, [12, 13], [['a', 'b'], ['c', 'd']]);
    expect(payload).toBe('[11,12,[["a","b"],["c","d"]]]');
    const task = decodeTask('4-1', ['d', payload]);
    expect(task).toEqual({ chunk: 4, firstRow: 11, lines: [12, 13], rows: [['a', 'b'], ['c', 'd']], duplicates: [] });
  });

  it('keeps every line when a quoted field spans lines, and decodes duplicates', () => {
    const payload = encodeChunk(1, [2, 5], [['x\ny\nz', '1'], ['q', '2']]);
    const task = decodeTask('0-1', ['d', payload, 'u', '1:0:1,1:1:7']);
    expect(task.lines).toEqual([2, 5]);
    expect(task.duplicates).toEqual([
      { index: 1, uniqueSlot: 0, firstRow: 1 },
      { index: 1, uniqueSlot: 1, firstRow: 7 },
    ]);
  });
});
