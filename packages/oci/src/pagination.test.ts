import { describe, it, expect } from '@jest/globals';
import { nextLink, parseNextLink, parsePageParams } from './pagination.js';
import { OciError } from './errors.js';

function paginationError(query: { n?: unknown; last?: unknown }): OciError {
  try {
    parsePageParams(query);
  } catch (error) {
    expect(error).toBeInstanceOf(OciError);
    return error as OciError;
  }
  throw new Error('expected an OciError');
}

describe('parsePageParams', () => {
  it('returns nothing when no parameter is given', () => {
    expect(parsePageParams({})).toEqual({});
    expect(parsePageParams({ n: '', last: '' })).toEqual({});
  });

  it('reads n and last', () => {
    expect(parsePageParams({ n: '10', last: 'v1.0' })).toEqual({ limit: 10, after: 'v1.0' });
  });

  it('keeps n=0, which asks for an empty list', () => {
    expect(parsePageParams({ n: '0' })).toEqual({ limit: 0 });
  });

  it('accepts last without n', () => {
    expect(parsePageParams({ last: 'library/alpine' })).toEqual({ after: 'library/alpine' });
  });

  it('clamps n to maxN', () => {
    expect(parsePageParams({ n: '50000' })).toEqual({ limit: 10000 });
    expect(parsePageParams({ n: '99999999999999999999999' }, 100)).toEqual({ limit: 100 });
    expect(parsePageParams({ n: '7' }, 5)).toEqual({ limit: 5 });
  });

  it('takes the first of repeated parameters and accepts numbers', () => {
    expect(parsePageParams({ n: ['3', '9'], last: ['a', 'b'] })).toEqual({ limit: 3, after: 'a' });
    expect(parsePageParams({ n: 4 })).toEqual({ limit: 4 });
  });

  it.each(['-1', '1.5', 'ten', '0x10', '+5', ' 5', '1e3'])('rejects n=%s with PAGINATION_NUMBER_INVALID', (n) => {
    const error = paginationError({ n });
    expect(error.code).toBe('PAGINATION_NUMBER_INVALID');
    expect(error.status).toBe(400);
  });

  it('rejects numeric n that is not a non-negative integer', () => {
    expect(paginationError({ n: -2 }).code).toBe('PAGINATION_NUMBER_INVALID');
    expect(paginationError({ n: 2.5 }).code).toBe('PAGINATION_NUMBER_INVALID');
  });

  it('rejects nested query objects', () => {
    expect(paginationError({ n: { a: '1' } }).code).toBe('PAGINATION_NUMBER_INVALID');
    expect(paginationError({ last: { a: 'b' } }).code).toBe('PAGINATION_NUMBER_INVALID');
  });

  it('rejects a last with a control character (a NUL cannot even be compared by PostgreSQL), 400', () => {
    for (const last of ['\u0000', 'v1\u0000', 'a\tb', 'a\nb', '\u007f']) {
      const error = paginationError({ last });
      expect(error.code).toBe('PAGINATION_NUMBER_INVALID');
      expect(error.status).toBe(400);
    }
    expect(parsePageParams({ last: 'ünïcode ~ text' })).toEqual({ after: 'ünïcode ~ text' });
  });

  it('refuses a nonsensical maxN', () => {
    expect(() => parsePageParams({}, -1)).toThrow(RangeError);
  });
});

describe('nextLink', () => {
  it('builds the RFC 8288 next link', () => {
    expect(nextLink('/v2/library/alpine/tags/list', {}, 'v1.0', 10)).toBe('</v2/library/alpine/tags/list?n=10&last=v1.0>; rel="next"');
  });

  it('percent-encodes values and appends extra parameters', () => {
    const link = nextLink('/v2/_catalog', { artifactType: 'application/vnd.example+json' }, 'a/b c&d', 5);
    expect(link).toBe('</v2/_catalog?n=5&last=a%2Fb%20c%26d&artifactType=application%2Fvnd.example%2Bjson>; rel="next"');
  });

  it('does not let params override n and last', () => {
    expect(nextLink('/v2/_catalog', { n: '999', last: 'zzz' }, 'a', 2)).toBe('</v2/_catalog?n=2&last=a>; rel="next"');
  });

  it('round-trips through parseNextLink and URLSearchParams', () => {
    const link = nextLink('/v2/x/tags/list', {}, 'tag with spaces+plus', 3);
    const target = parseNextLink(link);
    expect(target).toBeDefined();
    const url = new URL(target ?? '', 'http://registry.invalid');
    expect(url.pathname).toBe('/v2/x/tags/list');
    expect(url.searchParams.get('last')).toBe('tag with spaces+plus');
    expect(url.searchParams.get('n')).toBe('3');
  });

  it('refuses a relative path, a query in the path, or a non-positive n', () => {
    expect(() => nextLink('v2/_catalog', {}, 'a', 1)).toThrow(TypeError);
    expect(() => nextLink('/v2/_catalog?n=1', {}, 'a', 1)).toThrow(TypeError);
    expect(() => nextLink('/v2/_catalog', {}, 'a', 0)).toThrow(TypeError);
  });
});

describe('parseNextLink', () => {
  it('returns undefined without a header or a next link', () => {
    expect(parseNextLink(undefined)).toBeUndefined();
    expect(parseNextLink('')).toBeUndefined();
    expect(parseNextLink('</v2/a?n=1&last=b>; rel="prev"')).toBeUndefined();
    expect(parseNextLink('not a link')).toBeUndefined();
  });

  it('reads quoted, bare and case-insensitive rel values', () => {
    expect(parseNextLink('</v2/a?n=1&last=b>; rel="next"')).toBe('/v2/a?n=1&last=b');
    expect(parseNextLink('</v2/a?n=1&last=b>;rel=next')).toBe('/v2/a?n=1&last=b');
    expect(parseNextLink('<https://r.example/v2/a?last=b>; REL="Next"')).toBe('https://r.example/v2/a?last=b');
  });

  it('finds next among several links and multi-valued rel', () => {
    expect(parseNextLink('</p1>; rel="prev", </p3>; rel="next"')).toBe('/p3');
    expect(parseNextLink('</p3>; rel="next last"')).toBe('/p3');
    expect(parseNextLink(['</p1>; rel="prev"', '</p4>; rel="next"'])).toBe('/p4');
  });

  it('is not fooled by commas or rel text inside quotes or the URI', () => {
    expect(parseNextLink('</a?x=1,2>; title="x, rel=next"; rel="prev", </b>; rel="next"')).toBe('/b');
    expect(parseNextLink('</v2/r/referrers/x?artifactType=a,b>; rel="next"')).toBe('/v2/r/referrers/x?artifactType=a,b');
  });
});
