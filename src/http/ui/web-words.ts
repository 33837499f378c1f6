/**
 * Messages from the domains speak to both transports; some name the CLI's flags. On a web page
 * those hints point nowhere, so they are dropped or said with the page's own words.
 */
const RULES: Array<[RegExp, string]> = [
  [/ \(--confirm on the command line\); --yes is not enough/g, ''],
  [/ \(--yes does not confirm a destructive step\)/g, ''],
  [/: confirm with "yes", or pass --yes/g, ': type "yes" to confirm'],
  [/ or pass --service/g, ''],
  [/pass ((?:--param [A-Za-z0-9_]+=VALUE ?)+)/g, 'set procedures[…].params for $1'],
  [/--param ([A-Za-z0-9_]+)=VALUE/g, '$1'],
  [/pass --param NAME=VALUE or set/g, 'set'],
];

export function forTheWeb(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out.replace(/ {2,}/g, ' ').trim();
}
