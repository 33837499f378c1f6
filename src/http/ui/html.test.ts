import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeHtml, html, jsonForScript, trusted } from './html.js';

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
