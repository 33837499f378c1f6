/**
 * Where the web UI shows a runbook reference (`runbooks/db.md#RB-002`): the runbook's page, at the
 * procedure. A reference that is a web address already (`https://wiki/…`) is its own place.
 */
export function runbookViewPath(reference: string): string {
  if (/^https?:\/\//i.test(reference)) return reference;
  const hash = reference.lastIndexOf('#');
  const file = hash < 0 ? reference : reference.slice(0, hash);
  return `/runbooks/view?file=${encodeURIComponent(file)}${hash < 0 ? '' : `#proc-${encodeURIComponent(reference.slice(hash + 1))}`}`;
}
