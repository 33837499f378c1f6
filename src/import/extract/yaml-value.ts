import type { Document } from 'yaml';

/**
 * A parsed YAML block's value, or undefined when it cannot be built: an alias naming an anchor the
 * block never sets (`**bold**` in prose reads as one to YAML) or aliases past yaml's expansion limit.
 * Such a block is skipped like one that does not parse.
 */
export function yamlValue(doc: Document.Parsed): unknown {
  try {
    return doc.toJS();
  } catch {
    return undefined;
  }
}
