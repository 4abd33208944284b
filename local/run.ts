/**
 * `enrich-job-watch start`: the whole watcher on one machine. The same core tick the Lambda runs,
 * on a compressed schedule, against the embedded store and the simulator (or whatever the config
 * points at), printing every tick, transition and notification.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError, WatcherError } from '../functions/core/domain/errors.js';
import { isTerminal } from '../functions/core/domain/job-status.js';
import { listJobs } from '../functions/core/use-cases/list-jobs.js';
import {
  runPollTick,
  TickIncompleteError,
  type PollTickDeps,
} from '../functions/core/use-cases/poll-tick.js';
import {
  createNotifier,
  openJobStore,
  openStatusApi,
  Resources,
  type CliContext,
} from '../cli/environment.js';
import { TransitionReportingStore } from '../cli/observed-store.js';
import { formatTickSummary, formatTransition, jobName, plural } from '../cli/output.js';
import { DEMO_SCALE_VARIABLE, parseDemoScale, seedDemoJobs } from './demo-jobs.js';
import { homePaths, readRunningInstance, removeRunningInstance, writeRunningInstance } from './home.js';

/**
 * How long one tick may run before it stops starting checks: well beyond a healthy tick, short
 * enough that a hung API cannot stall the loop (the Lambda has its timeout for the same purpose).
 */
const TICK_DEADLINE_MS = 60_000;

function clockTime(date = new Date()): string {
  return date.toTimeString().slice(0, 8);
}

/**
 * Runs the local watcher until `signal` aborts, then stops cleanly: the in-flight tick is
 * aborted, the simulator's plans saved, the embedded store closed (LevelDB flushed).
 */
export async function runLocalWatcher(context: CliContext, signal: AbortSignal): Promise<void> {
  const { config, log, print, home } = context;
  const durationScale = parseDemoScale(context.env[DEMO_SCALE_VARIABLE]);
  if (durationScale === null)
    throw new ConfigError(`${DEMO_SCALE_VARIABLE} must be a number above 0 and at most 10`);
  const running = await readRunningInstance(home);
  if (running) {
    throw new WatcherError(
      `enrich-job-watch start is already running for ${home} (pid ${running.pid}); stop it first`,
    );
  }

  const resources = new Resources(log);
  try {
    const opened = await openJobStore(context, 'local-run', resources);
    const api = await openStatusApi(context, 'local-run', resources, { durationScale });
    const { notifier, description: notifierDescription } = createNotifier(context, resources);
    await writeRunningInstance(home, {
      pid: process.pid,
      dynamoDbEndpoint: opened.servedEndpoint,
      simulatorUrl: api.hosted?.url ?? null,
      startedAt: new Date().toISOString(),
    });
    // Registered last so it runs first: no command attaches to a store that is closing.
    resources.add('the running-instance file', () => removeRunningInstance(home, process.pid));

    const intervalMs = config.tick.pollIntervalMs;
    print('enrich-job-watch: local run');
    print(`  data folder:   ${home}`);
    print(`  store:         ${opened.description}`);
    print(`  status API:    ${api.description}`);
    print(`  notifications: ${notifierDescription}`);
    print(`  schedule:      a tick every ${intervalMs / 1000} s (POLL_INTERVAL_SECONDS)`);

    const clock = { now: () => new Date() };
    const store = new TransitionReportingStore(opened.store, (job, entry) => {
      print(`[${clockTime()}]   ${formatTransition(job, entry)}`);
    });

    if (api.hosted?.firstRun) {
      const seeded = await seedDemoJobs(api.hosted.simulator, { jobs: store, clock }, durationScale);
      await api.hosted.save();
      print(
        `Seeded ${seeded.length} demo jobs in the simulator (saved to ${homePaths(home).simulatorJobs}):`,
      );
      for (const { outcome, finishesInMs, finalStatus } of seeded) {
        const verb = outcome.outcome === 'tracked' ? 'tracking' : 'already tracked';
        print(
          `  ${verb} ${jobName(outcome.job)}: will end ${finalStatus} in about ${Math.round(finishesInMs / 1000)} s`,
        );
      }
    } else {
      const jobs = await listJobs({ jobs: store });
      const watched = jobs.filter((job) => !isTerminal(job.status) || job.notificationOwed).length;
      print(`Resuming: ${plural(jobs.length, 'tracked job')}, ${watched} still watched.`);
    }
    print('Press Ctrl-C to stop.');

    const deps: PollTickDeps = {
      jobs: store,
      watcherState: opened.watcherState,
      statusApi: api.statusApi,
      notifier,
      log,
      clock,
      random: Math.random,
      policy: config.tick,
    };
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
  } finally {
    await resources.closeAll();
  }
}
