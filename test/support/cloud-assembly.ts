import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The app's cloud assembly, as `cdk synth` writes it, and what a test needs from it: templates,
 * resources, the poll function's bundled asset, its schedule, and its environment with the
 * template's references resolved to values the test provides. Nothing here guesses: whatever it
 * cannot find or resolve fails with a message naming it.
 */

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  Condition?: string;
}

export interface CfnOutput {
  Value: unknown;
  Description?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnOutput>;
  Parameters?: Record<string, unknown>;
}

interface AssetManifest {
  files?: Record<
    string,
    {
      displayName?: string;
      source: { path?: string; packaging?: string };
      destinations: Record<string, { objectKey: string }>;
    }
  >;
}

interface AssemblyManifest {
  artifacts?: Record<
    string,
    {
      type: string;
      displayName?: string;
      properties?: { templateFile?: string; file?: string };
      dependencies?: string[];
    }
  >;
}

export interface StackArtifact {
  /** The artifact id (the stack name for a top-level stack). */
  name: string;
  templateFile: string;
  template: CfnTemplate;
  /** The stack's `*.assets.json`, if it has one. */
  assets: AssetManifest | null;
}

export interface CloudAssembly {
  dir: string;
  stacks: StackArtifact[];
  /** Removes the temp dir. */
  dispose(): void;
}

/** Parsed JSON; the callers cast it to the shape CDK documents for that file. */
function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * `cdk synth --quiet` with cdk.json (tsx, feature flags, no notices or telemetry) into a fresh
 * temp dir, as an operator would run it. Offline: the child gets no AWS_* (given credentials, the
 * CLI would try to look up the account) and no POWERTOOLS_* variables. Slow (bundling): once per file.
 */
export function synthesizeApp(options: { context?: Record<string, string> } = {}): CloudAssembly {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'enrich-job-watch-assembly-'));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('AWS_') && !name.startsWith('POWERTOOLS_'),
    ),
  );
  const context = Object.entries(options.context ?? {}).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const cdk = path.join(REPO_ROOT, 'node_modules/.bin/cdk');
  const synth = spawnSync(cdk, ['synth', '--quiet', '--output', dir, ...context], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env,
  });
  if (synth.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `cdk synth failed (${String(synth.status)}${synth.error ? `, ${synth.error.message}` : ''}):\n${synth.stdout}${synth.stderr}`,
    );
  }
  const manifest = readJson(path.join(dir, 'manifest.json')) as AssemblyManifest;
  const artifacts = manifest.artifacts ?? {};
  const stacks: StackArtifact[] = [];
  for (const [name, artifact] of Object.entries(artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const templateFile = artifact.properties?.templateFile;
    if (!templateFile) throw new Error(`stack artifact ${name} in manifest.json has no templateFile`);
    // The stack's asset manifest is the cdk:asset-manifest artifact it depends on.
    const assetFiles = (artifact.dependencies ?? []).flatMap((dependency) => {
      const candidate = artifacts[dependency];
      return candidate?.type === 'cdk:asset-manifest' && candidate.properties?.file
        ? [candidate.properties.file]
        : [];
    });
    if (assetFiles.length > 1) {
      throw new Error(
        `stack ${name} depends on ${assetFiles.length} asset manifests: ${assetFiles.join(', ')}`,
      );
    }
    const [assetFile] = assetFiles;
    stacks.push({
      name,
      templateFile: path.join(dir, templateFile),
      template: readJson(path.join(dir, templateFile)) as CfnTemplate,
      assets: assetFile ? (readJson(path.join(dir, assetFile)) as AssetManifest) : null,
    });
  }
  if (stacks.length === 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cdk synth wrote no stack into ${dir}`);
  }
  return {
    dir,
    stacks,
    dispose: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every resource of `type` in a template, with its logical id. */
export function findResources(
  template: CfnTemplate,
  type: string,
): { logicalId: string; resource: CfnResource }[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId, resource]) => ({ logicalId, resource }));
}

/** A resource by logical id, or an error naming it. */
export function resourceById(template: CfnTemplate, logicalId: string): CfnResource {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`the template has no resource ${logicalId}`);
  return resource;
}

/** The one output whose logical id is, or (when CDK prefixes it for a nested construct) contains, `name`. */
export function outputNamed(template: CfnTemplate, name: string): { logicalId: string; output: CfnOutput } {
  const outputs = Object.entries(template.Outputs ?? {});
  const exact = outputs.filter(([logicalId]) => logicalId === name);
  const matches = exact.length > 0 ? exact : outputs.filter(([logicalId]) => logicalId.includes(name));
  const [match] = matches;
  if (!match || matches.length > 1) {
    throw new Error(
      `expected one stack output named like ${name}, found ${matches.length}: ` +
        `[${matches.map(([id]) => id).join(', ')}] (all outputs: ${outputs.map(([id]) => id).join(', ') || 'none'})`,
    );
  }
  return { logicalId: match[0], output: match[1] };
}

export interface PollFunction {
  stack: StackArtifact;
  logicalId: string;
  resource: CfnResource;
  /** `Environment.Variables`, unresolved (plain values and intrinsics as in the template). */
  environment: Record<string, unknown>;
  /** `Timeout` in seconds (Lambda's default, 3, when the template leaves it out). */
  timeoutSeconds: number;
  /** `MemorySize` in MB (Lambda's default, 128, when the template leaves it out). */
  memorySize: number;
}

const POLL_FUNCTION_PATH = /\/Poller\/Function\/Resource$/;
const POLL_FUNCTION_DESCRIPTION = /poll tick/i;

/**
 * The poll function: the `AWS::Lambda::Function` whose construct path (`.../Poller/Function`) or
 * description ("... poll tick ...") marks it. Exactly one across the assembly, or an error listing
 * the functions found.
 */
export function pollFunction(assembly: CloudAssembly): PollFunction {
  const all = assembly.stacks.flatMap((stack) =>
    findResources(stack.template, 'AWS::Lambda::Function').map((found) => ({ stack, ...found })),
  );
  const matches = all.filter(({ resource }) => {
    const cdkPath = resource.Metadata?.['aws:cdk:path'];
    const description = resource.Properties?.Description;
    return (
      (typeof cdkPath === 'string' && POLL_FUNCTION_PATH.test(cdkPath)) ||
      (typeof description === 'string' && POLL_FUNCTION_DESCRIPTION.test(description))
    );
  });
  const [match] = matches;
  if (!match || matches.length > 1) {
    const list = all
      .map(
        ({ stack, logicalId, resource }) =>
          `${stack.name}/${logicalId} (${String(resource.Metadata?.['aws:cdk:path'])}: ${JSON.stringify(resource.Properties?.Description)})`,
      )
      .join('; ');
    throw new Error(
      `expected exactly one poll function, found ${matches.length}; functions: ${list || 'none'}`,
    );
  }
  const properties = match.resource.Properties ?? {};
  const environment = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)
    ?.Variables;
  const timeout = properties.Timeout ?? 3;
  const memorySize = properties.MemorySize ?? 128;
  if (typeof timeout !== 'number' || typeof memorySize !== 'number') {
    throw new Error(
      `${match.logicalId}: Timeout and MemorySize must be literal numbers: ${JSON.stringify({ timeout, memorySize })}`,
    );
  }
  return {
    stack: match.stack,
    logicalId: match.logicalId,
    resource: match.resource,
    environment: environment ?? {},
    timeoutSeconds: timeout,
    memorySize,
  };
}

export interface FunctionBundle {
  /** The asset directory: what would be zipped and uploaded. */
  dir: string;
  /** The file Lambda would load for `Handler`, e.g. `<dir>/index.mjs`. */
  entryFile: string;
  /** The export Lambda would call, e.g. `handler`. */
  exportName: string;
}

/**
 * The bundle a function deploys: `Code.S3Key` looked up in the stack's asset manifest (what
 * `cdk deploy` uploads to that key), cross-checked with the `aws:asset:path` metadata when CDK
 * recorded it. The entry file follows the `Handler` setting the way the Node.js runtime does.
 */
export function functionBundle(assembly: CloudAssembly, fn: PollFunction): FunctionBundle {
  const properties = fn.resource.Properties ?? {};
  const code = properties.Code as { S3Key?: unknown; ZipFile?: unknown } | undefined;
  const s3Key = code?.S3Key;
  if (typeof s3Key !== 'string') {
    throw new Error(`${fn.logicalId}.Code.S3Key is not a literal object key: ${JSON.stringify(code)}`);
  }
  const assets = Object.entries(fn.stack.assets?.files ?? {}).filter(([, asset]) =>
    Object.values(asset.destinations).some((destination) => destination.objectKey === s3Key),
  );
  const [asset] = assets;
  if (!asset || assets.length > 1) {
    throw new Error(
      `expected one asset uploaded to ${s3Key} in ${fn.stack.name}'s asset manifest, found ${assets.length}`,
    );
  }
  const { source } = asset[1];
  if (!source.path || source.packaging !== 'zip') {
    throw new Error(`asset ${asset[0]} is not a directory packaged as a zip: ${JSON.stringify(source)}`);
  }
  const dir = path.resolve(assembly.dir, source.path);
  if (!statSync(dir).isDirectory()) throw new Error(`asset ${asset[0]}: ${dir} is not a directory`);
  const metadataPath = fn.resource.Metadata?.['aws:asset:path'];
  if (typeof metadataPath === 'string' && path.resolve(assembly.dir, metadataPath) !== dir) {
    throw new Error(
      `${fn.logicalId}: aws:asset:path ${metadataPath} is not the asset uploaded to ${s3Key} (${source.path})`,
    );
  }

  const handler = properties.Handler;
  if (typeof handler !== 'string' || !/^[\w./-]+\.[A-Za-z_$][\w$]*$/.test(handler)) {
    throw new Error(`${fn.logicalId}.Handler is not "<module>.<export>": ${JSON.stringify(handler)}`);
  }
  const separator = handler.lastIndexOf('.');
  const moduleName = handler.slice(0, separator);
  const candidates = ['.js', '.mjs', '.cjs']
    .map((extension) => path.join(dir, `${moduleName}${extension}`))
    .filter((file) => existsSync(file));
  const [entryFile] = candidates;
  if (!entryFile || candidates.length > 1) {
    throw new Error(
      `Handler ${handler}: expected one of ${moduleName}.js/.mjs/.cjs in ${dir}, found [${candidates.map((file) => path.basename(file)).join(', ')}]`,
    );
  }
  return { dir, entryFile, exportName: handler.slice(separator + 1) };
}

// ---------------------------------------------------------------------------------------------
// Intrinsic functions

/** The values a test provides for a resource it created: what `Ref` and `Fn::GetAtt` return. */
export interface ProvidedResource {
  ref: string;
  attributes?: Record<string, string>;
}

/**
 * Resolves `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select` and `Fn::Split` against
 * values the test provides per logical id (and pseudo parameters). Anything else, and any
 * reference to something not provided, throws: a deploy-shaped test must not paper over a
 * reference it cannot reproduce.
 */
export class ReferenceResolver {
  private readonly provided = new Map<string, ProvidedResource>();

  constructor(
    private readonly template: CfnTemplate,
    private readonly pseudoParameters: Record<string, string> = {},
  ) {}

  /** Records what `Ref`/`Fn::GetAtt` of `logicalId` resolve to. */
  provide(logicalId: string, values: ProvidedResource): void {
    this.provided.set(logicalId, values);
  }

  /** The logical ids provided so far. */
  get providedIds(): string[] {
    return [...this.provided.keys()];
  }

  private describe(logicalId: string): string {
    const resource = this.template.Resources[logicalId];
    if (resource) return `${logicalId} (${resource.Type})`;
    if (this.template.Parameters?.[logicalId]) return `${logicalId} (a template parameter)`;
    return `${logicalId} (not in the template)`;
  }

  private ref(logicalId: string): string {
    const pseudo = this.pseudoParameters[logicalId];
    if (pseudo !== undefined) return pseudo;
    const provided = this.provided.get(logicalId);
    if (!provided) {
      throw new UnresolvableError(`Ref to ${this.describe(logicalId)}: the test created no such resource`);
    }
    return provided.ref;
  }

  private getAtt(logicalId: string, attribute: string): string {
    const provided = this.provided.get(logicalId);
    if (!provided) {
      throw new UnresolvableError(
        `Fn::GetAtt ${logicalId}.${attribute} of ${this.describe(logicalId)}: the test created no such resource`,
      );
    }
    const value = provided.attributes?.[attribute];
    if (value === undefined) {
      throw new UnresolvableError(
        `Fn::GetAtt ${logicalId}.${attribute}: the test provides only [${Object.keys(provided.attributes ?? {}).join(', ')}] for ${this.describe(logicalId)}`,
      );
    }
    return value;
  }

  private substitute(text: string, variables: Record<string, unknown>): string {
    return text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in variables) return this.resolveString(variables[name]);
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) return this.getAtt(name.slice(0, dot), name.slice(dot + 1));
      if (name === '') throw new UnresolvableError(`Fn::Sub: empty placeholder in ${JSON.stringify(whole)}`);
      return this.ref(name);
    });
  }

  /** Resolves a value that must become a string (numbers and booleans are stringified, as CFN does). */
  resolveString(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') {
      throw new UnresolvableError(`expected a string, got ${JSON.stringify(resolved)}`);
    }
    return resolved;
  }

  /** Resolves a value to a string or a list of strings. */
  resolve(value: unknown): string | string[] {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (Array.isArray(value)) return value.map((item) => this.resolveString(item));
    if (value === null || typeof value !== 'object') {
      throw new UnresolvableError(`cannot resolve ${JSON.stringify(value)}`);
    }
    const entries: [string, unknown][] = Object.entries(value);
    const [entry] = entries;
    if (!entry || entries.length !== 1) {
      throw new UnresolvableError(`not an intrinsic function: ${JSON.stringify(value)}`);
    }
    const [name, argument] = entry;
    switch (name) {
      case 'Ref':
        if (typeof argument !== 'string')
          throw new UnresolvableError(`malformed Ref ${JSON.stringify(argument)}`);
        return this.ref(argument);
      case 'Fn::GetAtt': {
        const parts: unknown[] =
          typeof argument === 'string' && argument.includes('.')
            ? [argument.slice(0, argument.indexOf('.')), argument.slice(argument.indexOf('.') + 1)]
            : Array.isArray(argument)
              ? argument
              : [];
        const [logicalId, attribute] = parts;
        if (parts.length !== 2 || typeof logicalId !== 'string' || !logicalId) {
          throw new UnresolvableError(`malformed Fn::GetAtt ${JSON.stringify(argument)}`);
        }
        return this.getAtt(logicalId, this.resolveString(attribute));
      }
      case 'Fn::Join': {
        if (!Array.isArray(argument) || argument.length !== 2 || typeof argument[0] !== 'string') {
          throw new UnresolvableError(`malformed Fn::Join ${JSON.stringify(argument)}`);
        }
        const items = this.resolve(argument[1]);
        if (!Array.isArray(items))
          throw new UnresolvableError(`Fn::Join of a non-list ${JSON.stringify(argument[1])}`);
        return items.join(argument[0]);
      }
      case 'Fn::Sub': {
        if (typeof argument === 'string') return this.substitute(argument, {});
        if (
          Array.isArray(argument) &&
          argument.length === 2 &&
          typeof argument[0] === 'string' &&
          typeof argument[1] === 'object' &&
          argument[1] !== null
        ) {
          return this.substitute(argument[0], argument[1] as Record<string, unknown>);
        }
        throw new UnresolvableError(`malformed Fn::Sub ${JSON.stringify(argument)}`);
      }
      case 'Fn::Select': {
        if (!Array.isArray(argument) || argument.length !== 2) {
          throw new UnresolvableError(`malformed Fn::Select ${JSON.stringify(argument)}`);
        }
        const index = Number(this.resolveString(argument[0]));
        const list = this.resolve(argument[1]);
        const item = Array.isArray(list) ? list[index] : undefined;
        if (item === undefined)
          throw new UnresolvableError(`Fn::Select ${index} out of ${JSON.stringify(list)}`);
        return item;
      }
      case 'Fn::Split': {
        if (!Array.isArray(argument) || argument.length !== 2 || typeof argument[0] !== 'string') {
          throw new UnresolvableError(`malformed Fn::Split ${JSON.stringify(argument)}`);
        }
        return this.resolveString(argument[1]).split(argument[0]);
      }
      default:
        throw new UnresolvableError(`${name} is not supported by this resolver`);
    }
  }
}

/** A value the resolver cannot produce. */
export class UnresolvableError extends Error {
  override name = 'UnresolvableError';
}

/**
 * A function's environment with every intrinsic resolved. Collects every failure, then throws
 * one error naming each variable, its intrinsic and why it could not be resolved.
 */
export function resolveEnvironment(
  variables: Record<string, unknown>,
  resolver: ReferenceResolver,
): Record<string, string> {
  const resolved: Record<string, string> = {};
  const failures: string[] = [];
  for (const [name, value] of Object.entries(variables)) {
    try {
      resolved[name] = resolver.resolveString(value);
    } catch (error) {
      if (!(error instanceof UnresolvableError)) throw error;
      failures.push(`${name} = ${JSON.stringify(value)}: ${error.message}`);
    }
  }
  if (failures.length > 0) {
    throw new Error(
      `cannot resolve ${failures.length} environment variable(s) of the function ` +
        `(resources provided: ${resolver.providedIds.join(', ') || 'none'}):\n  ${failures.join('\n  ')}`,
    );
  }
  return resolved;
}

/** Every logical id a value references through `Ref`, `Fn::GetAtt` or an `Fn::Sub` placeholder. */
export function referencedIds(value: unknown): Set<string> {
  const ids = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, argument] of Object.entries(node)) {
      if (key === 'Ref' && typeof argument === 'string') ids.add(argument);
      else if (key === 'Fn::GetAtt') {
        const id: unknown = Array.isArray(argument)
          ? argument[0]
          : typeof argument === 'string'
            ? argument.split('.')[0]
            : undefined;
        if (typeof id === 'string') ids.add(id);
      } else if (key === 'Fn::Sub') {
        const text: unknown = Array.isArray(argument) ? argument[0] : argument;
        if (typeof text === 'string') {
          for (const [, name = ''] of text.matchAll(/\$\{([^!}][^}.]*)[^}]*\}/g)) ids.add(name);
        }
        visit(argument);
      } else visit(argument);
    }
  };
  visit(value);
  return ids;
}

// ---------------------------------------------------------------------------------------------
// The schedule

export interface PollSchedule {
  kind: 'AWS::Events::Rule' | 'AWS::Scheduler::Schedule';
  logicalId: string;
  expression: string;
  enabled: boolean;
  /** The rate in milliseconds. */
  intervalMs: number;
  /** The event the target is invoked with for a tick scheduled at `time`. */
  eventAt(time: Date): unknown;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

function rateMs(expression: string, where: string): number {
  const match = RATE.exec(expression);
  if (!match) throw new Error(`${where}: only rate(...) schedules are supported here, got ${expression}`);
  const [, amount = '', unit = ''] = match;
  return Number(amount) * (UNIT_MS[unit.replace(/s$/, '')] ?? Number.NaN);
}

/** Whether a target `Arn` is the function, or an alias or version of it. */
function targetsFunction(template: CfnTemplate, arn: unknown, functionId: string): boolean {
  return [...referencedIds(arn)].some((id) => {
    if (id === functionId) return true;
    const resource = template.Resources[id];
    return (
      (resource?.Type === 'AWS::Lambda::Alias' || resource?.Type === 'AWS::Lambda::Version') &&
      referencedIds(resource.Properties?.FunctionName).has(functionId)
    );
  });
}

function literalInput(input: unknown, where: string): string | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'string')
    throw new Error(`${where}: Input is not a literal string: ${JSON.stringify(input)}`);
  return input;
}

/**
 * The schedule that invokes the function: an EventBridge rule (the scheduled event, or the
 * target's constant `Input`) or an EventBridge Scheduler schedule (the target's `Input` with its
 * context attributes substituted; Scheduler sends `{}` when there is none). Exactly one.
 */
export function pollSchedule(template: CfnTemplate, functionId: string): PollSchedule {
  const found: PollSchedule[] = [];
  for (const { logicalId, resource } of findResources(template, 'AWS::Events::Rule')) {
    const properties = resource.Properties ?? {};
    const targets = (properties.Targets as Record<string, unknown>[] | undefined) ?? [];
    for (const target of targets.filter((candidate) =>
      targetsFunction(template, candidate.Arn, functionId),
    )) {
      const where = `${logicalId} target ${String(target.Id)}`;
      if (target.InputPath !== undefined || target.InputTransformer !== undefined) {
        throw new Error(`${where}: InputPath/InputTransformer are not supported here`);
      }
      const expression = properties.ScheduleExpression;
      if (typeof expression !== 'string') throw new Error(`${logicalId} has no ScheduleExpression`);
      const input = literalInput(target.Input, where);
      found.push({
        kind: 'AWS::Events::Rule',
        logicalId,
        expression,
        enabled: (properties.State ?? 'ENABLED') === 'ENABLED',
        intervalMs: rateMs(expression, logicalId),
        eventAt: (time) =>
          input !== undefined
            ? (JSON.parse(input) as unknown)
            : {
                version: '0',
                id: `deploy-shaped-${time.getTime()}`,
                'detail-type': 'Scheduled Event',
                source: 'aws.events',
                account: '123456789012',
                time: time.toISOString().replace('.000Z', 'Z'),
                region: 'us-east-1',
                resources: [`arn:aws:events:us-east-1:123456789012:rule/${logicalId}`],
                detail: {},
              },
      });
    }
  }
  for (const { logicalId, resource } of findResources(template, 'AWS::Scheduler::Schedule')) {
    const properties = resource.Properties ?? {};
    const target = (properties.Target ?? {}) as Record<string, unknown>;
    if (!targetsFunction(template, target.Arn, functionId)) continue;
    const expression = properties.ScheduleExpression;
    if (typeof expression !== 'string') throw new Error(`${logicalId} has no ScheduleExpression`);
    const input = literalInput(target.Input, `${logicalId} target`);
    found.push({
      kind: 'AWS::Scheduler::Schedule',
      logicalId,
      expression,
      enabled: (properties.State ?? 'ENABLED') === 'ENABLED',
      intervalMs: rateMs(expression, logicalId),
      eventAt: (time) => {
        if (input === undefined) return {};
        // https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
        const text = input
          .replaceAll('<aws.scheduler.scheduled-time>', time.toISOString().replace('.000Z', 'Z'))
          .replaceAll('<aws.scheduler.execution-id>', `deploy-shaped-${time.getTime()}`)
          .replaceAll('<aws.scheduler.attempt-number>', '0')
          .replaceAll(
            '<aws.scheduler.schedule-arn>',
            `arn:aws:scheduler:us-east-1:123456789012:schedule/default/${logicalId}`,
          );
        return JSON.parse(text) as unknown;
      },
    });
  }
  const [only] = found;
  if (!only || found.length > 1) {
    throw new Error(
      `expected one schedule invoking ${functionId}, found ${found.length}: [${found.map((schedule) => schedule.logicalId).join(', ')}]`,
    );
  }
  return only;
}
