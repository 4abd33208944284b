import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IdempotencyConflictError,
  JobCreationError,
  JobNotTrackedError,
  SubmissionInProgressError,
  ValidationError,
} from '../../functions/core/domain/errors.js';
import type { JobCreationApi, JobStore } from '../../functions/core/ports.js';
import { submissionIdFor } from '../../functions/core/use-cases/jobs-application.js';
import { startApplications, WEBHOOK_BASE_URL, type Applications } from '../support/core-applications.js';

const never = new AbortController().signal;

describe('JobsApplication on moto and the simulator', () => {
  let apps: Applications;
  let keyCounter = 0;
  const newKey = () => `submit-${(keyCounter += 1)}`;

  beforeAll(async () => {
    apps = await startApplications();
  });
  afterAll(async () => {
    await apps.stop();
  });

  it('creates the job with a signed webhook URL naming the submission, and tracks it as a webhook job', async () => {
    const sent: unknown[] = [];
    const real = apps.jobsDeps.creation;
    const recording: JobCreationApi = {
      createJob: (request, options) => {
        sent.push(request);
        return real.createJob(request, options);
      },
    };
    const key = newKey();
    const result = await apps.jobsApp({ creation: recording }).submit(
      {
        domains: ['Example.com', 'acme.io', 'example.com.', 'acme.io'],
        label: 'Q4',
        metadata: { team: 'growth' },
        idempotencyKey: key,
      },
      { signal: never },
    );
    expect(result).toMatchObject({
      outcome: 'created',
      domainCount: 2,
      duplicatesRemoved: ['example.com', 'acme.io'],
      tracking: 'tracked',
    });
    expect(result.job).toMatchObject({
      jobId: result.jobId,
      status: 'pending',
      label: 'Q4',
      webhook: true,
      metadata: { team: 'growth' },
    });
    const submissionId = submissionIdFor(key);
    expect(sent).toEqual([
      { domains: ['example.com', 'acme.io'], webhookUrl: await apps.tokens.urlFor(submissionId) },
    ]);
    expect(await apps.tokens.urlFor(submissionId)).toMatch(
      new RegExp(`^${WEBHOOK_BASE_URL}/hooks/companyenrich/${submissionId}/[A-Za-z0-9_-]{43}$`),
    );
    expect(apps.simulator.documentFor(result.jobId).total_domains).toBe(2);
    expect(await apps.store.get(result.jobId)).toMatchObject({ webhook: true });
  });

  it('refuses bad input before any request or write', async () => {
    const before = apps.creates();
    const submit = (domains: unknown[], extra = {}) =>
      apps
        .jobsApp()
        .submit({ domains: domains as string[], idempotencyKey: null, ...extra }, { signal: never });
    await expect(submit(['example.com', 'https://acme.io'])).rejects.toThrow(/domains\[1\]: a URL/);
    await expect(submit([])).rejects.toThrow(ValidationError);
    await expect(submit(['example.com'], { label: 'x'.repeat(201) })).rejects.toThrow(ValidationError);
    await expect(submit(['example.com'], { metadata: { 'bad key': 'v' } })).rejects.toThrow(ValidationError);
    await expect(submit(['example.com'], { idempotencyKey: 'has space' })).rejects.toThrow(/Idempotency-Key/);
    await expect(submit(['example.com'], { idempotencyKey: '' })).rejects.toThrow(/Idempotency-Key/);
    expect(apps.creates()).toBe(before);
    // The failed submits reserved nothing: the key is still free.
    await expect(
      apps.submissions.reserve({
        idempotencyKey: submissionIdFor('has space'),
        requestHash: 'h',
        leaseUntil: apps.clock.now().toISOString(),
      }),
    ).resolves.toBeNull();
  });

  it('replays a retry with the same key and body (in any order or case) without creating another job', async () => {
    const key = newKey();
    const first = await apps
      .jobsApp()
      .submit({ domains: ['a.example', 'b.example'], label: 'L', idempotencyKey: key }, { signal: never });
    const before = apps.creates();
    const retry = await apps
      .jobsApp()
      .submit(
        { domains: ['B.example', 'a.example', 'a.example'], label: 'L', idempotencyKey: key },
        { signal: never },
      );
    expect(retry).toMatchObject({
      outcome: 'replayed',
      jobId: first.jobId,
      domainCount: 2,
      tracking: 'tracked',
    });
    expect(retry.duplicatesRemoved).toEqual([]);
    expect(retry.job?.jobId).toBe(first.jobId);
    expect(apps.creates()).toBe(before);
  });

  it('refuses the same key with another body, creating nothing', async () => {
    const key = newKey();
    await apps.jobsApp().submit({ domains: ['c.example'], idempotencyKey: key }, { signal: never });
    const before = apps.creates();
    const other = apps
      .jobsApp()
      .submit({ domains: ['c.example'], label: 'other', idempotencyKey: key }, { signal: never });
    await expect(other).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(other).rejects.toMatchObject({ idempotencyKey: key });
    expect(apps.creates()).toBe(before);
  });

  it('answers a retry that comes while the first request is still creating with SubmissionInProgressError', async () => {
    const key = newKey();
    let entered!: () => void;
    const reached = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const real = apps.jobsDeps.creation;
    const slow: JobCreationApi = {
      createJob: async (request, options) => {
        entered();
        await held;
        return real.createJob(request, options);
      },
    };
    const command = { domains: ['d.example'], idempotencyKey: key };
    const first = apps.jobsApp({ creation: slow }).submit(command, { signal: never });
    await reached;
    await expect(apps.jobsApp().submit(command, { signal: never })).rejects.toBeInstanceOf(
      SubmissionInProgressError,
    );
    release();
    await expect(first).resolves.toMatchObject({ outcome: 'created', tracking: 'tracked' });
  });

  it('tracks nothing when CompanyEnrich refuses, and lets a retry with the same key try again', async () => {
    const key = newKey();
    const command = { domains: ['e.example'], idempotencyKey: key };
    const trackedBefore = (await apps.catalog.listPage({ limit: 100, cursor: null })).jobs.length;
    apps.simulator.injectCreateFault({
      kind: 'http',
      status: 402,
      body: { title: 'Payment Required', detail: 'Out of credits.' },
    });
    const refused = apps.jobsApp().submit(command, { signal: never });
    await expect(refused).rejects.toBeInstanceOf(JobCreationError);
    await expect(refused).rejects.toMatchObject({
      kind: 'payment_required',
      details: { apiDetail: 'Out of credits.' },
    });
    expect((await apps.catalog.listPage({ limit: 100, cursor: null })).jobs).toHaveLength(trackedBefore);
    const retry = await apps.jobsApp().submit(command, { signal: never });
    expect(retry).toMatchObject({ outcome: 'created', tracking: 'tracked' });
  });

  it('returns the job id when tracking fails after creation, and a retry with the key tracks it', async () => {
    const key = newKey();
    const command = { domains: ['f.example'], idempotencyKey: key };
    // The real store, except that tracking fails (as when DynamoDB is unavailable).
    const broken = Object.assign(Object.create(apps.store) as JobStore, {
      track: () => Promise.reject(new Error('DynamoDB unavailable')),
    });
    const failed = await apps.jobsApp({ jobs: broken }).submit(command, { signal: never });
    expect(failed).toMatchObject({ outcome: 'created', tracking: 'failed', job: null });
    expect(await apps.store.get(failed.jobId)).toBeNull();
    expect(apps.log.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        attributes: expect.objectContaining({ job_id: failed.jobId }) as unknown,
      }),
    );
    const before = apps.creates();
    const retry = await apps.jobsApp().submit(command, { signal: never });
    expect(retry).toMatchObject({ outcome: 'replayed', jobId: failed.jobId, tracking: 'tracked' });
    expect(retry.job).toMatchObject({ jobId: failed.jobId, webhook: true });
    expect(apps.creates()).toBe(before);
  });

  it('creates a new job for each submit without a key', async () => {
    const command = { domains: ['g.example'], idempotencyKey: null };
    const one = await apps.jobsApp().submit(command, { signal: never });
    const two = await apps.jobsApp().submit(command, { signal: never });
    expect(one.jobId).not.toBe(two.jobId);
    expect([one.outcome, two.outcome]).toEqual(['created', 'created']);
  });

  it('tracks an existing job (without a webhook), then says it already is', async () => {
    const jobId = apps.simulator.createJob({
      totalDomains: 3,
      pendingMs: 1,
      processingMs: 1,
      completingMs: 1,
      outcome: 'completed',
    });
    const app = apps.jobsApp();
    await expect(app.track({ jobId: jobId.toUpperCase(), label: 'existing' })).resolves.toMatchObject({
      outcome: 'tracked',
      job: { jobId, label: 'existing', webhook: false },
    });
    await expect(app.track({ jobId })).resolves.toMatchObject({ outcome: 'already_tracked' });
    await expect(app.track({ jobId: 'nope' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('gets, lists and untracks, validating each input', async () => {
    const app = apps.jobsApp();
    // Three jobs of its own, so a page of two has a next page whatever ran before (shuffled order).
    for (const domain of ['h0.example', 'h1.example']) {
      await app.submit({ domains: [domain], idempotencyKey: null }, { signal: never });
      apps.clock.advance(1_000);
    }
    const { jobId } = await app.submit(
      { domains: ['h.example'], label: 'listed', idempotencyKey: null },
      { signal: never },
    );
    await expect(app.get(jobId.toUpperCase())).resolves.toMatchObject({ jobId, label: 'listed' });
    await expect(app.get('3fa85f64-5717-4562-b3fc-2c963f66afa6')).rejects.toBeInstanceOf(JobNotTrackedError);
    await expect(app.get('../etc')).rejects.toBeInstanceOf(ValidationError);

    const page = await app.list({ limit: 2, cursor: null });
    expect(page.jobs[0]).toMatchObject({ jobId, label: 'listed' });
    expect(page.jobs).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
    await expect(app.list({ limit: 1, status: 'pending', cursor: null })).resolves.toMatchObject({
      jobs: [{ status: 'pending' }],
    });
    for (const limit of [0, 101, 1.5, Number.NaN]) {
      await expect(app.list({ limit, cursor: null })).rejects.toThrow(
        /limit must be a whole number from 1 to 100/,
      );
    }
    await expect(app.list({ limit: 10, status: 'bogus' as never, cursor: null })).rejects.toThrow(/status/);
    await expect(app.list({ limit: 10, cursor: '' })).rejects.toThrow(/cursor/);

    apps.clock.advance(1_000);
    const untracked = await app.untrack(jobId);
    expect(untracked.untrackedAt).toBe(apps.clock.now().toISOString());
    await expect(app.get(jobId)).resolves.toMatchObject({ untrackedAt: untracked.untrackedAt });
    await expect(app.untrack('3fa85f64-5717-4562-b3fc-2c963f66afa6')).rejects.toBeInstanceOf(
      JobNotTrackedError,
    );
    await expect(app.untrack('x')).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('submissionIdFor', () => {
  it('derives a stable UUID (version 8) from the key, different per key', () => {
    const id = submissionIdFor('order-42');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(submissionIdFor('order-42')).toBe(id);
    expect(submissionIdFor('order-43')).not.toBe(id);
  });
});
