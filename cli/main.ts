/**
 * The `enrich-job-watch` command line. Every command runs the same core use cases as the Lambda;
 * see `environment.ts` for how the store, API and notifier are chosen.
 *
 * This module is all that `--help`, `--version` and usage errors load: each command, its
 * configuration and its adapters are imported when it runs (each `import()` below is a separate
 * chunk of the built CLI), so the AWS SDK, the simulator and dynalite load only for the commands
 * that use them.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { ConfigError, ValidationError } from '../functions/core/domain/errors.js';
import { JobStatus } from '../functions/core/domain/job-status.js';
import type { CliContext, CommandName } from './context.js';
import { ExitCode } from './exit-code.js';
import { redact } from './human-log.js';

const ENVIRONMENT_HELP = `
Environment:
  JOBS_TABLE_NAME            work on this DynamoDB table (standard AWS configuration: AWS_REGION,
                             credentials, AWS_ENDPOINT_URL); unset: the local run's embedded store
  ENRICH_JOB_WATCH_HOME      data folder of the local run (default: ./.local/enrich-job-watch)
  COMPANYENRICH_API_KEY      use the real API (COMPANYENRICH_API_URL); unset in local mode: the simulator
  WEBHOOK_SECRET_ARN, WEBHOOK_BASE_URL
                             with a table: submit passes the deployed webhook route as webhook_url
                             (local mode: the running start's route, found through the data folder)
  EVENTS_TOPIC_ARN, EMAIL_TOPIC_ARN, SMS_TOPIC_ARN, OPERATOR_TOPIC_ARN
                             also publish notifications to these SNS topics (one per channel;
                             operator alerts go to OPERATOR_TOPIC_ARN and EVENTS_TOPIC_ARN);
                             with a table, poll and start publish only there: a channel whose
                             topic is unset stays owed (the deployed function sends it), and
                             with none set they refuse to run
  POLL_INTERVAL_SECONDS      tick interval (start and local mode default to 5)
  ENRICH_JOB_WATCH_DEMO_SCALE  scales the demo jobs' durations of a fresh local run (default 1)
`;

/**
 * Commander argument parser for repeated `--meta key=value`: collects into one object.
 *
 * @throws InvalidArgumentError (a usage error, exit 2) for a missing `=`, an empty key or a repeated key.
 */
export function collectMetadata(raw: string, previous: Record<string, string> = {}): Record<string, string> {
  const separator = raw.indexOf('=');
  const key = separator > 0 ? raw.slice(0, separator).trim() : '';
  if (key === '') throw new InvalidArgumentError('Expected key=value, e.g. --meta owner=maria.');
  if (Object.hasOwn(previous, key)) throw new InvalidArgumentError(`Metadata key "${key}" is given twice.`);
  return { ...previous, [key]: raw.slice(separator + 1) };
}

/** The validated configuration for `name`: loaded (with zod and the config schema) only when a command runs. */
async function contextFor(command: Command, name: CommandName): Promise<CliContext> {
  const { createCliContext } = await import('./context.js');
  return createCliContext(name, Boolean(command.optsWithGlobals<{ verbose?: boolean }>().verbose));
}

/** Receives the exit code a command's action resolves to. */
type SetExitCode = (code: number) => void;

/** `submit`'s options as commander parses them (`--idempotency-key` becomes `idempotencyKey`). */
interface SubmitCommandOptions {
  label?: string;
  meta?: Record<string, string>;
  idempotencyKey?: string;
  wait?: boolean;
}

function addTrackCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('track')
    .description('start watching an existing bulk job (tracking it again changes nothing)')
    .argument('<jobId>', 'the CompanyEnrich job id (a UUID)')
    .option('--label <label>', 'a name for people, used in notifications')
    .option('--meta <key=value>', 'metadata passed on in notifications (repeatable)', collectMetadata)
    .option('-v, --verbose', 'also print info logs')
    .action(
      async (jobId: string, options: { label?: string; meta?: Record<string, string> }, command: Command) => {
        const [{ trackCommand }, context] = await Promise.all([
          import('./commands/track.js'),
          contextFor(command, 'track'),
        ]);
        setExitCode(await trackCommand(context, jobId, options));
      },
    );
}

function addSubmitCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('submit')
    .description('create a bulk job at CompanyEnrich from a domain file, and track it from creation')
    .argument(
      '<file>',
      'one domain per line (# comments and blank lines skipped), or a CSV with a domain column',
    )
    .option('--label <label>', 'a name for people, used in notifications')
    .option('--meta <key=value>', 'metadata passed on in notifications (repeatable)', collectMetadata)
    .option('--idempotency-key <key>', 'a retry with the same key returns the first job instead of a new one')
    .option('--wait', 'show progress until the job ends, then its summary (exit 1 unless it completed)')
    .option('-v, --verbose', 'also print info logs')
    .action(async (file: string, options: SubmitCommandOptions, command: Command) => {
      const [{ submitCommand }, context] = await Promise.all([
        import('./commands/submit.js'),
        contextFor(command, 'submit'),
      ]);
      setExitCode(await submitCommand(context, file, options));
    });
}

function addShowCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('show')
    .description('show one tracked job with its full history')
    .argument('<jobId>', 'the CompanyEnrich job id (a UUID)')
    .option('--json', 'print the job as JSON (the same view as list --json)')
    .option('-v, --verbose', 'also print info logs')
    .action(async (jobId: string, options: { json?: boolean }, command: Command) => {
      const [{ showCommand }, context] = await Promise.all([
        import('./commands/show.js'),
        contextFor(command, 'show'),
      ]);
      setExitCode(await showCommand(context, jobId, options));
    });
}

function addUntrackCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('untrack')
    .description('stop watching a job (its history is kept until it expires)')
    .argument('<jobId>', 'the CompanyEnrich job id (a UUID)')
    .option('-v, --verbose', 'also print info logs')
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const [{ untrackCommand }, context] = await Promise.all([
        import('./commands/untrack.js'),
        contextFor(command, 'untrack'),
      ]);
      setExitCode(await untrackCommand(context, jobId));
    });
}

function addListCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('list')
    .description('show the tracked jobs')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(Object.values(JobStatus)))
    .option('--json', 'print a JSON array (job_id, status, label, metadata, job, history, ...)')
    .option('-v, --verbose', 'also print info logs')
    .action(async (options: { status?: string; json?: boolean }, command: Command) => {
      const [{ listCommand }, context] = await Promise.all([
        import('./commands/list.js'),
        contextFor(command, 'list'),
      ]);
      setExitCode(await listCommand(context, options));
    });
}

function addPollCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('poll')
    .description('run exactly one poll tick, as the scheduled function does')
    .option('--once', 'run one tick (required)')
    .option('--now <iso-8601>', "the tick's time, as the schedule would send it (default: now)")
    .option('-v, --verbose', 'also print info logs')
    .action(async (options: { once?: boolean; now?: string }, command: Command) => {
      const [{ pollCommand }, context] = await Promise.all([
        import('./commands/poll.js'),
        contextFor(command, 'poll'),
      ]);
      setExitCode(await pollCommand(context, options));
    });
}

function addStartCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('start')
    .description('run the watcher locally: embedded store, simulator, a tick every few seconds')
    .option('-v, --verbose', 'also print info logs')
    .action(async (_options: unknown, command: Command) => {
      const [{ startCommand }, context] = await Promise.all([
        import('./commands/start.js'),
        contextFor(command, 'start'),
      ]);
      setExitCode(await startCommand(context));
    });
}

/** Builds the program; each action resolves to an exit code. Commands appear in `--help` in this order. */
function buildProgram(setExitCode: SetExitCode, setVerbose: (verbose: boolean) => void): Command {
  const program = new Command('enrich-job-watch')
    .description('Watches CompanyEnrich bulk enrichment jobs and notifies when they complete or fail.')
    .version(packageJson.version)
    .option('-v, --verbose', 'also print info logs, and stacks of unexpected errors')
    .addHelpText('after', ENVIRONMENT_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.hook('preAction', (_program, actionCommand) => {
    setVerbose(Boolean(actionCommand.optsWithGlobals<{ verbose?: boolean }>().verbose));
  });
  const commands = [
    addTrackCommand,
    addSubmitCommand,
    addListCommand,
    addShowCommand,
    addUntrackCommand,
    addPollCommand,
    addStartCommand,
  ];
  for (const addCommand of commands) {
    addCommand(program, setExitCode);
  }
  return program;
}

/**
 * An unexpected error in one line. AWS SDK errors say little by message alone ("Requested
 * resource not found"), so their name is added.
 */
function oneLineDescription(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const isAwsError = '$metadata' in error && error.name !== 'Error' && !error.message.includes(error.name);
  return isAwsError ? `${error.message} (${error.name})` : error.message;
}

/**
 * Runs the CLI on `argv` (as in `process.argv`) and returns the exit code: 0 done, 1 failed,
 * 2 bad usage, input or configuration (nothing was done).
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  // Set by the running command; read after it returns or throws.
  const outcome = { exitCode: ExitCode.Ok as number, verbose: false };
  const program = buildProgram(
    (code) => (outcome.exitCode = code),
    (verbose) => (outcome.verbose = verbose),
  );
  try {
    await program.parseAsync([...argv]);
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? ExitCode.Ok
        : ExitCode.Usage;
    }
    if (error instanceof ValidationError || error instanceof ConfigError) {
      process.stderr.write(`error: ${redact(error.message)}\n`);
      return ExitCode.Usage;
    }
    // Loaded only on failure: `--help` and the quick commands stay light.
    const { explainAwsTrouble } = await import('./aws-trouble.js');
    const message = explainAwsTrouble(error) ?? oneLineDescription(error);
    const stack = outcome.verbose && error instanceof Error && error.stack ? `\n${error.stack}` : '';
    const apiKey = process.env.COMPANYENRICH_API_KEY?.trim();
    process.stderr.write(`error: ${redact(`${message}${stack}`, apiKey ? [apiKey] : [])}\n`);
    return ExitCode.Failed;
  }
}
