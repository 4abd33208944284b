import { describe, expect, it } from 'vitest';
import { provesAccess, StatusApiError, StatusApiErrorKind } from '../../functions/core/domain/errors.js';

const failure = (kind: StatusApiErrorKind, details: ConstructorParameters<typeof StatusApiError>[2] = {}) =>
  new StatusApiError(kind, 'failed', details);

describe('provesAccess (may this answer close an access incident?)', () => {
  it('counts a 404, and a 400/422 that carries the API problem body', () => {
    expect(provesAccess(failure(StatusApiErrorKind.NotFound, { httpStatus: 404 }))).toBe(true);
    expect(
      provesAccess(failure(StatusApiErrorKind.Rejected, { httpStatus: 422, apiDetail: 'job_id is invalid' })),
    ).toBe(true);
  });

  it('does not count what a gateway could have answered: 5xx, a bare 4xx, timeouts, garbage', () => {
    expect(provesAccess(failure(StatusApiErrorKind.ServerError, { httpStatus: 503 }))).toBe(false);
    expect(provesAccess(failure(StatusApiErrorKind.Rejected, { httpStatus: 400 }))).toBe(false);
    expect(provesAccess(failure(StatusApiErrorKind.UnexpectedHttpStatus, { httpStatus: 403 }))).toBe(false);
    expect(provesAccess(failure(StatusApiErrorKind.Timeout))).toBe(false);
    expect(provesAccess(failure(StatusApiErrorKind.Malformed, { httpStatus: 200 }))).toBe(false);
  });
});
