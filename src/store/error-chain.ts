/**
 * The code (a SQLite code, a PostgreSQL SQLSTATE or a Node code) and message of an error and of its
 * causes, outermost first (at most five deep): what the store's error classifiers read, so an error
 * wrapped by a repository still counts.
 */
export function codesOf(error: unknown): Array<{ code: string; message: string }> {
  const out: Array<{ code: string; message: string }> = [];
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    out.push({ code: typeof code === 'string' ? code : '', message: typeof message === 'string' ? message : '' });
  }
  return out;
}
