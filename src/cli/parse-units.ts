import { InvalidArgumentError } from 'commander';

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const BYTES: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** "3600", "90s", "30m", "12h", "7d" -> seconds; "0" is allowed. */
export function duration(name: string) {
  return (value: string): number => {
    const match = /^(\d+(?:\.\d+)?)\s*([smhd])?$/i.exec(value.trim());
    if (!match) throw new InvalidArgumentError(`${name} must be a duration such as 3600, 90s, 30m, 12h or 7d`);
    return Math.round(Number(match[1]) * SECONDS[(match[2] ?? 's').toLowerCase()]!);
  };
}

/** "10485760", "500KB", "10MB", "1GB" (powers of 1024) -> bytes. */
export function byteSize(name: string) {
  return (value: string): number => {
    const match = /^(\d+(?:\.\d+)?)\s*(b|kb?|mb?|gb?)?$/i.exec(value.trim());
    if (!match) throw new InvalidArgumentError(`${name} must be a size such as 10MB, 500KB or a number of bytes`);
    return Math.floor(Number(match[1]) * BYTES[(match[2] ?? 'b').toLowerCase()]!);
  };
}
