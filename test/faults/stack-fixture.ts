/**
 * The stack the fault run deploys onto the emulators: synthesized in process (without bundling:
 * the run imports the functions' sources, not their bundles), its topics and secrets created in
 * moto from the template, its table on dynalite under the template's name, and the poll and
 * webhook functions' environments and roles resolved against those resources.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { settingsFromContext } from '../../infra/context.js';
import { EnrichJobWatchStack } from '../../infra/enrich-job-watch-stack.js';
import { jobsTableDefinition } from '../../functions/core/adapters/dynamodb/table.js';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTemplateResources } from '../support/cfn-moto.js';
import { functionRoleId, provideServiceSideResources, roleStatements } from '../support/cfn-iam.js';
import {
  findResources,
  pollFunction,
  pollSchedule,
  ReferenceResolver,
  resolveEnvironment,
  type CfnTemplate,
  type CloudAssembly,
  type PollFunction,
  type PollSchedule,
} from '../support/cloud-assembly.js';
import { functionAtPath } from '../support/deployed-function.js';
import type { motoClients } from '../support/emulators.js';
import type { PolicyStatement } from '../support/iam-policy.js';
import { cdkJsonContext } from '../infra/fixture.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** One function of the stack as the run uses it. */
export interface StackFunction {
  fn: PollFunction;
  /** The template's variables, every reference resolved to the emulators' resources. */
  environment: Record<string, string>;
  /** What its role allows, references resolved. */
  grants: PolicyStatement[];
}

export interface StackFixture {
  template: CfnTemplate;
  poll: StackFunction;
  webhook: StackFunction;
  schedule: PollSchedule;
  /** Every SNS topic of the stack (notification channels and operator), by logical id. */
  topics: Record<string, string>;
  dispose(): void;
}

function pseudoParameters(stackName: string): Record<string, string> {
  return {
    'AWS::AccountId': ACCOUNT,
    'AWS::Region': REGION,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stackName,
  };
}

/** Synthesizes the stack with the CLI's feature flags, skipping the bundling the run does not need. */
function synthesize(): { template: CfnTemplate; assembly: CloudAssembly; outdir: string } {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'enrich-job-watch-faults-'));
  // As the CLI runs the app: its feature flags and construct paths in the metadata.
  const context = {
    ...cdkJsonContext(),
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:bundling-stacks': [],
  };
  const app = new App({ outdir, context });
  const { stackProps } = settingsFromContext(app.node);
  const stack = new EnrichJobWatchStack(app, 'EnrichJobWatchFaults', stackProps);
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  const assembly = {
    dir: outdir,
    stacks: [{ name: stack.stackName, templateFile: '', template, assets: null }],
    dispose: () => undefined,
  } as unknown as CloudAssembly;
  return { template, assembly, outdir };
}

/**
 * Deploys the stack onto moto (topics, secrets) and dynalite (the table), with `apiKey` stored
 * where the operator puts it and `webhookSecret` as the webhook secret; `apiEndpoint` is what
 * the HTTP API's URL resolves to.
 */
export async function deployStack(options: {
  moto: ReturnType<typeof motoClients>;
  dynalite: DynamoDBClient;
  apiKey: string;
  webhookSecret: string;
  apiEndpoint: string;
}): Promise<StackFixture> {
  const { template, assembly, outdir } = synthesize();
  const pollFn = pollFunction(assembly);
  const webhookFn = functionAtPath(assembly, /\/WebhookFunction\/Resource$/);
  const resolver = new ReferenceResolver(template, pseudoParameters(pollFn.stack.name));
  await createTemplateResources(options.moto, template, resolver);
  provideServiceSideResources(template, resolver);
  for (const { logicalId } of findResources(template, 'AWS::ApiGatewayV2::Api')) {
    resolver.provide(logicalId, { ref: 'faults0001', attributes: { ApiEndpoint: options.apiEndpoint } });
  }
  const stackFunction = (fn: PollFunction): StackFunction => ({
    fn,
    environment: resolveEnvironment(fn.environment, resolver),
    grants: roleStatements(template, functionRoleId(template, fn.logicalId), resolver),
  });
  const poll = stackFunction(pollFn);
  const webhook = stackFunction(webhookFn);
  const table = poll.environment.JOBS_TABLE_NAME;
  const apiKeySecret = poll.environment.COMPANYENRICH_API_KEY_SECRET_ARN;
  const webhookSecret = webhook.environment.WEBHOOK_SECRET_ARN;
  if (!table || !apiKeySecret || !webhookSecret) throw new Error('the template lacks a table or a secret');
  await options.dynalite.send(new CreateTableCommand(jobsTableDefinition(table)));
  const put = (SecretId: string, SecretString: string) =>
    options.moto.secretsManager.send(new PutSecretValueCommand({ SecretId, SecretString }));
  await put(apiKeySecret, options.apiKey);
  await put(webhookSecret, options.webhookSecret);
  const topics = Object.fromEntries(
    findResources(template, 'AWS::SNS::Topic').map(({ logicalId }) => [
      logicalId,
      resolver.resolveString({ Ref: logicalId }),
    ]),
  );
  return {
    template,
    poll,
    webhook,
    schedule: pollSchedule(template, pollFn.logicalId),
    topics,
    dispose: () => {
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}
