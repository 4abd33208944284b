import { describe, expect, it } from 'vitest';
import {
  MAX_BULK_DOMAINS,
  MAX_BULK_ENTRIES,
  normaliseDomain,
  validateBulkDomains,
} from '../../functions/core/domain/bulk-domains.js';
import { ValidationError } from '../../functions/core/domain/errors.js';

function reasonFor(entry: unknown): string | null {
  const result = normaliseDomain(entry);
  return result.ok ? null : result.reason;
}

describe('normaliseDomain', () => {
  it.each([
    ['example.com', 'example.com'],
    ['  Example.COM  ', 'example.com'],
    ['example.com.', 'example.com'],
    ['sub.domain.example.co.uk', 'sub.domain.example.co.uk'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['a-b.c-d.io', 'a-b.c-d.io'],
    ['123.example.com', '123.example.com'],
    ['example.xn--p1ai', 'example.xn--p1ai'],
    [`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
  ])('accepts %j as %j', (entry, expected) => {
    expect(normaliseDomain(entry)).toEqual({ ok: true, domain: expected });
  });

  it('accepts a name of exactly 253 characters and refuses 254', () => {
    const name253 = `${'a'.repeat(61)}.${'b'.repeat(61)}.${'c'.repeat(61)}.${'d'.repeat(61)}.store`;
    expect(name253).toHaveLength(253);
    expect(normaliseDomain(name253)).toEqual({ ok: true, domain: name253 });
    expect(reasonFor(`x${name253}`)).toMatch(/longer than 253/);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['.', /empty/],
    ['https://example.com', /URL/],
    ['example.com/path', /path/],
    ['example.com:8080', /port/],
    ['[::1]', /IPv6/],
    ['exa mple.com', /whitespace/],
    ['user@example.com', /'@'/],
    ['*.example.com', /wildcard/],
    ['192.168.0.1', /IP address/],
    ['localhost', /two labels/],
    ['example..com', /empty label/],
    ['example.com..', /empty label/],
    ['.example.com', /empty label/],
    ['-example.com', /hyphen/],
    ['example-.com', /hyphen/],
    ['exa_mple.com', /characters/],
    ['bücher.de', /punycode/],
    ['example.123', /numeric/],
    [`${'a'.repeat(64)}.com`, /63/],
  ])('refuses %j', (entry, reason) => {
    expect(reasonFor(entry)).toMatch(reason);
  });

  it('refuses entries that are not strings', () => {
    expect(reasonFor(42)).toBe('not a string');
    expect(reasonFor(null)).toBe('not a string');
  });
});

describe('validateBulkDomains', () => {
  it('normalises, keeps first-seen order and reports each duplicate once', () => {
    const result = validateBulkDomains(['b.com', 'A.com', 'a.com.', ' b.com', 'a.com', 'c.com']);
    expect(result).toEqual({ domains: ['b.com', 'a.com', 'c.com'], duplicatesRemoved: ['a.com', 'b.com'] });
  });

  it('refuses an empty list', () => {
    expect(() => validateBulkDomains([])).toThrow(ValidationError);
    expect(() => validateBulkDomains([])).toThrow(/at least one/);
  });

  it('names the first five bad entries by index and reason, and counts the rest', () => {
    const entries = ['ok.com', 'bad', 'ok2.com', ...Array.from({ length: 7 }, (_, i) => `http://x${i}.com`)];
    let error: unknown;
    try {
      validateBulkDomains(entries);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toMatch(/^8 entries are not a valid domain: domains\[1\]: needs at least two labels/);
    expect(message).toContain('domains[3]: a URL');
    expect(message).toContain('domains[6]: a URL');
    expect(message).not.toContain('domains[7]');
    expect(message).toMatch(/and 3 more$/);
  });

  it('does not echo the bad values', () => {
    expect(() => validateBulkDomains(['<script>alert(1)</script>'])).toThrow(
      /^1 entry is not a valid domain: domains\[0\]: /,
    );
    expect(() => validateBulkDomains(['<script>alert(1)</script>'])).not.toThrow(/script/);
  });

  it('applies the 10,000 limit to unique domains, so duplicates beyond it are fine', () => {
    const unique = Array.from({ length: MAX_BULK_DOMAINS }, (_, i) => `d${i}.example.com`);
    const result = validateBulkDomains([...unique, ...unique.slice(0, 500)]);
    expect(result.domains).toHaveLength(MAX_BULK_DOMAINS);
    expect(result.duplicatesRemoved).toHaveLength(500);
    expect(() => validateBulkDomains([...unique, 'one-more.example.com'])).toThrow(
      /10001 unique domains; at most 10000/,
    );
  });

  it('caps the raw list at 20,000 entries before looking at them', () => {
    const entries = Array.from({ length: MAX_BULK_ENTRIES + 1 }, () => 'same.example.com');
    expect(() => validateBulkDomains(entries)).toThrow(/20001 entries; at most 20000/);
    expect(validateBulkDomains(entries.slice(1)).domains).toEqual(['same.example.com']);
  });
});
