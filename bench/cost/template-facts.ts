/**
 * What the default stack's template decides about the bill, counted from a synthesis of it:
 * alarms and the metrics they read, KMS keys, secrets, dashboards, saved queries, the schedule,
 * and each function's memory, tracing and environment.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { ENVIRONMENT } from '../../functions/contract.js';
import { settingsFromContext } from '../../infra/context.js';
import { EnrichJobWatchStack } from '../../infra/enrich-job-watch-stack.js';

const CDK_JSON = fileURLToPath(new URL('../../cdk.json', import.meta.url));

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
type Resources = Record<string, Resource>;

/** One Lambda function of the template, as the bill sees it. */
export interface FunctionFacts {
  readonly id: string;
  readonly memoryMb: number;
  readonly activeTracing: boolean;
  /** Its environment; CloudFormation references become `{ ref: logicalId }`. */
  readonly environment: Readonly<Record<string, string | { ref: string }>>;
}

/** The billable shape of the default deployment. */
export interface TemplateFacts {
  /** Metrics the alarms read: 1 per metric alarm, the metrics read by each metric-math alarm. */
  readonly alarmMetrics: number;
  readonly alarms: number;
  readonly kmsKeys: number;
  /** SNS topics with server-side encryption (each publish may ask KMS for a data key). */
  readonly encryptedTopics: number;
  /** Secrets the stack creates, and those its functions read that it does not create (imported). */
  readonly secrets: { readonly created: number; readonly imported: number };
  readonly dashboards: number;
  readonly queryDefinitions: number;
  /** `scheduler`: EventBridge Scheduler (billed per invocation); `rule`: an Events rule (free). */
  readonly schedule: 'scheduler' | 'rule';
  /** The function the schedule invokes. */
  readonly poller: FunctionFacts;
  /** The functions behind the HTTP API's routes. */
  readonly apiFunctions: readonly FunctionFacts[];
  readonly httpApis: number;
  /** Whether the jobs table has point-in-time recovery (billed per GB-month). */
  readonly pointInTimeRecovery: boolean;
}

/**
 * Synthesizes the stack as `cdk synth` would with cdk.json's context (and `extraContext`),
 * bundling stubbed (no esbuild, no Docker: the assets do not change the bill).
 */
export function synthesizeDefaultTemplate(extraContext: Record<string, unknown> = {}): Resources {
  const cdkJson = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> };
  const outdir = mkdtempSync(join(tmpdir(), 'enrich-job-watch-cost-'));
  try {
    const context = { ...cdkJson.context, ...extraContext, 'aws:cdk:bundling-stacks': [] };
    const app = new App({ outdir, context, builtinCloudFormationValidation: false });
    const { stackName, stackProps } = settingsFromContext(app.node);
    const stack = new EnrichJobWatchStack(app, stackName, stackProps);
    const path = app.synth().getStackByName(stack.stackName).templateFullPath;
    return (JSON.parse(readFileSync(path, 'utf8')) as { Resources: Resources }).Resources;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const ofType = (resources: Resources, type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

/** The logical id a `Ref` or `Fn::GetAtt` points at, if `value` is one. */
function referenced(value: unknown): string | null {
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string') return object.Ref;
    const getAtt = object['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  return null;
}

/** A metric-math alarm pays for each metric it reads (its `MetricStat` entries), not for its expressions. */
function metricsRead(alarm: Resource): number {
  const metrics = alarm.Properties?.Metrics;
  if (!Array.isArray(metrics)) return 1;
  return metrics.filter((metric) => (metric as Record<string, unknown>).MetricStat !== undefined).length;
}

function functionFacts(resources: Resources, id: string): FunctionFacts {
  const properties = resources[id]?.Properties ?? {};
  const variables =
    (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const environment = Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      const ref = referenced(value);
      return [name, ref === null ? String(value) : { ref }];
    }),
  );
  const tracing = (properties.TracingConfig as { Mode?: string } | undefined)?.Mode;
  return {
    id,
    // Lambda's own default when the template leaves it out.
    memoryMb: typeof properties.MemorySize === 'number' ? properties.MemorySize : 128,
    activeTracing: tracing === 'Active',
    environment,
  };
}

function scheduleOf(resources: Resources): { kind: 'scheduler' | 'rule'; targetId: string } {
  const schedules = ofType(resources, 'AWS::Scheduler::Schedule');
  const rules = ofType(resources, 'AWS::Events::Rule').filter(([, r]) => r.Properties?.ScheduleExpression);
  const [found] = [...schedules, ...rules];
  if (!found || schedules.length + rules.length !== 1) {
    throw new Error(`expected one schedule in the template, found ${schedules.length + rules.length}`);
  }
  const [, resource] = found;
  const target =
    resource.Type === 'AWS::Scheduler::Schedule'
      ? (resource.Properties?.Target as { Arn?: unknown } | undefined)?.Arn
      : (resource.Properties?.Targets as { Arn?: unknown }[] | undefined)?.[0]?.Arn;
  const targetId = referenced(target);
  if (targetId === null) throw new Error('the schedule does not target a function of the stack');
  return { kind: resource.Type === 'AWS::Scheduler::Schedule' ? 'scheduler' : 'rule', targetId };
}

/** Secrets the functions read by ARN that the template does not create. */
function importedSecrets(resources: Resources, functions: readonly FunctionFacts[]): number {
  const secretVariables: string[] = [ENVIRONMENT.apiKeySecretArn, ENVIRONMENT.webhookSecretArn];
  const imported = new Set<string>();
  for (const fn of functions) {
    for (const name of secretVariables) {
      const value = fn.environment[name];
      if (typeof value === 'string') imported.add(value);
      else if (value && resources[value.ref]?.Type !== 'AWS::SecretsManager::Secret') imported.add(value.ref);
    }
  }
  return imported.size;
}

/** Counts what the bill needs from a synthesized template's resources. */
export function templateFacts(resources: Resources): TemplateFacts {
  const alarms = ofType(resources, 'AWS::CloudWatch::Alarm');
  const schedule = scheduleOf(resources);
  const apiFunctionIds = new Set(
    ofType(resources, 'AWS::ApiGatewayV2::Integration')
      .map(([, integration]) => referenced(integration.Properties?.IntegrationUri))
      .filter((id): id is string => id !== null && resources[id]?.Type === 'AWS::Lambda::Function'),
  );
  const functions = ofType(resources, 'AWS::Lambda::Function').map(([id]) => functionFacts(resources, id));
  const poller = functions.find((fn) => fn.id === schedule.targetId);
  if (!poller) throw new Error(`the schedule targets ${schedule.targetId}, not a function`);
  return {
    alarmMetrics: alarms.reduce((sum, [, alarm]) => sum + metricsRead(alarm), 0),
    alarms: alarms.length,
    kmsKeys: ofType(resources, 'AWS::KMS::Key').length,
    encryptedTopics: ofType(resources, 'AWS::SNS::Topic').filter(
      ([, topic]) => topic.Properties?.KmsMasterKeyId !== undefined,
    ).length,
    secrets: {
      created: ofType(resources, 'AWS::SecretsManager::Secret').length,
      imported: importedSecrets(resources, functions),
    },
    dashboards: ofType(resources, 'AWS::CloudWatch::Dashboard').length,
    queryDefinitions: ofType(resources, 'AWS::Logs::QueryDefinition').length,
    schedule: schedule.kind,
    poller,
    apiFunctions: functions.filter((fn) => apiFunctionIds.has(fn.id)),
    httpApis: ofType(resources, 'AWS::ApiGatewayV2::Api').length,
    pointInTimeRecovery: ofType(resources, 'AWS::DynamoDB::Table').some(
      ([, table]) =>
        (
          table.Properties?.PointInTimeRecoverySpecification as
            { PointInTimeRecoveryEnabled?: boolean } | undefined
        )?.PointInTimeRecoveryEnabled === true,
    ),
  };
}
