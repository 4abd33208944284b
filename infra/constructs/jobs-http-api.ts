import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
  type CfnRoute,
  type CfnStage,
  type HttpRouteIntegration,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES, ENVIRONMENT, type ApiRouteKey } from '../../functions/contract.js';
import type { MetricsIdentity } from '../telemetry.js';
import { createAppFunction, FUNCTION_DEFAULTS, type LogLevel } from './function-defaults.js';

/** Requests per second and burst of one route, as API Gateway throttles it. */
export interface RouteThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests accepted at once above the steady rate (the token bucket's size). */
  readonly burstLimit: number;
}

/** Every route's default limit: ample for automation that tracks and submits jobs. */
export const DEFAULT_API_THROTTLE: RouteThrottle = { rateLimit: 20, burstLimit: 40 };
/** The webhook route's: one callback per job, so a flood is not CompanyEnrich and gets 429. */
export const DEFAULT_WEBHOOK_THROTTLE: RouteThrottle = { rateLimit: 5, burstLimit: 10 };
/** API Gateway's default account quota (per region): a route limit above it means nothing. */
export const MAX_THROTTLE: RouteThrottle = { rateLimit: 10_000, burstLimit: 5_000 };

/**
 * One JSON object per request. The route key, not the path: the webhook path carries its token,
 * which must not reach the logs. `caller` is the IAM principal of a signed request.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.userArn',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
  responseLength: '$context.responseLength',
} as const;

/** The HTTP API's Lambda integrations answer within API Gateway's 30-second integration limit. */
const API_FUNCTION_TIMEOUT = Duration.seconds(20);
const WEBHOOK_FUNCTION_TIMEOUT = Duration.seconds(15);

export interface JobsHttpApiProps {
  /** Each route's throttle (the stage's default route throttling). @default DEFAULT_API_THROTTLE */
  readonly throttle?: RouteThrottle;
  /** The webhook route's own, tighter throttle; at most `throttle`. @default DEFAULT_WEBHOOK_THROTTLE, capped at `throttle` */
  readonly webhookThrottle?: RouteThrottle;
  /** How long the access logs and the functions' logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the log groups when they leave the stack. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** POWERTOOLS_LOG_LEVEL of both functions. @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** Namespace and service of the functions' metrics. @default DEFAULT_METRICS_IDENTITY */
  readonly metricsIdentity?: MetricsIdentity;
}

/**
 * The HTTP API (payload format 2.0, no CORS: it is called by automation, not browsers) and its
 * two functions: every job route goes to the API function (`functions/api/handler.ts`) and
 * needs AWS IAM (SigV4) authorisation; the webhook route goes to the webhook function
 * (`functions/webhook/handler.ts`) and is public, authenticated by the token in its path.
 *
 * Grants to the table, topics and secrets are the stack's (each owner's grant method).
 */
export class JobsHttpApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly apiFunction: NodejsFunction;
  readonly webhookFunction: NodejsFunction;
  readonly throttle: RouteThrottle;
  readonly webhookThrottle: RouteThrottle;

  constructor(scope: Construct, id: string, props: JobsHttpApiProps = {}) {
    super(scope, id);
    this.throttle = checkedThrottle('throttle', props.throttle ?? DEFAULT_API_THROTTLE, MAX_THROTTLE);
    this.webhookThrottle = checkedThrottle(
      'webhookThrottle',
      props.webhookThrottle ?? {
        rateLimit: Math.min(DEFAULT_WEBHOOK_THROTTLE.rateLimit, this.throttle.rateLimit),
        burstLimit: Math.min(DEFAULT_WEBHOOK_THROTTLE.burstLimit, this.throttle.burstLimit),
      },
      this.throttle,
    );
    const functionDefaults = {
      metricsIdentity: props.metricsIdentity,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    };
    this.apiFunction = createAppFunction(this, 'ApiFunction', {
      entry: 'functions/api/handler.ts',
      description: 'enrich-job-watch: the HTTP API of tracked jobs (track, submit, get, list, untrack)',
      timeout: API_FUNCTION_TIMEOUT,
      ...functionDefaults,
    });
    this.webhookFunction = createAppFunction(this, 'WebhookFunction', {
      entry: 'functions/webhook/handler.ts',
      description: 'enrich-job-watch: CompanyEnrich completion callbacks, checked against the API',
      timeout: WEBHOOK_FUNCTION_TIMEOUT,
      ...functionDefaults,
    });

    // Routes without an authoriser of their own get IAM: a route added later is not public by accident.
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: Stack.of(this).stackName,
      description:
        'enrich-job-watch: track, submit and inspect CompanyEnrich bulk jobs; completion callbacks',
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? FUNCTION_DEFAULTS.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: this.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.addRoutes();
    // The callback URLs the API function gives CompanyEnrich start with this.
    this.apiFunction.addEnvironment(ENVIRONMENT.webhookBaseUrl, this.httpApi.apiEndpoint);
  }

  /** `https://<api id>.execute-api.<region>.amazonaws.com`: the `$default` stage serves at the root. */
  get endpoint(): string {
    return this.httpApi.apiEndpoint;
  }

  /** The webhook URL with its placeholders, e.g. `<endpoint>/hooks/companyenrich/{submissionId}/{token}`. */
  get webhookUrlPattern(): string {
    return `${this.endpoint}${routeParts(API_ROUTES.webhook).path}`;
  }

  private addRoutes(): void {
    const payloadFormatVersion = PayloadFormatVersion.VERSION_2_0;
    const jobs = new HttpLambdaIntegration('ApiIntegration', this.apiFunction, { payloadFormatVersion });
    const webhook = new HttpLambdaIntegration('WebhookIntegration', this.webhookFunction, {
      payloadFormatVersion,
    });
    const { webhook: webhookKey, ...jobRoutes } = API_ROUTES;
    for (const [name, routeKey] of Object.entries(jobRoutes)) {
      this.route(`${name[0]?.toUpperCase() ?? ''}${name.slice(1)}Route`, routeKey, jobs);
    }
    const webhookRoute = this.route('WebhookRoute', webhookKey, webhook, new HttpNoneAuthorizer());
    Validations.of(webhookRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'CompanyEnrich calls this route without AWS credentials: it is public on purpose and authenticated by the HMAC token in its path (compared in constant time; a bad token gets the same 404 as an unknown job), throttled on its own, and only ever triggers a status check.',
    });
    // Route settings name the route by its key: the stage must come after the route exists.
    const stage = this.stage.node.defaultChild as CfnStage;
    stage.routeSettings = {
      [webhookKey]: {
        ThrottlingRateLimit: this.webhookThrottle.rateLimit,
        ThrottlingBurstLimit: this.webhookThrottle.burstLimit,
      },
    };
    stage.addResourceDependency(webhookRoute.node.defaultChild as CfnRoute);
  }

  private route(
    id: string,
    routeKey: ApiRouteKey,
    integration: HttpRouteIntegration,
    authorizer?: IHttpRouteAuthorizer,
  ): HttpRoute {
    const { method, path } = routeParts(routeKey);
    return new HttpRoute(this, id, {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.with(path, method),
      integration,
      authorizer,
    });
  }
}

/** `'POST /jobs'` → POST and `/jobs`. */
function routeParts(routeKey: ApiRouteKey): { method: HttpMethod; path: string } {
  const [method = '', path = ''] = routeKey.split(' ');
  if (!(method in HttpMethod)) throw new Error(`JobsHttpApi: unknown method in route ${routeKey}`);
  return { method: HttpMethod[method as keyof typeof HttpMethod], path };
}

/** Whole requests per second from 1, at most `max`. */
function checkedThrottle(name: string, throttle: RouteThrottle, max: RouteThrottle): RouteThrottle {
  for (const limit of ['rateLimit', 'burstLimit'] as const) {
    const value = throttle[limit];
    if (!Number.isInteger(value) || value < 1 || value > max[limit]) {
      throw new Error(
        `JobsHttpApi: ${name}.${limit} must be a whole number from 1 to ${max[limit]} (got ${value})`,
      );
    }
  }
  return throttle;
}
