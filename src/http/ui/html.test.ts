import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { configText, escapeHtml, html, jsonForScript, trusted } from './html.js';

describe('html templates', () => {
  it('escapes every interpolation, nested lists included', () => {
    const name = '<script>alert("x")</script>';
    const out = html`<p title="${name}">${name} ${[name, html`<b>${name}</b>`]}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; ' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</b></p>',
    );
  });

  it('prints nothing for null, undefined and false, and keeps markup marked trusted', () => {
    expect(html`${null}${undefined}${false}${0}${trusted('<hr>')}`.value).toBe('0<hr>');
  });

  it('never lets a string produce a tag or break out of an attribute (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = html`<a title="${s}">${s}</a>`.value;
        const e = escapeHtml(s);
        expect(e).not.toMatch(/["'<>]/);
        expect(out).toBe(`<a title="${e}">${e}</a>`);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps </script> out of JSON embedded in a page', () => {
    expect(jsonForScript({ a: '</script><script>' }).value).not.toContain('</script>');
  });
});

describe('configText', () => {
  it('renders inline code and nothing else', () => {
    expect(configText('runs `npm start` beside <b>opsbook</b> & co').value).toBe('runs <code>npm start</code> beside &lt;b&gt;opsbook&lt;/b&gt; &amp; co');
    expect(configText('``a ` b`` and `c`').value).toBe('<code>a ` b</code> and <code>c</code>');
    expect(configText('a lone ` backtick').value).toBe('a lone ` backtick');
    expect(configText('``unclosed, then `<i>`').value).toBe('``unclosed, then <code>&lt;i&gt;</code>');
    expect(configText('').value).toBe('');
  });

  it('never lets text produce a tag other than <code> (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('`', '<', '>', '"', "'", '&', 'a', ' ') }), (s) => {
        const out = configText(s).value.replace(/<\/?code>/g, '');
        expect(out).not.toMatch(/[<>"']/);
        // The text comes back whole: only the backticks that delimit code spans are gone.
        expect(out.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/`/g, '')).toBe(s.replace(/`/g, ''));
      }),
      { numRuns: 2000 },
    );
  });
});
