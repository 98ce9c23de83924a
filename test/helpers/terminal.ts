import { spawn, spawnSync } from 'node:child_process';
import { BIN, type CliResult } from './cli.js';

/** util-linux `script`: runs a command on a pseudo-terminal of its own. */
export const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs the built command line on a pseudo-terminal (`script -qfec`), as a person at a terminal
 * runs it: stdout and stderr are both the terminal, so `stdout` holds everything it drew,
 * escape sequences and carriage returns included.
 */
export function runOnTerminal(args: readonly string[], options: { cwd: string; env: Record<string, string> }): Promise<CliResult> {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, COLUMNS: '200', LINES: '50' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** What a terminal shows in turn: the output cut at carriage returns and line ends, escape sequences removed. */
export function terminalFrames(output: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b[78]/g, '\r');
  return plain.split(/\r\n|\r|\n/).filter((line) => line.trim() !== '');
}
