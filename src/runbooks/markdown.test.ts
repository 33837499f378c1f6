import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import spec from 'commonmark-spec';
import { describe, expect, it } from 'vitest';
import { corpusFile } from '../../bench/support/runbook-corpus.js';
import { tokenize } from './markdown.js';

/** markdown-it as it comes, with the reader's options: the tokens the reader's shortcuts must give. */
const stock = new MarkdownIt({ html: true, linkify: false });

function fixtures(dir: string): string[] {
  const full = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks', dir);
  return readdirSync(full).sort().map((f) => readFileSync(path.join(full, f), 'utf8'));
}

describe('the reader tokenizes markdown exactly as markdown-it does', () => {
  it('on every example of the CommonMark spec', () => {
    for (const example of spec.tests) expect(tokenize(example.markdown), `example ${example.number}`).toEqual(stock.parse(example.markdown, {}));
  });

  it('on the seeds, the layout fixtures and files of the bench corpus', () => {
    const texts = [...fixtures('seeds'), ...fixtures('layouts'), ...Array.from({ length: 60 }, (_, i) => corpusFile(i * 17))];
    for (const [i, text] of texts.entries()) expect(tokenize(text), `text ${i}`).toEqual(stock.parse(text, {}));
  });

  it('on line endings, NULs and inline text with and without markup', () => {
    const texts = [
      '# Title\r\n\r\nPlain words here\r\n',
      'a\rb\r\n\r\n- item\r- other',
      'nul \0 in text\n\n# heading \0\n',
      '',
      '#\n\n##   \n',
      '| a | b |\n|---|---|\n| plain | `code` |\n| x y |  |\n',
      'Plain text, with (parentheses); quotes "x" and \'y\', dots... and a/slash?\n',
      'Label: a - b # c $HOME 50% +1 = 2 > 1 @here ^up {x} ] stray! bang !not an image\n\n## Step 2: check - then $VAR\n',
      'Ünïcödé text — dashes – and “quotes”\n',
      'trailing spaces  \nnext line\n',
      'tabs\tinside\ttext\n\n    indented code\n',
      'entity &amp; here\n\nemphasis *a* _b_\n\n[link](https://x.example) <https://y.example>\n\n~~struck~~ a\\*b\n',
      '> quoted plain\n> and more\n\n1. one\n2. two\n',
    ];
    for (const text of texts) expect(tokenize(text), JSON.stringify(text)).toEqual(stock.parse(text, {}));
  });

  it('on bold labels, whether or not their stars pair up', () => {
    // Around each run of stars: letters, spaces (ASCII and not), ASCII and Unicode punctuation, symbols.
    const edges = ['a', ' ', '\u00a0', ':', '.', ')', '(', '-', '$', '—', '“', '€', 'é', '1', '!', '#'];
    const texts: string[] = [];
    for (const first of edges) {
      for (const last of edges) {
        for (const next of ['', ...edges]) {
          texts.push(`**${first}x${last}**${next}${next ? ' tail' : ''}`, `**${first}${last}**${next}`, `**${first}**${next}`);
        }
      }
    }
    texts.push('**', '****', '**a**b**', '**a*b**', '** **', '**a**\n**b**', '**a** *b*', '**a** [b](c)', '**a**&amp;', '***a***');
    for (const text of texts) {
      for (const doc of [text, `# ${text}`, `- ${text}`, `| ${text} | b |\n|---|---|\n| ${text} | c |`]) expect(tokenize(doc), JSON.stringify(doc)).toEqual(stock.parse(doc, {}));
    }
  });
});
