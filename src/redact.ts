/** Removes the password from a URL-shaped string, so it can be shown or stored. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '';
      // URL keeps "user:@host" only when a username remains; rebuild so no colon leaks.
      return parsed.toString().replace(/:@/, '@');
    }
    return url;
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1@');
  }
}
