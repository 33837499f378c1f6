// Module resolution hooks that name every file module a process loads, one `loaded: URL` line each on
// stderr (see register.mjs). Used to show which modules a command imports.
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith('file:')) process._rawDebug(`loaded: ${resolved.url}`);
  return resolved;
}
