import type { Handler } from './handler-types.js';

const loaded = new Map<string, Promise<Handler>>();

/** Loads a handler module (JavaScript or TypeScript) once per process. */
export function loadHandler(path: string): Promise<Handler> {
  let handler = loaded.get(path);
  if (!handler) {
    handler = importHandler(path);
    loaded.set(path, handler);
    handler.catch(() => loaded.delete(path));
  }
  return handler;
}

async function importHandler(path: string): Promise<Handler> {
  // jiti (which compiles TypeScript handlers) is loaded only by imports that have a handler.
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, { interopDefault: true, moduleCache: true });
  const module = (await jiti.import(path)) as Handler & { default?: Handler };
  const handler: Handler = typeof module.validate === 'function' || typeof module.save === 'function' ? module : (module.default ?? {});
  if (typeof handler.validate !== 'function' && typeof handler.save !== 'function') {
    throw new Error(`handler ${path} exports neither validate() nor save()`);
  }
  return handler;
}
