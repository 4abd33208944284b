/**
 * A small evaluator for IAM identity policies, enough to answer two questions about a role and
 * the requests made with it: is each request allowed, and is each grant used by some request?
 *
 * What it models: Allow and Deny (an explicit Deny wins; no matching Allow is an implicit deny),
 * Action/NotAction with `*` and `?` (case-insensitive), Resource/NotResource with `*` and `?`
 * matched segment by segment of the ARN (a wildcard in the region or account never spills into
 * the next segment), and the String*, Arn* and Bool condition operators, with `...IfExists`.
 * Anything else (policy variables, set operators, numeric, date or IP conditions, a Principal in an
 * identity policy) throws {@link UnsupportedPolicyError}: a grant this evaluator cannot read must
 * fail the test, never pass it.
 */

/** One IAM request: an action on a resource, with the condition keys the request carries. */
export interface IamRequest {
  /** `service:Action`, e.g. `dynamodb:GetItem`. */
  readonly action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** Condition keys (`kms:ViaService`...) and their values; names are case-insensitive. */
  readonly context?: Readonly<Record<string, string>>;
  /** Who makes it and why, for failure messages. */
  readonly origin: string;
}

/** A statement with every list normalised to an array and every value resolved to a string. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: readonly string[];
  readonly NotAction?: readonly string[];
  readonly Resource?: readonly string[];
  readonly NotResource?: readonly string[];
  /** Operator → condition key → accepted values. */
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

/** A policy feature this evaluator does not model. */
export class UnsupportedPolicyError extends Error {
  override name = 'UnsupportedPolicyError';
}

const STATEMENT_KEYS = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];

function strings(value: unknown, where: string): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item === 'boolean' || typeof item === 'number') return String(item);
    if (typeof item !== 'string') throw new UnsupportedPolicyError(`${where}: ${JSON.stringify(item)}`);
    if (item.includes('${')) throw new UnsupportedPolicyError(`${where}: policy variable in ${item}`);
    return item;
  });
}

/**
 * Checks and normalises one statement of an identity policy whose values are already resolved
 * (no CloudFormation intrinsics left).
 */
export function parseStatement(raw: unknown, where: string): PolicyStatement {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UnsupportedPolicyError(`${where}: not a statement: ${JSON.stringify(raw)}`);
  }
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !STATEMENT_KEYS.includes(key));
  if (unknown.length > 0) throw new UnsupportedPolicyError(`${where}: ${unknown.join(', ')} not supported`);
  const { Sid, Effect, Action, NotAction, Resource, NotResource, Condition } = fields;
  if (Effect !== 'Allow' && Effect !== 'Deny') {
    throw new UnsupportedPolicyError(`${where}: Effect ${JSON.stringify(Effect)}`);
  }
  if ((Action === undefined) === (NotAction === undefined)) {
    throw new UnsupportedPolicyError(`${where}: exactly one of Action and NotAction is required`);
  }
  if ((Resource === undefined) === (NotResource === undefined)) {
    throw new UnsupportedPolicyError(`${where}: exactly one of Resource and NotResource is required`);
  }
  return {
    ...(typeof Sid === 'string' ? { Sid } : {}),
    Effect,
    ...(Action === undefined ? {} : { Action: strings(Action, `${where}.Action`) }),
    ...(NotAction === undefined ? {} : { NotAction: strings(NotAction, `${where}.NotAction`) }),
    ...(Resource === undefined ? {} : { Resource: strings(Resource, `${where}.Resource`) }),
    ...(NotResource === undefined ? {} : { NotResource: strings(NotResource, `${where}.NotResource`) }),
    ...(Condition === undefined ? {} : { Condition: parseCondition(Condition, `${where}.Condition`) }),
  };
}

function parseCondition(raw: unknown, where: string): Record<string, Record<string, string[]>> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UnsupportedPolicyError(`${where}: ${JSON.stringify(raw)}`);
  }
  return Object.fromEntries(
    Object.entries(raw).map(([operator, keys]) => {
      if (!(operator.replace(/IfExists$/, '') in OPERATORS)) {
        throw new UnsupportedPolicyError(`${where}: condition operator ${operator}`);
      }
      if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
        throw new UnsupportedPolicyError(`${where}.${operator}: ${JSON.stringify(keys)}`);
      }
      return [
        operator,
        Object.fromEntries(
          Object.entries(keys as Record<string, unknown>).map(([key, values]) => [
            key,
            strings(values, `${where}.${operator}.${key}`),
          ]),
        ),
      ];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Matching

function wildcard(pattern: string, ignoreCase: boolean): RegExp {
  const body = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
}

/** `arn`, partition, service, region, account, and the resource (which may contain colons). */
function arnSegments(value: string): string[] | null {
  const parts = value.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return null;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** Whether an ARN pattern (with `*` and `?`) matches an ARN, segment by segment. */
export function arnMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const patternSegments = arnSegments(pattern);
  const valueSegments = arnSegments(value);
  if (!patternSegments || !valueSegments) return wildcard(pattern, false).test(value);
  return patternSegments.every((segment, index) => wildcard(segment, false).test(valueSegments[index] ?? ''));
}

/** Whether an action pattern (`sns:Pub*`) matches an action; action names ignore case. */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcard(pattern, true).test(action);
}

type Operator = (accepted: readonly string[], actual: string) => boolean;

const OPERATORS: Record<string, Operator> = {
  StringEquals: (accepted, actual) => accepted.includes(actual),
  StringNotEquals: (accepted, actual) => !accepted.includes(actual),
  StringEqualsIgnoreCase: (accepted, actual) =>
    accepted.some((value) => value.toLowerCase() === actual.toLowerCase()),
  StringNotEqualsIgnoreCase: (accepted, actual) =>
    !accepted.some((value) => value.toLowerCase() === actual.toLowerCase()),
  StringLike: (accepted, actual) => accepted.some((value) => wildcard(value, false).test(actual)),
  StringNotLike: (accepted, actual) => !accepted.some((value) => wildcard(value, false).test(actual)),
  ArnEquals: (accepted, actual) => accepted.some((value) => arnMatches(value, actual)),
  ArnLike: (accepted, actual) => accepted.some((value) => arnMatches(value, actual)),
  ArnNotEquals: (accepted, actual) => !accepted.some((value) => arnMatches(value, actual)),
  ArnNotLike: (accepted, actual) => !accepted.some((value) => arnMatches(value, actual)),
  Bool: (accepted, actual) => accepted.map((value) => value.toLowerCase()).includes(actual.toLowerCase()),
};

function contextValue(context: IamRequest['context'], key: string): string | undefined {
  const found = Object.entries(context ?? {}).find(([name]) => name.toLowerCase() === key.toLowerCase());
  return found?.[1];
}

/**
 * Whether every condition of a statement holds for a request. A key the request lacks fails a
 * positive operator and satisfies a negated one, as in IAM; `...IfExists` makes it satisfy any.
 */
export function conditionsHold(statement: PolicyStatement, request: IamRequest): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) => {
    const ifExists = operator.endsWith('IfExists');
    const base = operator.replace(/IfExists$/, '');
    const test = OPERATORS[base];
    if (!test) throw new UnsupportedPolicyError(`condition operator ${operator}`);
    return Object.entries(keys).every(([key, accepted]) => {
      const actual = contextValue(request.context, key);
      if (actual === undefined) return ifExists || base.includes('Not');
      return test(accepted, actual);
    });
  });
}

/** Whether a statement applies to a request: its action, its resource and its conditions. */
export function statementApplies(statement: PolicyStatement, request: IamRequest): boolean {
  const action = statement.Action
    ? statement.Action.some((pattern) => actionMatches(pattern, request.action))
    : !(statement.NotAction ?? []).some((pattern) => actionMatches(pattern, request.action));
  const resource = statement.Resource
    ? statement.Resource.some((pattern) => arnMatches(pattern, request.resource))
    : !(statement.NotResource ?? []).some((pattern) => arnMatches(pattern, request.resource));
  return action && resource && conditionsHold(statement, request);
}

// ---------------------------------------------------------------------------------------------
// The two questions

export type Decision = 'allowed' | 'explicitly denied' | 'implicitly denied';

/** IAM's decision for one request under a set of identity-policy statements. */
export function decide(statements: readonly PolicyStatement[], request: IamRequest): Decision {
  const applying = statements.filter((statement) => statementApplies(statement, request));
  if (applying.some((statement) => statement.Effect === 'Deny')) return 'explicitly denied';
  return applying.some((statement) => statement.Effect === 'Allow') ? 'allowed' : 'implicitly denied';
}

/** Every request the statements do not allow (each once), described with its origin and the decision. */
export function deniedRequests(
  statements: readonly PolicyStatement[],
  requests: readonly IamRequest[],
): string[] {
  const denied = requests.flatMap((request) => {
    const decision = decide(statements, request);
    return decision === 'allowed'
      ? []
      : [`${request.action} on ${request.resource} (${request.origin}): ${decision}`];
  });
  return [...new Set(denied)];
}

/**
 * Every (action, resource) pair an Allow statement grants that no request uses (through that
 * statement, conditions included). An Allow with NotAction or NotResource grants an open-ended
 * set, which no list of requests can show to be used: it throws.
 */
export function unexercisedGrants(
  statements: readonly PolicyStatement[],
  requests: readonly IamRequest[],
): string[] {
  return statements
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement, index) => {
      if (!statement.Action || !statement.Resource) {
        throw new UnsupportedPolicyError(
          `Allow statement ${statement.Sid ?? index} uses NotAction/NotResource: what it grants cannot be enumerated`,
        );
      }
      const { Action: actions, Resource: resources } = statement;
      const condition = statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : '';
      return actions.flatMap((action) =>
        resources.flatMap((resource) => {
          const single: PolicyStatement = { ...statement, Action: [action], Resource: [resource] };
          const used = requests.some((request) => statementApplies(single, request));
          return used ? [] : [`${action} on ${resource}${condition}`];
        }),
      );
    });
}
