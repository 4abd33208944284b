import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompanyEnrichSimulator } from '../../local/simulator/index.js';

/** The simulator's account-wide status fault, which the fault suite drives its incidents with. */
describe('a status fault served to every job', () => {
  const simulator = new CompanyEnrichSimulator({ apiKey: 'ce_key', seed: 3 });
  let url = '';
  const plan = {
    totalDomains: 5,
    pendingMs: 0,
    processingMs: 0,
    completingMs: 0,
    outcome: 'completed',
  } as const;
  const ask = (jobId: string, key = 'ce_key') =>
    fetch(`${url}/companies/enrich/bulk/${jobId}`, { headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    ({ url } = await simulator.start());
  });
  afterAll(() => simulator.stop());

  it('answers every status request with it, before the key is looked at, until it is cleared', async () => {
    const first = simulator.createJob(plan);
    const second = simulator.createJob(plan);
    simulator.injectFault(first, { kind: 'http', status: 500 });
    simulator.setStatusFault({ kind: 'http', status: 404 });
    const during = await Promise.all([ask(first), ask(second), ask(second, 'not_the_key')]);
    expect(during.map((response) => response.status)).toEqual([404, 404, 404]);
    expect(during[0].headers.get('content-type')).toContain('application/problem+json');

    simulator.setStatusFault(null);
    // The per-job fault queued before is still served: the status fault went ahead of it.
    expect((await ask(first)).status).toBe(500);
    expect(await (await ask(second)).json()).toMatchObject({ job_id: second, status: 'completed' });
    expect((await ask(second, 'not_the_key')).status).toBe(401);
  });

  it('can reset every connection', async () => {
    const jobId = simulator.createJob(plan);
    simulator.setStatusFault({ kind: 'reset' });
    await expect(ask(jobId)).rejects.toThrow();
    simulator.setStatusFault(null);
    expect((await ask(jobId)).status).toBe(200);
  });

  it('refuses a status it could not serve', () => {
    expect(() => {
      simulator.setStatusFault({ kind: 'http', status: 99 });
    }).toThrow(RangeError);
  });
});
