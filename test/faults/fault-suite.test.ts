import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { deniedRequests, type IamRequest } from '../support/iam-policy.js';
import { iamRequestsOf } from '../support/iam-requests.js';
import { runFaultSchedule, type FaultRunResult } from './fault-run.js';
import { faultRunSize, faultSeed, planFaultRun } from './fault-schedule.js';
import { faultTable, offendingJobs, renderTable, type TableRow } from './fault-table.js';
import { ACCESS_KEY_OF } from './function-containers.js';
import { ACCOUNT } from './stack-fixture.js';

/**
 * The fault suite: the poll and webhook functions, wired as in production, on the emulators,
 * through a seeded schedule of API and AWS faults; one table of what a subscriber and an
 * operator saw against what really happened. `npm test` runs the CI size (seed 8); `npm run
 * test:faults` the full size. `FAULT_SEED=<n>` (or `random`) and `FAULT_RUN_SIZE=full|ci` replay.
 */

const schedule = planFaultRun(faultSeed(), faultRunSize());
const LAST_RUN = fileURLToPath(new URL(`./last-run-${schedule.size.name}.md`, import.meta.url));
/** The full size takes minutes on two cores, more when the machine is busy. */
const RUN_TIMEOUT_MS = schedule.size.name === 'full' ? 3_600_000 : 600_000;

/** Which function (by its signing key) wrote each job's terminal transition: the write that makes a notification owed. */
function terminalWriters(calls: FaultRunResult['calls']): Map<string, string> {
  const writers = new Map<string, string>();
  for (const call of calls) {
    if (call.status !== 200 || call.headers['x-amz-target'] !== 'DynamoDB_20120810.UpdateItem') continue;
    const body = JSON.parse(call.body) as {
      Key?: { pk?: { S?: string } };
      UpdateExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
    };
    const jobId = /^JOB#(.+)$/.exec(body.Key?.pk?.S ?? '')?.[1];
    const owes =
      /\bSET\b/.test(body.UpdateExpression ?? '') &&
      Object.values(body.ExpressionAttributeNames ?? {}).includes('notification_owed') &&
      !Object.values(body.ExpressionAttributeNames ?? {}).includes('last_notification');
    if (!jobId || !owes || writers.has(jobId)) continue;
    const key = signer(call.headers);
    writers.set(
      jobId,
      key === ACCESS_KEY_OF.webhook ? 'webhook' : key === ACCESS_KEY_OF.poll ? 'poll' : String(key),
    );
  }
  return writers;
}

/** The access key id a recorded call was signed with. */
function signer(headers: Readonly<Record<string, string>>): string | undefined {
  return /Credential=([^/]+)\//.exec(headers.authorization ?? '')?.[1];
}

describe(`the watcher under faults (${schedule.size.name} size, seed ${schedule.seed})`, () => {
  let result: FaultRunResult;
  let rows: TableRow[];
  let elapsedMs = 0;

  beforeAll(async () => {
    const started = performance.now();
    result = await runFaultSchedule(schedule);
    elapsedMs = performance.now() - started;
    rows = faultTable(schedule, result);
    const table = renderTable(schedule, rows, [
      `Took ${(elapsedMs / 1000).toFixed(1)} s. Faults injected: ${result.kills.afterTerminalWrite.length} kills after a terminal write, ` +
        `${result.kills.afterPublish.length} after a publish, ${result.publishesRefused} SNS publishes refused, ` +
        `${result.writesThrottled} DynamoDB writes throttled, ${result.webhookCalls} webhook callbacks; ` +
        `${result.invocationErrors} invocations ended in an error; ` +
        `${result.publishAnswerLost.size} jobs had a publish SNS accepted after the function gave up waiting.`,
    ]);
    const offenders = offendingJobs(schedule, result, terminalWriters(result.calls));
    const markdown =
      offenders.length === 0 ? table : `${table}\nJobs to look at:\n\n${offenders.join('\n')}\n`;
    mkdirSync(path.dirname(LAST_RUN), { recursive: true });
    writeFileSync(LAST_RUN, markdown);
    process.stdout.write(`\n${markdown}\n(also in ${path.relative(process.cwd(), LAST_RUN)})\n`);
  }, RUN_TIMEOUT_MS);

  it('injected every fault it schedules', () => {
    expect(result.kills.afterTerminalWrite.length).toBeGreaterThan(0);
    expect(result.kills.afterPublish.length).toBeGreaterThan(0);
    expect(result.publishesRefused).toBeGreaterThan(0);
    expect(result.writesThrottled).toBeGreaterThan(0);
    expect(result.webhookCalls).toBeGreaterThan(0);
  });

  it('meets every goal of the table', () => {
    expect(rows.filter((row) => !row.ok)).toEqual([]);
  });

  it('makes only AWS calls its function role allows (IAM by behaviour)', () => {
    const byRole = { poll: [] as IamRequest[], webhook: [] as IamRequest[] };
    const unsigned: string[] = [];
    for (const call of result.calls) {
      const key = signer(call.headers);
      const role = key === ACCESS_KEY_OF.poll ? 'poll' : key === ACCESS_KEY_OF.webhook ? 'webhook' : null;
      if (role) byRole[role].push(...iamRequestsOf(call, ACCOUNT));
      else unsigned.push(`${call.method} ${call.path} signed by ${String(key)}`);
    }
    expect(unsigned).toEqual([]);
    expect(byRole.poll.length).toBeGreaterThan(0);
    expect(byRole.webhook.length).toBeGreaterThan(0);
    expect(deniedRequests(result.stack.poll.grants, byRole.poll)).toEqual([]);
    expect(deniedRequests(result.stack.webhook.grants, byRole.webhook)).toEqual([]);
  });
});
