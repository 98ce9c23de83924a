import { holdYoungGeneration } from '../heap-flags.js';
import { prestartRenderThread } from '../report/render-thread.js';

/** Options of the command line itself (main.ts) that take a value: the word after one is not a command. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--redis', '--prefix']);

/** The command named by the command line's arguments (after node and the script), if any. */
export function commandOf(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return null;
}

/**
 * What bin/importer.js starts before it loads the command line (~0.15 s of modules):
 * - V8's young generation is held at its first size while the command line loads: loading alone
 *   grew it several times over, and V8 never gives that back. Each command then lets it grow as
 *   far as suits it (heap-flags.ts).
 * - A report's rendering thread, which then loads alongside (render-thread.ts). Guessed from the
 *   arguments before they are parsed: a wrong guess costs one idle thread, which keeps nothing
 *   alive, or a thread started later, by the report itself.
 */
export function startAhead(args: readonly string[]): void {
  holdYoungGeneration();
  // Not for `run`: its report comes after the import, and its thread loads meanwhile as it is.
  if (commandOf(args) === 'report') prestartRenderThread();
}
