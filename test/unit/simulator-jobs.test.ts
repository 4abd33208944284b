import { describe, expect, it } from 'vitest';
import { randomUuid, seededRandom } from '../../local/random.js';
import { SimulatedJobs } from '../../local/simulator/jobs.js';
import { documentAt, planRandomJob, resolvePlan, type SimulatedJobPlan } from '../../local/simulator/plan.js';
import { RequestLog } from '../../local/simulator/request-log.js';

const START = Date.parse('2026-02-17T00:00:00.000Z');
const MINUTE = 60_000;

/** Plans created over a few minutes, durations scaled down so some end within the sampled hour. */
function randomPlans(count: number, seed: number): SimulatedJobPlan[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => ({
    ...planRandomJob(random, {}, { durationScale: 0.02 }),
    createdAt: new Date(START + Math.floor(random() * 5 * MINUTE)),
  }));
}

/** Instants in a shuffled order, the clock jumping back and forth over an hour. */
function shuffledInstants(count: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => START + Math.floor(random() * 60 * MINUTE));
}

describe('SimulatedJobs.creditsUsed', () => {
  it('equals the sum of every job document credits, whichever way the clock moves and jobs change', () => {
    const random = seededRandom(7);
    const jobs = new SimulatedJobs();
    const ids = randomPlans(300, 1).map((plan) =>
      jobs.create(plan, () => randomUuid(random), new Date(START)),
    );
    const expected = (nowMs: number): number =>
      jobs.export().reduce((sum, plan) => {
        const resolved = resolvePlan({ ...plan, createdAt: new Date(plan.createdAt) }, fixedDefaults);
        return sum + documentAt(resolved, nowMs).credits_charged;
      }, 0);
    const instants = shuffledInstants(40, 2);
    for (const nowMs of instants) expect(jobs.creditsUsed(nowMs)).toBe(expected(nowMs));
    expect(jobs.creditsUsed(START + 60 * MINUTE)).toBeGreaterThan(0);

    for (const id of ids.slice(0, 50)) jobs.forget(id);
    jobs.create(randomPlans(1, 3)[0] ?? fail(), () => randomUuid(random), new Date(START));
    jobs.import(jobs.export().slice(0, 10), new Date(START));
    for (const nowMs of instants) expect(jobs.creditsUsed(nowMs)).toBe(expected(nowMs));
  });

  it('charges a job exactly at its finishing instant', () => {
    const jobs = new SimulatedJobs();
    const plan = { ...randomPlans(1, 4)[0], outcome: 'completed' } as SimulatedJobPlan;
    const jobId = jobs.create(plan, () => randomUuid(seededRandom(5)), new Date(START));
    const resolved = jobs.require(jobId);
    const endMs =
      resolved.createdAt.getTime() + resolved.pendingMs + resolved.processingMs + resolved.completingMs;
    expect(jobs.creditsUsed(endMs - 1)).toBe(0);
    expect(jobs.creditsUsed(endMs)).toBe(documentAt(resolved, endMs).credits_charged);
    expect(jobs.creditsUsed(endMs)).toBeGreaterThan(0);
  });
});

describe('documentAt on a plan asked many times', () => {
  it('answers each instant as a fresh plan would, in any order, and returns documents callers may change', () => {
    const plans = randomPlans(30, 6).map((plan, index) =>
      resolvePlan({ ...plan, outcome: index % 2 ? 'failed' : 'completed' }, fixedDefaults),
    );
    const instants = shuffledInstants(60, 8);
    for (const plan of plans) {
      for (const nowMs of instants) {
        const answer = documentAt(plan, nowMs);
        expect(answer).toEqual(documentAt({ ...plan }, nowMs));
        answer.created_at = 'changed by a caller';
        answer.results_url = 'changed by a caller';
      }
    }
  });
});

describe('RequestLog.countSince', () => {
  it('counts the requests in the window, stopping at the limit when one is given', () => {
    const log = new RequestLog();
    for (let index = 0; index < 500; index++) {
      log.record({ method: 'GET', path: '/', status: 200, at: new Date(START + index * 1_000) });
    }
    const windowStart = START + 499_000 - MINUTE;
    expect(log.countSince(windowStart)).toBe(61);
    expect(log.countSince(windowStart, 300)).toBe(61);
    expect(log.countSince(START, 300)).toBe(300);
    expect(log.countSince(START)).toBe(500);
  });
});

const idRandom = seededRandom(99);
const fixedDefaults = { jobId: (): string => randomUuid(idRandom), now: new Date(START) };

function fail(): never {
  throw new Error('no plan drawn');
}
