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
import type { CliContext } from '../context.js';
import { createNotifier, openJobStore, openStatusApi, type OpenedStatusApi } from '../environment.js';
import { ExitCode } from '../exit-code.js';
import { withInterrupt } from '../interrupt.js';
import { TransitionReportingStore } from '../observed-store.js';
import { formatTickSummary, formatTransition, jobName, plural } from '../output.js';
import { withResources, type Resources } from '../resources.js';

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
  const api = await openStatusApi(context, 'local-run', resources, { durationScale });
  const { notifier, description: notifierDescription } = await createNotifier(context, resources);
  await writeRunningInstance(home, {
    pid: process.pid,
    dynamoDbEndpoint: opened.servedEndpoint,
    simulatorUrl: api.hosted?.url ?? null,
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

  const store = new TransitionReportingStore(opened.store, (job, entry) => {
    print(`[${clockTime()}]   ${formatTransition(job, entry)}`);
  });
  const deps: PollTickDeps = {
    jobs: store,
    watcherState: opened.watcherState,
    statusApi: api.statusApi,
    notifier,
    log,
    clock: { now: () => new Date() },
    random: Math.random,
    policy: config.tick,
  };
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
