import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/core/domain/errors.js';
import { validateTrackRequest } from '../../functions/core/use-cases/track-job.js';
import { parseRetryAfter } from '../../functions/core/adapters/companyenrich-status-api.js';
import { extractApiKey } from '../../functions/core/adapters/api-key.js';

describe('validateTrackRequest', () => {
  it('normalises a valid request', () => {
    expect(
      validateTrackRequest({
        jobId: ' 3FA85F64-5717-4562-B3FC-2C963F66AFA6 ',
        label: '  Q4  ',
        metadata: { team: 'growth' },
      }),
    ).toEqual({ jobId: '3fa85f64-5717-4562-b3fc-2c963f66afa6', label: 'Q4', metadata: { team: 'growth' } });
  });

  it.each([
    ['not-a-uuid', /is not a CompanyEnrich job id/],
    ['3fa85f64-5717-4562-b3fc-2c963f66afa', /is not a CompanyEnrich job id/],
    ['', /is not a CompanyEnrich job id/],
  ])('rejects the malformed id %j', (jobId, message) => {
    expect(() => validateTrackRequest({ jobId })).toThrow(ValidationError);
    expect(() => validateTrackRequest({ jobId })).toThrow(message);
  });

  it('rejects labels and metadata that would not fit a notification', () => {
    const jobId = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
    expect(() => validateTrackRequest({ jobId, label: 'x'.repeat(201) })).toThrow(/at most 200/);
    expect(() => validateTrackRequest({ jobId, label: 'a\u0007b' })).toThrow(/control characters/);
    expect(() => validateTrackRequest({ jobId, metadata: { 'bad key': 'v' } })).toThrow(
      /Metadata key "bad key"/,
    );
    expect(() => validateTrackRequest({ jobId, metadata: { k: 'v'.repeat(257) } })).toThrow(
      /longer than 256/,
    );
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`k${index}`, 'v']));
    expect(() => validateTrackRequest({ jobId, metadata: many })).toThrow(/at most 20/);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-29T10:00:00.000Z');

  it('reads delay-seconds and HTTP dates, capped at an hour', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 10:02:00 GMT', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999', now)).toBe(3_600_000);
  });

  it('ignores absent or unusable values', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
  });
});

describe('extractApiKey', () => {
  it('accepts a bare key or a JSON secret with a known field', () => {
    expect(extractApiKey(' key-123 \n')).toBe('key-123');
    expect(extractApiKey('{"apiKey":"key-123"}')).toBe('key-123');
    expect(extractApiKey('{"COMPANYENRICH_API_KEY":"key-456"}')).toBe('key-456');
  });

  it('says which fields it looked for without echoing the secret', () => {
    expect(() => extractApiKey('{"token":"key-789"}')).toThrow(/apiKey, api_key or COMPANYENRICH_API_KEY/);
    expect(() => extractApiKey('{"token":"key-789"}')).not.toThrow(/key-789/);
  });
});
