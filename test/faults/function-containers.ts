/**
 * The poll and webhook functions as Lambda runs them, one container at a time: each container is
 * a cold start of the production wiring (`createLambdaRuntime` and each function's `production-deps.ts`,
 * exactly as its `handler.ts` puts them together) from the
 * environment the template gives the function, so the real SDK clients, configuration and
 * Middy/Powertools middleware run. Only the ports are reachable from here, which is what the
 * kill switch needs.
 */
import type { Context } from 'aws-lambda';
import { loadPollFunctionConfig, loadWebhookFunctionConfig } from '../../functions/core/config.js';
import { createLambdaRuntime } from '../../functions/core/lambda-runtime.js';
import { makeHandler } from '../../functions/poll/make-handler.js';
import { pollHandlerDeps } from '../../functions/poll/production-deps.js';
import { makeWebhookHandler } from '../../functions/webhook/make-handler.js';
import { webhookHandlerDeps } from '../../functions/webhook/production-deps.js';
import { seededRandom } from '../../local/random.js';
import { contextFor } from '../support/deployed-function.js';
import type { CallWatcher, KillPoint, KillSwitch } from './kill-switch.js';
import type { StackFunction } from './stack-fixture.js';

/** Which function a call came from: each container signs with its function's access key id. */
export const ACCESS_KEY_OF = { poll: 'AKIAFAULTSPOLLFUNCTN', webhook: 'AKIAFAULTSWEBHOOKFNC' } as const;

/** Where every kill point of one invocation is decided. */
export interface KillPoints {
  jobs?: KillPoint;
  notifier?: KillPoint;
  /** Sees every publish the invocation starts. */
  publishing?: CallWatcher;
}

type Runtime = ReturnType<typeof createLambdaRuntime>;

/**
 * Resolves the clients' credentials now, while the environment names this function's key:
 * the SDK reads them lazily and keeps them, so the next container's key cannot leak in.
 */
async function pinCredentials(runtime: Runtime): Promise<void> {
  const { dynamoDb, sns, secretsManager } = runtime.clients;
  await Promise.all([
    dynamoDb.config.credentials(),
    sns.config.credentials(),
    secretsManager.config.credentials(),
  ]);
}

/** A poll function container: `invoke` runs one scheduled invocation through a kill switch. */
export async function pollContainer(fn: StackFunction, seed: number) {
  process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY_OF.poll;
  const config = loadPollFunctionConfig(process.env);
  const runtime = createLambdaRuntime(config);
  await pinCredentials(runtime);
  const deps = pollHandlerDeps(config, runtime, seededRandom(seed));
  let invocations = 0;
  return {
    runtime,
    /** One invocation with the event the schedule sends; settles 'killed' if the switch is thrown. */
    invoke(event: unknown, kill: KillSwitch, points: KillPoints): Promise<unknown> {
      invocations += 1;
      const handler = makeHandler({
        ...deps,
        jobs: kill.wrap(deps.jobs, points.jobs),
        watcherState: kill.wrap(deps.watcherState),
        statusApi: kill.wrap(deps.statusApi),
        notifier: kill.wrap(deps.notifier, points.notifier, points.publishing),
        alertNotifier: kill.wrap(deps.alertNotifier),
      });
      const context: Context = contextFor(fn.fn, `faults-poll-${seed}-${invocations}`);
      return Promise.race([handler(event, context), kill.killed]);
    },
  };
}

export type PollContainer = Awaited<ReturnType<typeof pollContainer>>;

/** A webhook function container: `invoke` handles one API Gateway event. */
export async function webhookContainer(fn: StackFunction, seed: number) {
  process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY_OF.webhook;
  const config = loadWebhookFunctionConfig(process.env);
  const runtime = createLambdaRuntime(config);
  await pinCredentials(runtime);
  const handler = makeWebhookHandler(webhookHandlerDeps(config, runtime, seededRandom(seed)));
  let invocations = 0;
  return {
    runtime,
    invoke(event: Parameters<typeof handler>[0]): Promise<unknown> {
      invocations += 1;
      return handler(event, contextFor(fn.fn, `faults-webhook-${seed}-${invocations}`));
    },
  };
}

export type WebhookContainer = Awaited<ReturnType<typeof webhookContainer>>;
