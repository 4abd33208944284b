/**
 * `enrich-job-watch start`: the whole watcher on one machine. The same core tick the Lambda runs,
 * on a compressed schedule, against the embedded store and the simulator (or whatever the config
 * points at), printing every tick, transition and notification.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError, WatcherError } from '../../functions/core/domain/errors.js';
import { isTerminal } from '../../functions/core/domain/job-status.js';
import { listJobs } from '../../functions/core/use-cases/list-jobs.js';
import {
  runPollTick,
  TickIncompleteError,
  type PollTickDeps,
} from '../../functions/core/use-cases/poll-tick.js';
import { DEMO_SCALE_VARIABLE, parseDemoScale, seedDemoJobs } from '../../local/demo-jobs.js';
import {
  homePaths,
  readRunningInstance,
  removeRunningInstance,
  writeRunningInstance,
} from '../../local/home.js';
import type { WebhookDelivery } from '../../local/simulator/index.js';
import { createWebhookApplication, webhookTokens } from '../application.js';
import type { CliContext } from '../context.js';
import {
  createNotifier,
  openJobStore,
  openStatusApi,
  type OpenedStatusApi,
  type OpenedStore,
} from '../environment.js';
import { ExitCode } from '../exit-code.js';
import { withInterrupt } from '../interrupt.js';
import { TransitionReportingStore } from '../observed-store.js';
import { formatTickSummary, formatTransition, jobName, plural } from '../output.js';
import { withResources, type Resources } from '../resources.js';
import { LocalWebhookServer } from '../webhook-server.js';

/**
 * How long one tick may run before it stops starting checks: well beyond a healthy tick, short
 * enough that a hung API cannot stall the loop (the Lambda has its timeout for the same purpose).
 */
const TICK_DEADLINE_MS = 60_000;

function clockTime(date = new Date()): string {
  return date.toTimeString().slice(0, 8);
}

/** The store, API and notifier of a local run, opened and announced in the data folder. */
interface LocalRun {
  api: OpenedStatusApi;
  deps: PollTickDeps;
}

/**
 * Serves the webhook route on loopback (local store only: with a table, CompanyEnrich calls the
 * deployed route) and resolves its base URL, or null.
 */
async function serveWebhooks(
  context: CliContext,
  resources: Resources,
  parts: { opened: OpenedStore; tick: PollTickDeps },
): Promise<string | null> {
  if (context.config.jobsTableName) return null;
  const webhooks = await createWebhookApplication({
    ...parts,
    // Only verifies tokens: the URLs are made by `submit`, with the same key.
    tokens: await webhookTokens(context, null),
  });
  const server = new LocalWebhookServer(webhooks, context.log, (id, outcome) => {
    context.print(
      `[${clockTime()}] webhook call (submission ${id.slice(0, 8)}): ${outcome.replace('_', ' ')}`,
    );
  });
  const baseUrl = await server.start();
  resources.add('the webhook route', () => server.stop());
  return baseUrl;
}

/** The local run logs a completion callback its simulator could not deliver (it is not retried). */
function reportWebhookFailure(context: CliContext): (delivery: WebhookDelivery) => void {
  return (delivery) => {
    if (delivery.error === null) return;
    context.log.warn('The simulator could not call a webhook; the poll tick will find the job ended', {
      job_id: delivery.jobId,
      error: delivery.error,
    });
  };
}

/**
 * Opens everything the run needs, announces it in the data folder for other commands, and
 * prints where each part is.
 */
async function openLocalRun(
  context: CliContext,
  resources: Resources,
  durationScale: number,
): Promise<LocalRun> {
  const { config, log, print, home } = context;
  const opened = await openJobStore(context, 'local-run', resources);
  const api = await openStatusApi(context, 'local-run', resources, {
    durationScale,
    onWebhook: reportWebhookFailure(context),
  });
  const {
    notifier,
    alertNotifier,
    description: notifierDescription,
  } = await createNotifier(context, resources);
  const store = new TransitionReportingStore(opened.store, (job, entry) => {
    print(`[${clockTime()}]   ${formatTransition(job, entry)}`);
  });
  const deps: PollTickDeps = {
    jobs: store,
    watcherState: opened.watcherState,
    statusApi: api.statusApi,
    notifier,
    alertNotifier,
    log,
    clock: { now: () => new Date() },
    random: Math.random,
    policy: config.tick,
  };
  const webhookBaseUrl = await serveWebhooks(context, resources, { opened, tick: deps });
  await writeRunningInstance(home, {
    pid: process.pid,
    dynamoDbEndpoint: opened.servedEndpoint,
    simulatorUrl: api.hosted?.url ?? null,
    webhookBaseUrl,
    startedAt: new Date().toISOString(),
  });
  // Registered last so it runs first: no command attaches to a store that is closing.
  resources.add('the running-instance file', () => removeRunningInstance(home, process.pid));

  print('enrich-job-watch: local run');
  print(`  data folder:   ${home}`);
  print(`  store:         ${opened.description}`);
  print(`  status API:    ${api.description}`);
  print(`  notifications: ${notifierDescription}`);
  print(`  schedule:      a tick every ${config.tick.pollIntervalMs / 1000} s (POLL_INTERVAL_SECONDS)`);
  if (webhookBaseUrl)
    print(`  webhooks:      ${webhookBaseUrl}/hooks/companyenrich/... (submit's fast path)`);
  return { api, deps };
}

/** A fresh data folder gets the demo jobs; an existing one says what it resumes. */
async function seedOrResume(context: CliContext, run: LocalRun, durationScale: number): Promise<void> {
  const { print, home } = context;
  const { hosted } = run.api;
  if (hosted?.firstRun) {
    const seeded = await seedDemoJobs(hosted.simulator, run.deps, durationScale);
    await hosted.save();
    print(`Seeded ${seeded.length} demo jobs in the simulator (saved to ${homePaths(home).simulatorJobs}):`);
    for (const { outcome, finishesInMs, finalStatus } of seeded) {
      const verb = outcome.outcome === 'tracked' ? 'tracking' : 'already tracked';
      print(
        `  ${verb} ${jobName(outcome.job)}: will end ${finalStatus} in about ${Math.round(finishesInMs / 1000)} s`,
      );
    }
  } else {
    const jobs = await listJobs(run.deps);
    const watched = jobs.filter((job) => !isTerminal(job.status) || job.notificationOwed).length;
    print(`Resuming: ${plural(jobs.length, 'tracked job')}, ${watched} still watched.`);
  }
}

/** One tick a slot until `signal` aborts; a failed tick is reported and the next one tries again. */
async function tickUntilAborted(context: CliContext, deps: PollTickDeps, signal: AbortSignal): Promise<void> {
  const { log, print } = context;
  const intervalMs = context.config.tick.pollIntervalMs;
  while (!signal.aborted) {
    const startedAt = Date.now();
    try {
      const summary = await runPollTick(deps, {
        now: new Date(startedAt),
        deadline: new Date(startedAt + TICK_DEADLINE_MS),
        signal,
      });
      print(`[${clockTime()}] tick: ${formatTickSummary(summary)}`);
    } catch (error) {
      if (error instanceof TickIncompleteError) {
        print(`[${clockTime()}] tick: ${formatTickSummary(error.summary)}`);
        log.error('Some jobs could not be processed; they stay due for the next tick', {
          error: error.cause,
        });
      } else {
        log.error('Tick failed; trying again on the next one', { error });
      }
    }
    // Sleeps until the next slot; Ctrl-C ends the wait at once.
    await delay(Math.max(startedAt + intervalMs - Date.now(), 0), undefined, { signal }).catch(
      () => undefined,
    );
  }
}

/**
 * Runs the local watcher until `signal` aborts, then stops cleanly: the in-flight tick is
 * aborted, the simulator's plans saved, the embedded store closed (LevelDB flushed).
 */
async function runLocalWatcher(context: CliContext, signal: AbortSignal): Promise<void> {
  const durationScale = parseDemoScale(context.env[DEMO_SCALE_VARIABLE]);
  if (durationScale === null)
    throw new ConfigError(`${DEMO_SCALE_VARIABLE} must be a number above 0 and at most 10`);
  const running = await readRunningInstance(context.home);
  if (running) {
    throw new WatcherError(
      `enrich-job-watch start is already running for ${context.home} (pid ${running.pid}); stop it first`,
    );
  }
  await withResources(context.log, async (resources) => {
    const run = await openLocalRun(context, resources, durationScale);
    await seedOrResume(context, run, durationScale);
    context.print('Press Ctrl-C to stop.');
    await tickUntilAborted(context, run.deps, signal);
  });
}

/** `start`: the local run, until Ctrl-C. */
export async function startCommand(context: CliContext): Promise<number> {
  await withInterrupt(context.print, (signal) => runLocalWatcher(context, signal));
  context.print('Stopped.');
  return ExitCode.Ok;
}
