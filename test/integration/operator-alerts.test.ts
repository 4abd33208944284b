import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedJobPlan } from '../../local/simulator/index.js';
import type { SnsEnvelope } from '../support/emulators.js';
import { eventOf, MINUTE, startWatcher, type Watcher } from '../support/watcher-harness.js';

/**
 * Who hears about what, on moto: an SQS queue subscribed to each topic receives exactly what
 * that topic's subscribers would. Account-level alerts are the operator's business (and
 * automation's, on the events topic); a job's subscribers on email and SMS hear only about jobs.
 */

const QUICK: Omit<SimulatedJobPlan, 'createdAt'> = {
  totalDomains: 40,
  pendingMs: MINUTE,
  processingMs: MINUTE,
  completingMs: MINUTE,
  outcome: 'completed',
};

const eventTypes = (envelopes: SnsEnvelope[]): unknown[] =>
  envelopes.map((envelope) => envelope.MessageAttributes?.event_type?.Value);

describe('where account-level alerts go', () => {
  let watcher: Watcher;

  beforeEach(async () => {
    watcher = await startWatcher();
  });
  afterEach(async () => {
    await watcher.stop();
  });

  it('sends an incident and its recovery to the operator and events topics, never to email or SMS', async () => {
    await watcher.createAndTrack({ ...QUICK, pendingMs: 30 * MINUTE }, 'Long job');
    watcher.simulator.setAccountState('unauthorized');
    expect(await watcher.tick()).toMatchObject({ halted: 'unauthorized', alerts: 1 });
    watcher.simulator.setAccountState('ok');
    expect(await watcher.tickAfter(MINUTE)).toMatchObject({ halted: null, alerts: 1 });

    const operator = await watcher.deliveredOn('operator');
    expect(eventTypes(operator)).toEqual(['watcher.unauthorized', 'watcher.recovered']);
    // The operator topic's email subscribers read a subject and a plain-text body, not JSON.
    const [opened, recovered] = operator;
    expect(opened?.Subject).toBe('enrich-job-watch Action needed: CompanyEnrich rejected the API key (401)');
    expect(opened?.Message).toContain('Polling is paused. Check the key stored in the API-key secret');
    expect(opened?.Message).toContain('Incident opened at 2026-11-29T10:00:00.000Z.');
    expect(() => JSON.parse(opened?.Message ?? '') as unknown).toThrow();
    expect(recovered?.Subject).toBe('enrich-job-watch Recovered: CompanyEnrich rejected the API key (401)');

    // Automation gets the JSON event, with an event_type it can filter on.
    const events = await watcher.delivered();
    expect(events.map(eventOf)).toMatchObject([
      { event_type: 'watcher.unauthorized', incident: { kind: 'unauthorized' } },
      { event_type: 'watcher.recovered', incident: { kind: 'unauthorized' } },
    ]);

    expect(await watcher.deliveredOn('email')).toEqual([]);
    expect(await watcher.deliveredOn('sms')).toEqual([]);
  });

  it("sends a job's notification to events, email and SMS, and not to the operator", async () => {
    const jobId = await watcher.createAndTrack(QUICK, 'Quick job');
    for (let minute = 0; minute <= 4; minute += 1) await watcher.tickAfter(MINUTE);
    expect((await watcher.store.get(jobId))?.status).toBe('completed');

    for (const channel of ['events', 'email', 'sms'] as const) {
      const delivered = await watcher.deliveredOn(channel);
      expect(eventTypes(delivered), channel).toEqual(['job.completed']);
      expect(delivered[0]?.MessageAttributes?.job_id?.Value, channel).toBe(jobId);
    }
    expect(await watcher.deliveredOn('operator')).toEqual([]);
  });

  it('completes an alert owed since before the operator channel existed, on the new channels only', async () => {
    // Recorded by an earlier version, which published alerts to email and SMS: those two got it,
    // the events topic did not, and its lease has run out.
    const state = await watcher.watcherState.getWatcherState();
    const incident = { kind: 'payment_required' as const, openedAt: '2026-11-29T09:40:00.000Z' };
    await watcher.watcherState.saveWatcherState(state, {
      accessIncident: incident,
      alertOwed: {
        phase: 'opened',
        incident,
        detectedAt: incident.openedAt,
        retryAt: '2026-11-29T09:45:00.000Z',
        deliveredChannels: ['email', 'sms'],
      },
      throttledUntil: null,
      throttleStreak: 0,
    });

    const tick = await watcher.tick();
    expect(tick.alerts).toBe(1);
    expect(tick.errors).toEqual({});
    expect(eventTypes(await watcher.deliveredOn('operator'))).toEqual(['watcher.payment_required']);
    expect(eventTypes(await watcher.delivered())).toEqual(['watcher.payment_required']);
    expect(await watcher.deliveredOn('email')).toEqual([]);
    expect(await watcher.deliveredOn('sms')).toEqual([]);
    expect((await watcher.watcherState.getWatcherState()).alertOwed).toBeNull();
  });

  it('keeps an alert owed while the operator topic fails, and sends only the operator its retry', async () => {
    await watcher.createAndTrack({ ...QUICK, pendingMs: 30 * MINUTE });
    watcher.simulator.setAccountState('payment_required');
    await watcher.breakTopic('operator');
    expect(await watcher.tick()).toMatchObject({ alerts: 0, errors: { publish_failed: 1 } });
    const owed = (await watcher.watcherState.getWatcherState()).alertOwed;
    expect(owed?.deliveredChannels).toEqual(['events']);
    await watcher.repairTopic('operator');

    expect(await watcher.tickAfter(5 * MINUTE)).toMatchObject({ alerts: 1 });
    expect(eventTypes(await watcher.deliveredOn('operator'))).toEqual(['watcher.payment_required']);
    expect(eventTypes(await watcher.delivered())).toEqual(['watcher.payment_required']);
    expect((await watcher.watcherState.getWatcherState()).alertOwed).toBeNull();
  });
});
