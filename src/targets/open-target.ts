import { parseTarget } from './target-url.js';
import { SqliteTarget } from './sqlite-target.js';
import { PostgresTarget } from './postgres-target.js';
import { MysqlTarget } from './mysql-target.js';
import type { Target } from './target.js';

/** Opens the target an import's record names. */
export function openTarget(url: string): Target {
  const location = parseTarget(url);
  switch (location.kind) {
    case 'sqlite':
      return new SqliteTarget(location.path);
    case 'postgres':
      return new PostgresTarget(location.url);
    case 'mysql':
      return new MysqlTarget(location.url);
  }
}
