import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbJobStore } from '../../functions/core/adapters/dynamodb/job-store.js';
import { DynamoDbWatcherStateStore } from '../../functions/core/adapters/dynamodb/watcher-state-store.js';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerApiKey, StaticApiKey } from '../../functions/core/adapters/api-key.js';
import { CompanyEnrichStatusApi } from '../../functions/core/adapters/companyenrich-status-api.js';
import type { StatusApi } from '../../functions/core/ports.js';
import { documentClient } from '../../functions/core/wiring.js';
import { TickIncompleteError } from '../../functions/core/use-cases/poll-tick.js';
import type { SimulatedJobPlan } from '../../local/simulator/index.js';
import { uniqueName } from '../support/emulators.js';
import { SecretsManagerStub } from '../support/secrets-stub.js';
import { API_KEY, eventOf, MINUTE, startWatcher, type Watcher } from '../support/watcher-harness.js';

function plan(
  outcome: 'completed' | 'failed',
  minutes = 1,
  totalDomains = 500,
): Omit<SimulatedJobPlan, 'createdAt'> {
  return {
    totalDomains,
    pendingMs: minutes * MINUTE,
    processingMs: minutes * MINUTE,
    completingMs: minutes * MINUTE,
    outcome,
  };
}

describe('poll tick', () => {
  let watcher: Watcher;

  beforeEach(async () => {
    watcher = await startWatcher();
  });
  afterEach(async () => {
    await watcher.stop();
  });

  it('records each transition once, notifies once per terminal job, then stops polling it', async () => {
    const done = await watcher.createAndTrack(plan('completed'), 'Done soon');
    const broken = await watcher.createAndTrack(plan('failed'), 'Will fail');

    const first = await watcher.tick();
    expect(first).toMatchObject({ checked: 2, transitions: 0, notified: 0, halted: null });
    for (let minute = 1; minute <= 4; minute += 1) await watcher.tickAfter(MINUTE);

    const completedJob = await watcher.store.get(done);
    expect(completedJob?.status).toBe('completed');
    expect(completedJob?.history.map((entry) => [entry.from, entry.to, entry.at])).toEqual([
      ['pending', 'processing', '2026-11-29T10:01:00.000Z'],
      ['processing', 'completing', '2026-11-29T10:02:00.000Z'],
      ['completing', 'completed', '2026-11-29T10:03:00.000Z'],
    ]);
    expect(completedJob?.history[2]?.counts).toMatchObject({ total_domains: 500, credits_charged: 485 });
    expect((await watcher.store.get(broken))?.status).toBe('failed');

    const delivered = await watcher.delivered();
    expect(delivered.map((envelope) => eventOf(envelope).event_id).sort()).toEqual(
      [`${done}:completed`, `${broken}:failed`].sort(),
    );
    const failed = delivered.find((envelope) => eventOf(envelope).job_id === broken);
    expect(eventOf(failed ?? { Message: '{}', MessageId: '' })).toMatchObject({
      event_type: 'job.failed',
      previous_status: 'completing',
      label: 'Will fail',
      metadata: { suite: 'watcher' },
      job: { status: 'failed', error_message: expect.any(String) as unknown },
    });

    // Terminal jobs are no longer polled.
    const requestsBefore = watcher.simulator.requests.length;
    const quiet = await watcher.tickAfter(10 * MINUTE);
    expect(quiet.checked).toBe(0);
    expect(watcher.simulator.requests.length).toBe(requestsBefore);
  });

  it('stops at the first 401, alerts operators once per incident, and recovers by itself', async () => {
    for (let index = 0; index < 5; index += 1) await watcher.createAndTrack(plan('completed', 10));
    watcher.simulator.setAccountState('unauthorized');

    const denied = await watcher.tick();
    expect(denied).toMatchObject({
      checked: 1,
      halted: 'unauthorized',
      alerts: 1,
      errors: { unauthorized: 1 },
    });
    expect(watcher.simulator.requests).toHaveLength(1);

    const stillDenied = await watcher.tickAfter(MINUTE);
    expect(stillDenied).toMatchObject({ checked: 1, halted: 'unauthorized', alerts: 0 });
    expect(watcher.simulator.requests).toHaveLength(2);

    watcher.simulator.setAccountState('ok');
    const recovered = await watcher.tickAfter(MINUTE);
    expect(recovered).toMatchObject({ checked: 5, halted: null, alerts: 1 });

    const delivered = await watcher.delivered();
    expect(delivered.map((envelope) => eventOf(envelope).event_type)).toEqual([
      'watcher.unauthorized',
      'watcher.recovered',
    ]);
    expect(eventOf(delivered[0] ?? { Message: '{}', MessageId: '' })).toMatchObject({
      incident: { kind: 'unauthorized', opened_at: '2026-11-29T10:00:00.000Z' },
    });
    expect(JSON.stringify(delivered)).not.toContain(API_KEY);
    expect(JSON.stringify(watcher.log.entries)).not.toContain(API_KEY);
  });

  it('does not call an open incident recovered on answers that prove nothing about the key (a gateway 503)', async () => {
    const jobIds: string[] = [];
    for (let index = 0; index < 3; index += 1)
      jobIds.push(await watcher.createAndTrack(plan('completed', 10)));
    watcher.simulator.setAccountState('unauthorized');
    expect(await watcher.tick()).toMatchObject({ halted: 'unauthorized', alerts: 1 });

    // A gateway in front of the API fails every request before the key is looked at.
    watcher.simulator.setAccountState('ok');
    for (const jobId of jobIds) watcher.simulator.injectFault(jobId, { kind: 'http', status: 503 }, 2); // the request and its quick retry
    const unproven = await watcher.tickAfter(MINUTE);
    expect(unproven).toMatchObject({ halted: null, alerts: 0 });
    expect(unproven.errors.server_error).toBeGreaterThan(0);

    const proven = await watcher.tickAfter(30 * MINUTE);
    expect(proven).toMatchObject({ alerts: 1 });
    const delivered = await watcher.delivered();
    const alerts = delivered
      .map((envelope) => String(eventOf(envelope).event_type))
      .filter((type) => type.startsWith('watcher.'));
    expect(alerts).toEqual(['watcher.unauthorized', 'watcher.recovered']);
  });

  it('alerts once when the API key cannot be read, sends nothing, and recovers once the secret is set', async () => {
    await watcher.createAndTrack(plan('completed', 10));
    const secretName = uniqueName('missing-api-key');
    const statusApi = new CompanyEnrichStatusApi({
      baseUrl: watcher.simulatorUrl,
      apiKeys: new SecretsManagerApiKey(
        secretName,
        0,
        new SecretsProvider({ awsSdkV3Client: watcher.clients.secretsManager }),
      ),
      timeoutMs: 2_000,
    });

    expect(await watcher.tick({ statusApi })).toMatchObject({ halted: 'api_key_unavailable', alerts: 1 });
    expect(await watcher.tickAfter(MINUTE, { statusApi })).toMatchObject({
      halted: 'api_key_unavailable',
      alerts: 0,
    });
    expect(watcher.simulator.requests).toHaveLength(0);

    await watcher.clients.secretsManager.send(
      new CreateSecretCommand({ Name: secretName, SecretString: JSON.stringify({ apiKey: API_KEY }) }),
    );
    expect(await watcher.tickAfter(MINUTE, { statusApi })).toMatchObject({
      halted: null,
      checked: 1,
      alerts: 1,
    });
    const alerts = (await watcher.delivered()).map(eventOf);
    expect(alerts.map((alert) => alert.event_type)).toEqual([
      'watcher.api_key_unavailable',
      'watcher.recovered',
    ]);
  });

  it('skips the tick when Secrets Manager fails in a way that passes: no incident, no alert, nothing recorded', async () => {
    const jobs: string[] = [];
    for (let index = 0; index < 4; index += 1) jobs.push(await watcher.createAndTrack(plan('completed', 10)));
    const before = await Promise.all(jobs.map((jobId) => watcher.store.get(jobId)));
    const secrets = new SecretsManagerStub();
    const secretsUrl = await secrets.start();
    try {
      const statusApi = new CompanyEnrichStatusApi({
        baseUrl: watcher.simulatorUrl,
        apiKeys: new SecretsManagerApiKey(
          'enrich-job-watch/api-key',
          300,
          new SecretsProvider({ awsSdkV3Client: secrets.client(secretsUrl) }),
        ),
        timeoutMs: 2_000,
      });
      for (const answer of [
        { kind: 'error', status: 400, type: 'ThrottlingException' },
        { kind: 'error', status: 500, type: 'InternalServiceError' },
      ] as const) {
        secrets.answer = answer;
        const skipped = await watcher.tickAfter(MINUTE, { statusApi });
        expect(skipped).toMatchObject({
          checked: 0,
          deferred: 4,
          halted: 'api_key_transient',
          alerts: 0,
          errors: { api_key_transient: 1 },
        });
      }
      expect(watcher.simulator.requests).toHaveLength(0);
      expect(await Promise.all(jobs.map((jobId) => watcher.store.get(jobId)))).toEqual(before);
      expect(await watcher.watcherState.getWatcherState()).toMatchObject({
        accessIncident: null,
        alertOwed: null,
      });

      secrets.answer = { kind: 'secret', value: API_KEY };
      expect(await watcher.tickAfter(MINUTE, { statusApi })).toMatchObject({
        checked: 4,
        halted: null,
        alerts: 0,
      });
      expect(await watcher.delivered()).toEqual([]);
    } finally {
      await secrets.stop();
    }
  });

  it('picks up a key rotated in Secrets Manager at the first 401: no incident, no alert, every job checked', async () => {
    const jobs: string[] = [];
    for (let index = 0; index < 3; index += 1) jobs.push(await watcher.createAndTrack(plan('completed', 10)));
    const secretName = uniqueName('rotated-api-key');
    await watcher.clients.secretsManager.send(
      new CreateSecretCommand({ Name: secretName, SecretString: JSON.stringify({ apiKey: API_KEY }) }),
    );
    // Cached for an hour, as in production: without a refetch the old key would be sent all along.
    const statusApi = new CompanyEnrichStatusApi({
      baseUrl: watcher.simulatorUrl,
      apiKeys: new SecretsManagerApiKey(
        secretName,
        3_600,
        new SecretsProvider({ awsSdkV3Client: watcher.clients.secretsManager }),
      ),
      timeoutMs: 2_000,
    });
    expect(await watcher.tick({ statusApi })).toMatchObject({ checked: 3, halted: null });

    const rotatedKey = 'ce_rotated_key_never_logged_77';
    await watcher.clients.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: secretName,
        SecretString: JSON.stringify({ apiKey: rotatedKey }),
      }),
    );
    watcher.simulator.setApiKey(rotatedKey);
    const requestsBefore = watcher.simulator.requests.length;

    const afterRotation = await watcher.tickAfter(MINUTE, { statusApi });
    expect(afterRotation).toMatchObject({ checked: 3, halted: null, alerts: 0, errors: {} });
    // One request was refused (the probe, with the cached key); it was retried with the fresh one.
    const statuses = watcher.simulator.requests.slice(requestsBefore).map((request) => request.status);
    expect(statuses).toEqual([401, 200, 200, 200]);
    expect(await watcher.watcherState.getWatcherState()).toMatchObject({
      accessIncident: null,
      alertOwed: null,
    });
    expect(await watcher.delivered()).toEqual([]);
    for (const jobId of jobs) expect((await watcher.store.get(jobId))?.lastError).toBeNull();
    expect(JSON.stringify(watcher.log.entries)).not.toContain(rotatedKey);
  });

  it('treats a 402 as its own incident', async () => {
    await watcher.createAndTrack(plan('completed'));
    watcher.simulator.setAccountState('payment_required');
    expect(await watcher.tick()).toMatchObject({ halted: 'payment_required', alerts: 1 });
    const [alert] = await watcher.delivered();
    expect(alert?.MessageAttributes?.event_type?.Value).toBe('watcher.payment_required');
  });

  /** Tracks jobs one second apart, so the due order (and so the probe) is the tracking order. */
  async function trackInOrder(count: number, minutes = 10): Promise<string[]> {
    const jobs: string[] = [];
    for (let index = 0; index < count; index += 1) {
      jobs.push(await watcher.createAndTrack(plan('completed', minutes)));
      watcher.clock.advance(1_000);
    }
    return jobs;
  }

  it('treats a 403 (a WAF block, a revoked key) like a 401: halts, alerts once, recovers by itself', async () => {
    const jobs = await trackInOrder(4);
    // The probe is the first job in due order; it is refused on two ticks in a row.
    watcher.simulator.injectFault(jobs[0] ?? '', { kind: 'http', status: 403 }, 2);

    const refused = await watcher.tick();
    expect(refused).toMatchObject({ checked: 1, halted: 'forbidden', alerts: 1, errors: { forbidden: 1 } });
    expect(watcher.simulator.requests).toHaveLength(1);
    const stillRefused = await watcher.tickAfter(MINUTE);
    expect(stillRefused).toMatchObject({ checked: 1, halted: 'forbidden', alerts: 0 });
    // Nothing is recorded against the jobs: the account, not the job, was refused.
    for (const jobId of jobs) expect((await watcher.store.get(jobId))?.lastError).toBeNull();

    const recovered = await watcher.tickAfter(MINUTE);
    expect(recovered).toMatchObject({ checked: 4, halted: null, alerts: 1 });
    const alerts = (await watcher.delivered()).map((envelope) => eventOf(envelope).event_type);
    expect(alerts).toEqual(['watcher.forbidden', 'watcher.recovered']);
  });

  it('honours Retry-After: nothing more is sent this tick, nor until the pause ends', async () => {
    const [first] = await trackInOrder(4);
    watcher.clock.set('2026-11-29T10:00:00.000Z');
    watcher.simulator.injectFault(first ?? '', {
      kind: 'http',
      status: 429,
      headers: { 'retry-after': '150' },
    });

    // The first request goes alone, so a throttled API sees exactly one request per tick.
    expect(await watcher.tick()).toMatchObject({ checked: 1, halted: 'throttled', errors: { throttled: 1 } });
    expect(watcher.simulator.requests).toHaveLength(1);
    expect((await watcher.watcherState.getWatcherState()).throttledUntil).toBe('2026-11-29T10:02:30.000Z');

    expect(await watcher.tickAfter(MINUTE)).toMatchObject({ checked: 0, halted: 'throttled' });
    expect(await watcher.tickAfter(MINUTE)).toMatchObject({ checked: 0, halted: 'throttled' });
    expect(watcher.simulator.requests).toHaveLength(1);

    // Every job was due at 10:00:03 at the latest.
    expect(await watcher.tickAfter(MINUTE)).toMatchObject({ checked: 4, halted: null });
    expect((await watcher.watcherState.getWatcherState()).throttleStreak).toBe(0);
    // No operator alert for throttling: it is the API's normal back-pressure.
    expect(await watcher.delivered()).toEqual([]);
  });

  it('starts no new request once a 429 arrives mid-tick', async () => {
    const jobs = await trackInOrder(12);
    watcher.simulator.injectFault(jobs[2] ?? '', { kind: 'http', status: 429 });

    const tickTime = watcher.clock.now().toISOString();
    const summary = await watcher.tick();
    expect(summary).toMatchObject({ halted: 'throttled', errors: { throttled: 1 } });
    // The probe went alone, then at most `concurrency` (4) requests were under way when the 429 came back.
    const requested = watcher.simulator.requests.map((request) => request.jobId);
    expect(requested[0]).toBe(jobs[0]);
    expect(requested).toContain(jobs[2]);
    expect(requested.length).toBeLessThanOrEqual(5);

    // No deadline: every due job was read, and each one was either checked or left for later.
    expect(summary.checked + summary.deferred).toBe(jobs.length);
    // Checked means a request went out: requests aborted by the halt count as deferred, not checked.
    expect(summary.checked).toBeGreaterThanOrEqual(2);
    expect(summary.checked).toBeLessThanOrEqual(requested.length);

    // Every check except the 429 was answered and recorded, at this tick's time.
    const stored = await Promise.all(jobs.map((jobId) => watcher.store.get(jobId)));
    const recorded = stored.filter((job) => job?.lastCheckedAt === tickTime).map((job) => job?.jobId);
    expect(recorded).toHaveLength(summary.checked - 1);
    expect(recorded).not.toContain(jobs[2]);
    for (const jobId of recorded) expect(requested).toContain(jobId);

    // Every other job, the throttled one included, is untouched and still due for the next tick.
    const due: string[] = [];
    for await (const page of watcher.store.dueJobs(tickTime, 100)) due.push(...page.map((job) => job.jobId));
    expect(due.sort()).toEqual(jobs.filter((jobId) => !recorded.includes(jobId)).sort());
    expect(due).toHaveLength(summary.deferred + 1);
  });

  it('backs off exponentially on repeated 429s without Retry-After', async () => {
    const jobId = await watcher.createAndTrack(plan('completed', 30));
    watcher.simulator.injectFault(jobId, { kind: 'http', status: 429 }, Infinity);

    const pauses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await watcher.tick();
      const state = await watcher.watcherState.getWatcherState();
      const pause = Date.parse(state.throttledUntil ?? '') - watcher.clock.now().getTime();
      pauses.push(pause);
      watcher.clock.advance(pause);
    }
    expect(pauses[0]).toBeGreaterThanOrEqual(30_000);
    expect(pauses[0]).toBeLessThanOrEqual(60_000);
    expect(pauses[2]).toBeGreaterThanOrEqual(120_000);
    expect(pauses[2]).toBeLessThanOrEqual(240_000);
  });

  it('never loses a notification when publishing fails, and publishes it once later', async () => {
    const jobId = await watcher.createAndTrack(plan('completed', 1));
    watcher.clock.advance(3 * MINUTE);
    await watcher.breakTopic();

    const failedPublish = await watcher.tick();
    expect(failedPublish).toMatchObject({ transitions: 1, notified: 0, errors: { publish_failed: 1 } });
    expect((await watcher.store.get(jobId))?.notificationOwed?.eventId).toBe(`${jobId}:completed`);

    await watcher.repairTopic();
    // Within the publishing lease nobody else publishes it...
    expect(await watcher.tickAfter(MINUTE)).toMatchObject({ notified: 0 });
    // ...after it, exactly one tick does.
    expect(await watcher.tickAfter(5 * MINUTE)).toMatchObject({ notified: 1 });
    expect(await watcher.tickAfter(10 * MINUTE)).toMatchObject({ notified: 0, checked: 0 });

    const delivered = await watcher.delivered();
    expect(delivered.map((envelope) => eventOf(envelope).event_id)).toEqual([`${jobId}:completed`]);
    const stored = await watcher.store.get(jobId);
    expect(stored?.notificationOwed).toBeNull();
    expect(stored?.lastNotification?.messageIds.events).toBe(delivered[0]?.MessageId);
  });

  it('after a partial failure, resends only the channels that missed the notification', async () => {
    const jobId = await watcher.createAndTrack(plan('failed', 1), 'Partial');
    watcher.clock.advance(3 * MINUTE);
    await watcher.breakTopic('email');

    expect(await watcher.tick()).toMatchObject({
      transitions: 1,
      notified: 0,
      errors: { publish_failed: 1 },
    });
    expect((await watcher.store.get(jobId))?.notificationOwed?.deliveredChannels.sort()).toEqual([
      'events',
      'sms',
    ]);

    await watcher.repairTopic('email');
    expect(await watcher.tickAfter(6 * MINUTE)).toMatchObject({ notified: 1 });
    await watcher.tickAfter(10 * MINUTE);

    // One copy per channel, no more: the retry skipped the channels that already had it.
    for (const channel of ['events', 'email', 'sms'] as const) {
      expect(await watcher.deliveredOn(channel), channel).toHaveLength(1);
    }
    const [email] = await watcher.deliveredOn('email');
    expect(email?.Subject).toBe('Job failed: Partial');
    expect(email?.Message).toContain('Reason:');
    const [sms] = await watcher.deliveredOn('sms');
    expect(sms?.Message.length).toBeLessThanOrEqual(140);
    expect(sms?.MessageAttributes?.event_type?.Value).toBe('job.failed');
    const stored = await watcher.store.get(jobId);
    expect(Object.keys(stored?.lastNotification?.messageIds ?? {})).toEqual(['email']);
  });

  it('retries an operator alert whose publish failed, once its lease runs out', async () => {
    await watcher.createAndTrack(plan('completed', 10));
    watcher.simulator.setAccountState('unauthorized');
    await watcher.breakTopic();
    expect(await watcher.tick()).toMatchObject({ alerts: 0, errors: { publish_failed: 1, unauthorized: 1 } });
    await watcher.repairTopic();

    await watcher.tickAfter(MINUTE);
    expect(await watcher.delivered()).toEqual([]);
    const retried = await watcher.tickAfter(5 * MINUTE);
    expect(retried.alerts).toBe(1);
    expect((await watcher.delivered()).map((envelope) => eventOf(envelope).event_type)).toEqual([
      'watcher.unauthorized',
    ]);
    expect((await watcher.watcherState.getWatcherState()).alertOwed).toBeNull();
  });

  it('ends a job as not_found after three consecutive 404s, and as rejected on the same 422 on two ticks', async () => {
    const missing = await watcher.createAndTrack(plan('completed', 10), 'Missing');
    watcher.simulator.forgetJob(missing);
    const problem = { title: 'Unprocessable Entity', status: 422, detail: 'Not a bulk enrichment job' };
    const rejected = await watcher.createAndTrack(plan('completed', 10), 'Rejected');
    watcher.simulator.injectFault(rejected, { kind: 'http', status: 422, body: problem }, 2);
    const once = await watcher.createAndTrack(plan('completed', 10), 'Rejected once');
    watcher.simulator.injectFault(once, { kind: 'http', status: 422, body: problem });

    await watcher.tick();
    // One 422 is recorded, not acted on: the job is asked again at the next interval.
    expect(await watcher.store.get(rejected)).toMatchObject({
      status: 'pending',
      lastError: { kind: 'rejected', at: '2026-11-29T10:00:00.000Z' },
      nextCheckAt: '2026-11-29T10:01:00.000Z',
    });
    await watcher.tickAfter(MINUTE);
    expect((await watcher.store.get(missing))?.status).toBe('pending');
    expect(await watcher.store.get(rejected)).toMatchObject({
      status: 'rejected',
      history: [expect.objectContaining({ from: 'pending', to: 'rejected' })],
    });
    await watcher.tickAfter(MINUTE);

    expect(await watcher.store.get(missing)).toMatchObject({ status: 'not_found', consecutiveNotFound: 3 });
    // A 422 followed by a normal answer was a passing glitch: the job goes on.
    expect(await watcher.store.get(once)).toMatchObject({ status: 'pending', lastError: null });
    const events = (await watcher.delivered()).map(eventOf);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event_type: 'job.not_found', job_id: missing }),
        expect.objectContaining({
          event_type: 'job.rejected',
          job_id: rejected,
          reason: 'CompanyEnrich answered 422: Not a bulk enrichment job',
        }),
      ]),
    );
    expect(events).toHaveLength(2);
  });

  /** The status of every job, and the job events delivered so far. */
  async function outcomes(jobs: readonly string[]) {
    const statuses = await Promise.all(jobs.map(async (jobId) => (await watcher.store.get(jobId))?.status));
    const events = (await watcher.delivered()).map((envelope) => String(eventOf(envelope).event_type));
    return { statuses: new Set(statuses), events };
  }

  it('ends no job when every job answers 404 (a wrong base path): halts, alerts once, recovers by itself', async () => {
    const jobs = await trackInOrder(10, 10);
    const wrongPath = new CompanyEnrichStatusApi({
      baseUrl: `${watcher.simulatorUrl}/v0`,
      apiKeys: new StaticApiKey(API_KEY),
      timeoutMs: 2_000,
    });

    for (let tick = 0; tick < 8; tick += 1) {
      const sentBefore = watcher.simulator.requests.length;
      const summary = await watcher.tickAfter(MINUTE, { statusApi: wrongPath });
      expect(summary).toMatchObject({ halted: 'systematic_not_found', transitions: 0 });
      // The guard trips at the third 404: the probe, `concurrency` (4) requests in flight, and the
      // one that took the slot of the second answer.
      expect(watcher.simulator.requests.length - sentBefore).toBeLessThanOrEqual(6);
    }
    const during = await outcomes(jobs);
    expect(during.statuses).toEqual(new Set(['pending']));
    expect(during.events).toEqual(['watcher.systematic_not_found']);
    expect((await watcher.watcherState.getWatcherState()).accessIncident).toMatchObject({
      kind: 'systematic_not_found',
    });

    // The URL is fixed: answers are normal again.
    const fixed = await watcher.tickAfter(MINUTE);
    expect(fixed).toMatchObject({ halted: null, checked: 10, alerts: 1 });
    for (let tick = 0; tick < 3; tick += 1) await watcher.tickAfter(MINUTE);
    const after = await outcomes(jobs);
    expect(after.statuses).toEqual(new Set(['processing']));
    expect(after.events).toEqual(['watcher.systematic_not_found', 'watcher.recovered']);
    expect((await watcher.watcherState.getWatcherState()).accessIncident).toBeNull();
  });

  it('ends no job when every job answers 400 with a problem body: halts and alerts once', async () => {
    const jobs = await trackInOrder(10, 30);
    const problem = { title: 'Bad Request', status: 400, detail: 'Unsupported API version' };
    for (const jobId of jobs)
      watcher.simulator.injectFault(jobId, { kind: 'http', status: 400, body: problem }, Infinity);

    const summaries = [];
    for (let tick = 0; tick < 8; tick += 1) summaries.push(await watcher.tickAfter(MINUTE));
    expect(new Set(summaries.map((summary) => summary.halted))).toEqual(new Set(['systematic_rejected']));
    expect(summaries.reduce((sum, summary) => sum + summary.transitions, 0)).toBe(0);
    const during = await outcomes(jobs);
    expect(during.statuses).toEqual(new Set(['pending']));
    expect(during.events).toEqual(['watcher.systematic_rejected']);
    expect((await watcher.watcherState.getWatcherState()).accessIncident).toMatchObject({
      kind: 'systematic_rejected',
    });
  });

  it('still ends one genuinely unknown job among nine healthy ones as not_found', async () => {
    const jobs = await trackInOrder(10, 30);
    const unknown = jobs[4] ?? '';
    watcher.simulator.forgetJob(unknown);

    for (let tick = 0; tick < 3; tick += 1) {
      expect(await watcher.tickAfter(MINUTE)).toMatchObject({ halted: null, checked: 10 });
    }
    expect(await watcher.store.get(unknown)).toMatchObject({ status: 'not_found' });
    const { events } = await outcomes(jobs);
    expect(events).toEqual(['job.not_found']);
  });

  it('records unknown statuses as anomalies and ignores stale answers, without crashing the tick', async () => {
    const jobId = await watcher.createAndTrack(plan('completed', 2));
    watcher.clock.advance(3 * MINUTE);
    expect(await watcher.tick()).toMatchObject({ transitions: 1 });

    watcher.simulator.injectFault(jobId, { kind: 'unknown-status', status: 'archived' });
    expect(await watcher.tickAfter(MINUTE)).toMatchObject({ anomalies: 1, errors: { unknown_status: 1 } });
    watcher.simulator.injectFault(jobId, { kind: 'stale', status: 'pending' });
    expect(await watcher.tickAfter(MINUTE)).toMatchObject({ regressionsIgnored: 1, transitions: 0 });

    const stored = await watcher.store.get(jobId);
    expect(stored).toMatchObject({ status: 'processing', anomalyCount: 1 });
    expect(stored?.anomalies).toEqual([
      { kind: 'unknown_status', value: 'archived', at: '2026-11-29T10:04:00.000Z' },
    ]);
    expect(stored?.history.map((entry) => entry.to)).toEqual(['processing']);
    expect(
      watcher.log.entries.some((entry) => entry.message === 'Ignored a status that went backwards'),
    ).toBe(true);
  });

  it('backs a job off after transient errors and counts them by kind', async () => {
    const jobId = await watcher.createAndTrack(plan('completed', 10));
    watcher.simulator.injectFault(jobId, { kind: 'http', status: 500 });
    expect(await watcher.tick()).toMatchObject({ checked: 1, errors: { server_error: 1 } });
    const stored = await watcher.store.get(jobId);
    expect(stored?.consecutiveErrors).toBe(1);
    expect(stored?.lastError?.kind).toBe('server_error');
    const delay = Date.parse(stored?.nextCheckAt ?? '') - watcher.clock.now().getTime();
    expect(delay).toBeGreaterThanOrEqual(30_000);
    expect(delay).toBeLessThanOrEqual(60_000);
  });

  it('stops starting checks before the deadline and leaves the rest due for the next tick', async () => {
    const jobs: string[] = [];
    for (let index = 0; index < 8; index += 1) jobs.push(await watcher.createAndTrack(plan('completed', 10)));
    const real = watcher.deps.statusApi;
    // Each request "takes" five seconds of the clock the deadline is measured on.
    const slowApi: StatusApi = {
      getJobStatus: async (jobId, options) => {
        const document = await real.getJobStatus(jobId, options);
        watcher.clock.advance(5_000);
        return document;
      },
    };
    const start = watcher.clock.now();
    // Timeout 2 s + 2 s reserve: a check starts only while at least 4 s remain.
    const summary = await watcher.tick(
      { statusApi: slowApi, policy: { ...watcher.deps.policy, concurrency: 1 } },
      new Date(start.getTime() + 20_000),
    );
    expect(summary).toMatchObject({ checked: 4, halted: 'deadline' });

    const next = await watcher.tick({}, null);
    expect(next.checked).toBe(4);
    expect(watcher.simulator.requests).toHaveLength(8);
  });

  it('fails fast and leaves no timer behind when the table is missing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const documents = documentClient(watcher.clients.dynamoDb);
      const noSuchTable = uniqueName('no-such-table');
      const deadline = new Date(watcher.clock.now().getTime() + 50_000);
      const error = await watcher
        .tick(
          {
            jobs: new DynamoDbJobStore(documents, noSuchTable, watcher.log),
            watcherState: new DynamoDbWatcherStateStore(documents, noSuchTable),
          },
          deadline,
        )
        .catch((caught: unknown) => caught);
      expect((error as Error).name).toBe('ResourceNotFoundException');
      // The deadline timer would otherwise keep a CLI process alive for the rest of the 50 s.
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails the tick loudly when the store is unavailable, after doing what it could', async () => {
    await watcher.createAndTrack(plan('completed', 10));
    class ThrottledStore extends DynamoDbJobStore {
      override applyUpdate(): Promise<never> {
        return Promise.reject(new Error('ProvisionedThroughputExceededException'));
      }
    }
    const broken = new ThrottledStore(
      documentClient(watcher.clients.dynamoDb),
      watcher.tableName,
      watcher.log,
    );
    const error = await watcher.tick({ jobs: broken }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TickIncompleteError);
    expect((error as TickIncompleteError).summary).toMatchObject({ checked: 1, errors: { internal: 1 } });
    // The job stays due: nothing was recorded.
    expect((await watcher.tick()).checked).toBe(1);
  });
});
