import { describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { parseJsonBody } from './json-body.js';
import { findUnstorableText } from './validate.js';

describe('findUnstorableText', () => {
  it('names the path of a NUL in a nested value and of half a surrogate pair in a key', () => {
    expect(findUnstorableText({ a: [{ b: 'ok' }, { b: 'x\u0000y' }] }, 'body')).toEqual({ path: 'body.a[1].b', what: 'a NUL character (\\u0000)' });
    expect(findUnstorableText({ labels: { ['k\uD800']: 'v' } }, 'body')).toEqual({ path: 'body.labels."k\\ud800"', what: 'a key holding half of a UTF-16 surrogate pair (not Unicode text)' });
    expect(findUnstorableText({ a: ['fine', { b: 'still fine 😀' }] }, 'body')).toBeUndefined();
  });

  // Each node once, linked to its parent: a node carrying a copy of its path made this body (200 KB)
  // cost seconds of the event loop, and `npm run torture`'s nested-body case minutes.
  it('walks a body nested 100,000 deep and names the path at its bottom', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const found = findUnstorableText({ a: deep }, 'body');
    expect(found?.what).toBe('a NUL character (\\u0000)');
    expect(found?.path).toBe(`body.a${'[0]'.repeat(100_000)}`);
  });
});

describe('parseJsonBody', () => {
  it('refuses a prototype key at the bottom of a body nested 100,000 deep, at its path', () => {
    const text = `{"a":${'['.repeat(100_000)}{"__proto__":{}}${']'.repeat(100_000)}}`;
    expect(() => parseJsonBody({} as FastifyRequest, text)).toThrow(`body.a${'[0]'.repeat(100_000)}.__proto__: opsbook refuses keys that reach an object's prototype`);
    expect(() => parseJsonBody({} as FastifyRequest, '{"x":{"constructor":{"prototype":{}}}}')).toThrow("body.x.constructor.prototype: opsbook refuses");
    expect(parseJsonBody({} as FastifyRequest, '{"constructor":"a word","list":[1,{"b":2}]}')).toEqual({ constructor: 'a word', list: [1, { b: 2 }] });
  });
});

