import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EnrichJobWatchStack, type EnrichJobWatchStackProps } from '../../infra/enrich-job-watch-stack.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The feature flags `cdk synth` runs with, so the tests see the template the CLI produces. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export const JOB_A = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
export const JOB_B = '9b2f1c3e-1d2a-4c5b-8e6f-7a8b9c0d1e2f';
export const SECRET_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:companyenrich/api-key-AbCdEf';

/** Everything configured away from its default, and an existing secret known by name. */
export const CONFIGURED: EnrichJobWatchStackProps = {
  removalPolicy: RemovalPolicy.DESTROY,
  jobRetention: Duration.days(30),
  pollInterval: Duration.minutes(5),
  pollTimeout: Duration.seconds(120),
  reservedConcurrency: 2,
  pollMemorySize: 1536,
  logRetention: RetentionDays.THREE_MONTHS,
  logLevel: 'DEBUG',
  serviceName: 'enrich-job-watch-dev',
  subscriptions: [
    { email: 'ops@example.com', statuses: ['failed'] },
    { sms: '+15555550100', eventTypes: ['job.completed', 'job.failed'] },
    { email: 'team@example.com', jobIds: [JOB_A, JOB_B] },
    { sms: '+447700900123' },
  ],
  operatorEmails: ['oncall@example.com'],
  apiKeySecret: { secretName: 'companyenrich/api-key', encryptionKeyArn: SECRET_KEY_ARN },
  heartbeatWindow: Duration.minutes(20),
  // Below the webhook route's own default (5/10): that one is capped at these.
  apiRateLimit: 3,
  apiBurstLimit: 6,
  exportPrefix: 'ejw-dev',
  dashboard: true,
};

/** An existing secret by ARN, and no reserved concurrency. */
export const IMPORTED_BY_ARN: EnrichJobWatchStackProps = {
  apiKeySecret: { secretArn: SECRET_ARN },
  reservedConcurrency: 'none',
  deletionProtection: false,
};

export interface Fixture {
  readonly app: App;
  readonly outdir: string;
  readonly stacks: {
    readonly defaults: EnrichJobWatchStack;
    readonly configured: EnrichJobWatchStack;
    readonly importedByArn: EnrichJobWatchStack;
  };
  readonly templates: {
    readonly defaults: Template;
    readonly configured: Template;
    readonly importedByArn: Template;
  };
  /** The synthesized template files, for cfn-lint. */
  readonly templateFiles: string[];
  dispose(): void;
}

/**
 * Three variants of the stack in one app (esbuild bundles the shared function once), with
 * cdk-nag registered as in infra/app.ts: a finding nobody acknowledged makes `synth` throw.
 */
export function synthFixture(): Fixture {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'enrich-job-watch-infra-test-'));
  // The built-in CloudFormation validation is cfn-lint's job here (compliance.test.ts).
  const app = new App({ outdir, context: cdkJsonContext(), builtinCloudFormationValidation: false });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stacks = {
    defaults: new EnrichJobWatchStack(app, 'EnrichJobWatch'),
    configured: new EnrichJobWatchStack(app, 'Configured', CONFIGURED),
    importedByArn: new EnrichJobWatchStack(app, 'ImportedByArn', IMPORTED_BY_ARN),
  };
  const assembly = app.synth();
  return {
    app,
    outdir,
    stacks,
    templates: {
      defaults: Template.fromStack(stacks.defaults),
      configured: Template.fromStack(stacks.configured),
      importedByArn: Template.fromStack(stacks.importedByArn),
    },
    templateFiles: assembly.stacks.map((stack) => stack.templateFullPath),
    dispose: () => {
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}

export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
export type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
};

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The one resource of `type` whose logical id contains `fragment` (all of that type when omitted). */
export function only(template: Template, type: string, fragment = ''): { id: string; resource: Resource } {
  const found = Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) =>
    id.includes(fragment),
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${type}${fragment ? ` matching ${fragment}` : ''}, found ${found.length}`);
  }
  const [id, resource] = found[0] as [string, Resource];
  return { id, resource };
}

/**
 * A CloudFormation string value as text: `Fn::Join` parts concatenated, `Ref` as `${Id}`,
 * `Fn::GetAtt` as `${Id.Attr}`. Enough to read a dashboard body or an ARN pattern.
 */
export function cfnText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if ('Ref' in object) return `\${${String(object.Ref)}}`;
    if ('Fn::GetAtt' in object) return `\${${(object['Fn::GetAtt'] as string[]).join('.')}}`;
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map(cfnText).join(separator);
    }
  }
  throw new Error(`not a string value: ${JSON.stringify(value)}`);
}
