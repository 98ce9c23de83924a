import { usageError } from '../errors.js';
import { redactUrl } from '../redact.js';

/** Where Redis is: one node (redis://, rediss://) or a cluster (redis+cluster://, rediss+cluster://). */
export type RedisLocation =
  | { readonly kind: 'single'; readonly url: string }
  | {
      readonly kind: 'cluster';
      readonly nodes: readonly { readonly host: string; readonly port: number }[];
      readonly username?: string;
      readonly password?: string;
      readonly tls: boolean;
    };

/** `redis+cluster://user:pass@host1:7000,host2:7001` lists seed nodes of a cluster. */
export function parseRedisUrl(url: string): RedisLocation {
  const cluster = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/.exec(url);
  if (cluster) {
    const [, scheme, auth, hosts] = cluster;
    const [user, ...rest] = (auth ?? '').split(':');
    const nodes = hosts!.split(',').map((hostPort) => {
      const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hostPort.trim());
      if (!match) throw usageError(`invalid cluster node "${hostPort}" in the Redis URL`);
      return { host: match[1]!, port: match[2] ? Number(match[2]) : 6379 };
    });
    return {
      kind: 'cluster',
      nodes,
      username: user ? decodeURIComponent(user) : undefined,
      password: rest.length > 0 ? decodeURIComponent(rest.join(':')) : undefined,
      tls: scheme === 'rediss',
    };
  }
  if (!/^rediss?:\/\//.test(url)) throw usageError(`unsupported Redis URL "${redactUrl(url)}": use redis://, rediss://, redis+cluster:// or rediss+cluster://`);
  try {
    new URL(url);
  } catch {
    // ioredis would throw "Invalid URL" with no word of which; a raw "/" or "#" in a password does this.
    throw usageError(`Redis URL "${redactUrl(url)}" cannot be parsed: percent-encode the characters / ? # @ : in its password (%2F %3F %23 %40 %3A)`);
  }
  return { kind: 'single', url };
}
