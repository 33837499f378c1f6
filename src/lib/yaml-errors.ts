import type { YAMLError } from 'yaml';

/**
 * A YAML parse error as a person reads it: its first line, and for a second document (a `---`
 * after content) what to do, in place of the parser's advice to call another of its functions.
 */
export function describeYamlError(error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS') {
    return 'a second YAML document starts here (after ---); a file holds one: remove the --- or move what follows to a file of its own';
  }
  return error.message.split('\n')[0]!;
}
