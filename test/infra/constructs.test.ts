import { App, Duration, Stack } from 'aws-cdk-lib';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ApiKeySecret } from '../../infra/constructs/api-key-secret.js';
import {
  JOB_ACCESS,
  JobStore,
  type JobAccess,
  type JobStoreProps,
} from '../../infra/constructs/job-store.js';
import { JobsHttpApi } from '../../infra/constructs/jobs-http-api.js';
import { Notifications } from '../../infra/constructs/notifications.js';
import { Operations } from '../../infra/constructs/operations.js';
import { ScheduledPoller } from '../../infra/constructs/scheduled-poller.js';
import { EnrichJobWatchStack } from '../../infra/enrich-job-watch-stack.js';
import {
  parseOperatorEmails,
  parseSubscriptions,
  type NotificationSubscription,
} from '../../infra/subscriptions.js';
import { DEFAULT_METRICS_IDENTITY } from '../../infra/telemetry.js';
import { JOB_A } from './fixture.js';

/** None of these get as far as bundling: each check runs before the function is created. */
const stack = () => new Stack(new App({ builtinCloudFormationValidation: false }));

describe('subscriptions', () => {
  it('accepts each shape and normalises the lists', () => {
    expect(
      parseSubscriptions([
        { email: 'a@x.com', statuses: ['failed', 'failed'] },
        { sms: '+15555550100', eventTypes: ['job.completed', 'job.failed'] },
        { email: 'b@x.com', jobIds: [JOB_A] },
        { email: 'c@x.co.uk', eventTypes: ['watcher.unauthorized'], statuses: ['unauthorized'] },
      ]),
    ).toEqual([
      { email: 'a@x.com', statuses: ['failed'] },
      { sms: '+15555550100', eventTypes: ['job.completed', 'job.failed'] },
      { email: 'b@x.com', jobIds: [JOB_A] },
      { email: 'c@x.co.uk', eventTypes: ['watcher.unauthorized'], statuses: ['unauthorized'] },
    ]);
  });

  it.each([
    [
      { sms: '15555550100' },
      /subscriptions\[0\] \{"sms":"15555550100"\}: sms must be an E\.164 phone number/,
    ],
    [{ sms: '+0555550100' }, /sms must be an E\.164/],
    [{ sms: '+1234567890123456' }, /sms must be an E\.164/],
    [
      { email: 'ops@localhost' },
      /subscriptions\[0\] \{"email":"ops@localhost"\}: email must be an email address/,
    ],
    [{ email: 'a@x.com', sms: '+15555550100' }, /give exactly one of "email" and "sms"/],
    [{ statuses: ['failed'] }, /give exactly one of "email" and "sms"/],
    [{ email: 'a@x.com', status: ['failed'] }, /unknown key "status"/],
    [
      { email: 'a@x.com', eventTypes: ['job.done'] },
      /eventTypes has "job.done"; expected event types \(job.completed, job.failed, job.not_found, job.rejected, watcher.unauthorized/,
    ],
    [{ email: 'a@x.com', statuses: ['processing'] }, /statuses has "processing"/],
    [{ email: 'a@x.com', statuses: [] }, /statuses must be a non-empty list/],
    [{ email: 'a@x.com', jobIds: ['job-1'] }, /jobIds has "job-1"; expected job ids \(UUIDs\)/],
    ['a@x.com', /subscriptions\[0\] "a@x.com": must be an object/],
  ])('rejects %j, naming it', (entry, message) => {
    expect(() => parseSubscriptions([entry])).toThrow(message);
  });

  it('refuses the same address twice, naming both entries', () => {
    expect(() =>
      parseSubscriptions([{ email: 'A@x.com' }, { email: 'a@x.com', statuses: ['failed'] }]),
    ).toThrow(/subscriptions\[1\] .*: a@x.com is already subscribed by subscriptions\[0\]/);
  });

  it('refuses a filter SNS would refuse (more than 150 value combinations)', () => {
    const jobIds = Array.from(
      { length: 40 },
      (_, index) => `${String(index).padStart(8, '0')}-0000-4000-8000-000000000000`,
    );
    expect(() =>
      parseSubscriptions([
        {
          email: 'a@x.com',
          statuses: ['failed', 'completed'],
          eventTypes: ['job.failed', 'job.completed'],
          jobIds,
        },
      ]),
    ).toThrow(/combines 160 values .* SNS allows 150/);
  });

  it('fails the stack from typed props too, naming the entry', () => {
    const subscriptions = [{ sms: 'call me' }] as NotificationSubscription[];
    expect(() => new Notifications(stack(), 'Notifications', { subscriptions })).toThrow(
      /subscriptions\[0\] \{"sms":"call me"\}: sms must be an E\.164 phone number/,
    );
    expect(() => new EnrichJobWatchStack(new App(), 'Bad', { operatorEmails: ['ops'] })).toThrow(
      /operatorEmails\[0\] "ops": must be an email address/,
    );
  });

  it('reads operator emails from a list or a comma-separated string', () => {
    expect(parseOperatorEmails('a@x.com, b@x.com')).toEqual(['a@x.com', 'b@x.com']);
    expect(parseOperatorEmails(['a@x.com'])).toEqual(['a@x.com']);
    expect(() => parseOperatorEmails(['a@x.com', 'A@x.com'])).toThrow(
      /operatorEmails\[1\] "A@x.com": listed twice/,
    );
  });
});

describe('construct settings', () => {
  it.each([
    [
      { interval: Duration.minutes(1), timeout: Duration.seconds(60) },
      /timeout \(1 minute\) must be shorter than interval \(1 minute\)/,
    ],
    [{ interval: Duration.seconds(90) }, /interval must be whole minutes from 1 minute to 1 day/],
    [
      { interval: Duration.minutes(30), timeout: Duration.minutes(16) },
      /timeout must be whole seconds from 1 to 900/,
    ],
    [{ reservedConcurrency: 0 }, /reservedConcurrency must be a whole number >= 1 or 'none' \(got 0\)/],
  ])('ScheduledPoller refuses %j', (props, message) => {
    expect(() => new ScheduledPoller(stack(), 'Poller', props)).toThrow(message);
  });

  it.each([
    [
      { throttle: { rateLimit: 0, burstLimit: 10 } },
      /throttle\.rateLimit must be a whole number from 1 to 10000 \(got 0\)/,
    ],
    [
      { throttle: { rateLimit: 10, burstLimit: 5001 } },
      /throttle\.burstLimit must be a whole number from 1 to 5000 \(got 5001\)/,
    ],
    [{ throttle: { rateLimit: 2.5, burstLimit: 10 } }, /throttle\.rateLimit must be a whole number/],
    // The webhook route's limit may only be tighter than every route's.
    [
      { throttle: { rateLimit: 20, burstLimit: 40 }, webhookThrottle: { rateLimit: 30, burstLimit: 10 } },
      /webhookThrottle\.rateLimit must be a whole number from 1 to 20 \(got 30\)/,
    ],
  ])('JobsHttpApi refuses %j', (props, message) => {
    expect(() => new JobsHttpApi(stack(), 'Api', props)).toThrow(message);
  });

  it('JobStore refuses a retention that is not whole days', () => {
    expect(() => new JobStore(stack(), 'JobStore', { jobRetention: Duration.hours(36) })).toThrow(
      /jobRetention must be whole days from 0 to 36500 \(got 1 day 12 hours\)/,
    );
  });

  it('ApiKeySecret refuses a partial ARN (IAM needs the suffix) and a malformed key ARN', () => {
    expect(
      () =>
        new ApiKeySecret(stack(), 'ApiKey', {
          existing: {
            secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:companyenrich/api-key',
          },
        }),
    ).toThrow(/expected a complete secret ARN \(ending in -XXXXXX\)/);
    expect(
      () =>
        new ApiKeySecret(stack(), 'ApiKey', { existing: { secretName: 'k', encryptionKeyArn: 'alias/k' } }),
    ).toThrow(/expected a KMS key ARN \(got "alias\/k"\)/);
  });

  it('Operations refuses a heartbeat window shorter than two intervals', () => {
    const scope = stack();
    const props = {
      pollFunction: LambdaFunction.fromFunctionArn(
        scope,
        'Fn',
        'arn:aws:lambda:us-east-1:123456789012:function:f',
      ),
      pollTimeout: Duration.seconds(50),
      deadLetterQueue: Queue.fromQueueArn(scope, 'Dlq', 'arn:aws:sqs:us-east-1:123456789012:dlq'),
      httpApi: HttpApi.fromHttpApiAttributes(scope, 'Api', { httpApiId: 'a1b2c3d4e5' }),
      webhookFunction: LambdaFunction.fromFunctionArn(
        scope,
        'Webhook',
        'arn:aws:lambda:us-east-1:123456789012:function:webhook',
      ),
      alarmAction: new SnsAction(
        Topic.fromTopicArn(scope, 'Topic', 'arn:aws:sns:us-east-1:123456789012:ops'),
      ),
      metricsIdentity: DEFAULT_METRICS_IDENTITY,
      logGroups: {
        poll: LogGroup.fromLogGroupName(scope, 'PollLogs', '/aws/lambda/f'),
        api: LogGroup.fromLogGroupName(scope, 'ApiLogs', '/aws/lambda/api'),
        webhook: LogGroup.fromLogGroupName(scope, 'WebhookLogs', '/aws/lambda/webhook'),
      },
    };
    expect(
      () =>
        new Operations(scope, 'Ops', {
          ...props,
          pollInterval: Duration.minutes(5),
          heartbeatWindow: Duration.minutes(9),
        }),
    ).toThrow(
      /heartbeatWindow must be whole minutes, at least two poll intervals \(10\) and at most 1440 \(got 9\)/,
    );
    // The default follows the interval: three intervals when that is longer than 10 minutes.
    expect(
      new Operations(scope, 'Ops5', { ...props, pollInterval: Duration.minutes(5) }).heartbeatMinutes,
    ).toBe(15);
    expect(
      new Operations(scope, 'Ops1', { ...props, pollInterval: Duration.minutes(1) }).heartbeatMinutes,
    ).toBe(10);
  });

  it('the stack refuses a service name Powertools and CloudWatch would not keep apart', () => {
    expect(() => new EnrichJobWatchStack(new App(), 'Bad', { serviceName: 'enrich job watch' })).toThrow(
      /serviceName must be 1-128 of A-Z a-z 0-9 _ \. - \(got "enrich job watch"\)/,
    );
  });
});

describe('jobs table upgrade', () => {
  /** The table's index names and the Query resources of a role with `access`, for some props. */
  function synthesize(props: JobStoreProps, access: JobAccess = JOB_ACCESS.api) {
    const scope = stack();
    const store = new JobStore(scope, 'JobStore', props);
    const fn = new LambdaFunction(scope, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => {};'),
    });
    store.grantJobAccess(fn, access);
    const template = Template.fromStack(scope);
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table')) as {
      Properties: { GlobalSecondaryIndexes: { IndexName: string }[] };
    }[];
    const queried = JSON.stringify(template.findResources('AWS::IAM::Policy')).match(/index\/[a-z-]+/g) ?? [];
    return {
      indexes: table?.Properties.GlobalSecondaryIndexes.map((index) => index.IndexName) ?? [],
      queried: [...new Set(queried)].sort(),
    };
  }

  /** The indexes one deploy adds and drops, going from `before` to `after`. */
  const changed = (before: string[], after: string[]) => [
    ...after.filter((name) => !before.includes(name)).map((name) => `+${name}`),
    ...before.filter((name) => !after.includes(name)).map((name) => `-${name}`),
  ];

  it('has the due index and both listing indexes by default, and the API may query both listing indexes', () => {
    const { indexes, queried } = synthesize({});
    expect(indexes).toEqual(['by-watch-queue', 'by-tracked-at', 'by-status']);
    expect(queried).toEqual(['index/by-status', 'index/by-tracked-at']);
  });

  it('leaves out the status index for the first of two upgrade deploys (one new index per update), and grants nothing on it', () => {
    const { indexes, queried } = synthesize({ statusIndex: false });
    expect(indexes).toEqual(['by-watch-queue', 'by-tracked-at']);
    expect(queried).toEqual(['index/by-tracked-at']);
  });

  it('keeps the old due index for the first of two deploys from by-next-check, so each deploy changes one index, and no role names the old one', () => {
    // The table a stack deployed before by-watch-queue has.
    const deployed = ['by-next-check', 'by-tracked-at', 'by-status'];
    const first = synthesize({ legacyDueIndex: true }, JOB_ACCESS.poll);
    const second = synthesize({}, JOB_ACCESS.poll);

    expect(changed(deployed, first.indexes)).toEqual(['+by-watch-queue']);
    expect(changed(first.indexes, second.indexes)).toEqual(['-by-next-check']);
    // Straight from the old table, CloudFormation would refuse the update (two index changes).
    expect(changed(deployed, second.indexes)).toHaveLength(2);
    // The poller reads the new index from the first deploy on; the old one is only kept.
    expect(first.queried).toEqual(['index/by-watch-queue']);
    expect(second.queried).toEqual(['index/by-watch-queue']);
  });
});
