import type { Ora } from 'ora';
import { redactText } from '../redact.js';
import { barLine } from './bar-line.js';
import { BarPace } from './bar-pace.js';

/**
 * The progress bar and spinner libraries, loaded only when stderr is a terminal: they are never
 * shown otherwise, and loading them costs memory and start-up time (scripts and cron run without a TTY).
 */
const ui = process.stderr.isTTY ? { cliProgress: (await import('cli-progress')).default, ora: (await import('ora')).default } : null;

/** What every command accepts besides its own flags. */
export interface GlobalFlags {
  readonly redis?: string;
  readonly prefix?: string;
  readonly quiet?: boolean;
  readonly json?: boolean;
}

/** Bars, spinners and chatter go to stderr, and only to a terminal, never with --json or --quiet. */
export function interactive(flags: GlobalFlags): boolean {
  return Boolean(process.stderr.isTTY) && !flags.quiet && !flags.json;
}

/** A line of information on stderr for a person watching; silent in scripts and cron. */
export function info(flags: GlobalFlags, message: string): void {
  if (interactive(flags)) process.stderr.write(`${message}\n`);
}

/** Warnings go to stderr unless --quiet. */
export function warn(flags: GlobalFlags, message: string): void {
  if (!flags.quiet) process.stderr.write(`importer: ${redactText(message)}\n`);
}

export interface Bar {
  /** `estimated`: the total is a projection that may still move (see row-estimate.ts). */
  update(value: number, total: number, estimated?: boolean): void;
  stop(): void;
}

const NO_BAR: Bar = { update: () => {}, stop: () => {} };

/**
 * A bar on stderr when a person watches. It shows no time left until a pace is known (BarPace),
 * and a projected total with a `~`.
 */
export function progressBar(flags: GlobalFlags, label: string, unit: string): Bar {
  if (!interactive(flags) || !ui) return NO_BAR;
  const { cliProgress } = ui;
  const pace = new BarPace();
  let estimated = false;
  const bar = new cliProgress.SingleBar({
    format: (_options, params) =>
      barLine({ label, unit, value: params.value, total: params.total, estimated, secondsLeft: pace.secondsLeft(params.value, params.total) }),
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
  });
  // Drawn from the first update with a total on: before it there is nothing to show.
  let started = false;
  return {
    update: (value, total, isEstimate = false) => {
      if (!started && total <= 0 && value <= 0) return;
      estimated = isEstimate;
      pace.add(value, Date.now());
      if (!started) {
        started = true;
        bar.start(Math.max(total, value, 1), value);
        return;
      }
      bar.setTotal(Math.max(total, value, 1));
      bar.update(value);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function spinner(flags: GlobalFlags, text: string): Ora | null {
  if (!interactive(flags) || !ui) return null;
  return ui.ora({ text, stream: process.stderr }).start();
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
