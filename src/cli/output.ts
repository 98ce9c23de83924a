import type { Ora } from 'ora';
import { redactText } from '../redact.js';

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
  update(value: number, total: number): void;
  stop(): void;
}

const NO_BAR: Bar = { update: () => {}, stop: () => {} };

export function progressBar(flags: GlobalFlags, label: string, unit: string): Bar {
  if (!interactive(flags) || !ui) return NO_BAR;
  const { cliProgress } = ui;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0);
  return {
    update: (value, total) => {
      bar.setTotal(Math.max(total, value, 1));
      bar.update(value);
    },
    stop: () => bar.stop(),
  };
}

export function spinner(flags: GlobalFlags, text: string): Ora | null {
  if (!interactive(flags) || !ui) return null;
  return ui.ora({ text, stream: process.stderr }).start();
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
