/**
 * The one place secrets are taken out of URLs (targets, REDIS_URL, SMTP_URL, S3 endpoints)
 * before anything is stored, printed or mailed.
 *
 * Written on strings, not on `new URL()`: a password typed raw, with `/`, `@`, `#` or `:` in it,
 * makes the WHATWG parser fail or misplace it (`u:12#x@host` parses as port 12 and a fragment),
 * and a redaction that falls back to "leave it" on such input would leak exactly those.
 */

/** Query parameters whose value is a secret, compared lowercased (also after percent-decoding). */
const SECRET_PARAMS = new Set([
  'password', 'sslpassword', 'pass', 'passwd', 'pwd', 'secret', 'token', 'auth',
  'apikey', 'api_key', 'access_token', 'accesstoken', 'client_secret', 'secretaccesskey', 'secret_access_key',
]);

export function isSecretParam(name: string): boolean {
  let key = name;
  try {
    key = decodeURIComponent(name);
  } catch {
    // a malformed escape: compare the name as written
  }
  key = key.trim().toLowerCase();
  return SECRET_PARAMS.has(key) || /(^|[_-])(password|passwd|secret|token)$/.test(key);
}

export interface SplitUrl {
  /** The URL without any secret: safe to store, print and mail. */
  readonly url: string;
  /** The login password, from the user-info or a `password=` parameter (percent-decoded), or null. */
  readonly password: string | null;
  /** True when anything was taken out (a password, or another secret parameter). */
  readonly dropped: boolean;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Takes the secrets out of a URL, keeping the login password apart for the process that needs it.
 * The user-info ends at the last `@` whose prefix is `user:`: a raw `@`, `/`, `#` or `?` in the
 * password stays inside it (a query value with both `:` and `@` may then be cut too: over-redacted,
 * never leaked). Secret query parameters are dropped whole; a fragment is dropped too, since a
 * raw `#` in a password leaves the rest of it there.
 */
export function splitUrlSecrets(url: string): SplitUrl {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([\s\S]*)$/.exec(url);
  if (!scheme) return redactPairs(url);
  const [, head, rest] = scheme as unknown as [string, string, string];
  let password: string | null = null;
  let dropped = false;
  let tail = rest;
  const colon = /^([^/?#@:]*):/.exec(rest);
  const at = rest.lastIndexOf('@');
  if (colon && at >= colon[0].length && !queryAtAfterPort(rest, at)) {
    password = decoded(rest.slice(colon[0].length, at)) || null;
    tail = colon[1] ? `${colon[1]}@${rest.slice(at + 1)}` : rest.slice(at + 1);
    dropped = true;
  }
  const hash = tail.indexOf('#');
  if (hash >= 0) {
    tail = tail.slice(0, hash);
    dropped = true;
  }
  const question = tail.indexOf('?');
  if (question >= 0) {
    const kept: string[] = [];
    for (const pair of tail.slice(question + 1).split('&')) {
      const eq = pair.indexOf('=');
      const name = eq >= 0 ? pair.slice(0, eq) : pair;
      if (isSecretParam(name)) {
        dropped = true;
        if (password === null && /^password$/i.test(decoded(name).trim())) password = decoded(eq >= 0 ? pair.slice(eq + 1).replace(/\+/g, ' ') : '');
      } else if (pair !== '') kept.push(pair);
    }
    tail = tail.slice(0, question) + (kept.length > 0 ? `?${kept.join('&')}` : '');
  }
  return { url: head + tail, password, dropped };
}

/**
 * `db:5432/crm?application_name=me@work`: a host and port, then an `@` only in the query. Taken
 * for a user-info it would send the import to host `work`; a password of digits, then `/`, then
 * `?` is the one form this lets through.
 */
function queryAtAfterPort(rest: string, at: number): boolean {
  const authority = /^[^/?#]*/.exec(rest)![0];
  return !authority.includes('@') && /^[^:]*:\d+$/.test(authority) && /^[^?]*\?/.test(rest.slice(authority.length, at));
}

/** `host=db password=secret` and `...;Password=secret;...`: connection strings of key=value pairs. */
function redactPairs(text: string): SplitUrl {
  let dropped = false;
  const url = text.replace(/(^|[\s;&?,])([A-Za-z0-9_%-]+)\s*=\s*('[^']*'|"[^"]*"|[^\s;&,]*)/g, (whole, lead: string, name: string) => {
    if (!isSecretParam(name)) return whole;
    dropped = true;
    return `${lead}${name}=***`;
  });
  return { url, password: null, dropped };
}

/** Removes every secret from a URL-shaped string, so it can be shown or stored. */
export function redactUrl(url: string): string {
  return splitUrlSecrets(url).url;
}

/**
 * Redacts every URL inside a message (`cannot reach postgres://u:p@h/db: ...`). A URL's end is
 * where whitespace or a quote starts: a raw password with a space in it is cut there, so such
 * messages are built from redacted URLs in the first place; this is the second line of defence.
 */
export function redactText(text: string): string {
  return text.replace(/[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>]+/g, (url) => redactUrl(url));
}
