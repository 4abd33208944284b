/**
 * The local run's data folder and the "running instance" file through which other commands find
 * a running `enrich-job-watch start` (which holds the embedded store's LevelDB lock).
 *
 * Layout of the folder (default `<cwd>/.local/enrich-job-watch`, override with `ENRICH_JOB_WATCH_HOME`):
 * - `dynamodb/`            the embedded DynamoDB's LevelDB files
 * - `simulator-jobs.json`  the simulator's job plans, so a restart continues where it stopped
 * - `running.json`         endpoints and pid of the running `start`; removed when it stops
 * - `webhook-secret`       the key of the local run's webhook tokens (created on first use, mode 0600)
 * - `jobs-table-backup.jsonl` the jobs while the store's table is rebuilt on a new layout; present
 *                          only while an upgrade runs or after one was stopped (the next start restores it)
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** Environment variable that moves the data folder. */
export const HOME_VARIABLE = 'ENRICH_JOB_WATCH_HOME';

/** The absolute data folder for this environment. */
export function resolveHome(env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  const configured = env[HOME_VARIABLE]?.trim();
  return configured ? resolve(cwd, configured) : join(cwd, '.local', 'enrich-job-watch');
}

/** Paths inside a data folder. */
export function homePaths(home: string) {
  return {
    dynamoDb: join(home, 'dynamodb'),
    simulatorJobs: join(home, 'simulator-jobs.json'),
    runningInstance: join(home, 'running.json'),
    webhookSecret: join(home, 'webhook-secret'),
    storeBackup: join(home, 'jobs-table-backup.jsonl'),
  };
}

const runningInstanceSchema = z.object({
  pid: z.number().int().positive(),
  /** null when `start` works on a DynamoDB table configured through JOBS_TABLE_NAME. */
  dynamoDbEndpoint: z.url().nullable(),
  /** null when `start` talks to the real CompanyEnrich API. */
  simulatorUrl: z.url().nullable(),
  /**
   * Base URL of the webhook route `start` serves on loopback (the `webhook_url` a `submit` passes
   * to the simulator); absent in files written before the fast path existed.
   */
  webhookBaseUrl: z.url().nullable().default(null),
  startedAt: z.string(),
});

/** What a running `start` publishes about itself. */
export type RunningInstance = z.output<typeof runningInstanceSchema>;

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running `start` for this folder, or null when none is (a file left by a crash is ignored). */
export async function readRunningInstance(home: string): Promise<RunningInstance | null> {
  let text: string;
  try {
    text = await readFile(homePaths(home).runningInstance, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Half-written by a process that died mid-write: nobody is running.
    return null;
  }
  const parsed = runningInstanceSchema.safeParse(json);
  if (!parsed.success || !isProcessAlive(parsed.data.pid)) return null;
  return parsed.data;
}

/** Announces this process as the folder's running instance. */
export async function writeRunningInstance(home: string, instance: RunningInstance): Promise<void> {
  await writeFileAtomically(homePaths(home).runningInstance, `${JSON.stringify(instance, null, 2)}\n`);
}

/** Withdraws the announcement, unless another process has replaced it meanwhile. */
export async function removeRunningInstance(home: string, pid: number): Promise<void> {
  const path = homePaths(home).runningInstance;
  try {
    const current = JSON.parse(await readFile(path, 'utf8')) as { pid?: unknown };
    if (current.pid !== pid) return;
  } catch {
    // Unreadable or already gone: removing it (force) is harmless.
  }
  await rm(path, { force: true });
}

/** Writes via a temporary file and a rename, so a reader never sees half a file. */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  await mkdir(resolve(path, '..'), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, path);
}
