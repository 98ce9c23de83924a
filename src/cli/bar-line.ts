import { durationInWords } from '../duration-words.js';
import { formatCount } from './context.js';

const BAR_WIDTH = 30;

export interface BarState {
  readonly label: string;
  readonly unit: string;
  readonly value: number;
  readonly total: number;
  /** The total is projected (rows so far scaled by the share of the file read), not counted. */
  readonly estimated: boolean;
  /** Null until a pace is known: then the line says nothing about the time left. */
  readonly secondsLeft: number | null;
}

/** One line of a progress bar: `Import [████░░░░] 42% | 4,200/~10,000 rows | 12 s left`. */
export function barLine(state: BarState): string {
  const total = Math.max(state.total, state.value, 1);
  const fraction = Math.min(1, state.value / total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = '\u2588'.repeat(filled) + '\u2591'.repeat(BAR_WIDTH - filled);
  const counts = `${formatCount(state.value)}/${state.estimated ? '~' : ''}${formatCount(total)} ${state.unit}`;
  const left = state.secondsLeft === null ? '' : ` | ${durationInWords(state.secondsLeft * 1000)} left`;
  return `${state.label} [${bar}] ${Math.floor(fraction * 100)}% | ${counts}${left}`;
}
