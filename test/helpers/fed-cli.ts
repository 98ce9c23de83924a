import type { ChildProcess } from 'node:child_process';
import { startCli, type CliResult } from './cli.js';

/** A command line process whose stdin the test writes to bit by bit (e.g. `enqueue -`). */
export interface FedCli {
  readonly child: ChildProcess;
  /** Output and exit, once the process has closed. */
  readonly result: Promise<CliResult>;
  write(text: string): void;
  end(text?: string): void;
}

export function startFed(args: readonly string[], env: Record<string, string> = {}): FedCli {
  const child = startCli(args, { env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.on('error', () => {}); // a process that exited early: its result tells why
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    result,
    write: (text) => void child.stdin!.write(text),
    end: (text) => void child.stdin!.end(text),
  };
}
