/**
 * The key of the local run's webhook tokens: random, kept in the data folder so that `start` (which
 * checks tokens) and a `submit` in another process (which puts one in the `webhook_url`) agree.
 * In AWS the key is a Secrets Manager secret instead (WEBHOOK_SECRET_ARN).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homePaths } from './home.js';

const SECRET_PATTERN = /^[0-9a-f]{64}$/;

/** The data folder's webhook key, created (readable by the owner only) when it does not exist yet. */
export async function localWebhookSecret(home: string): Promise<string> {
  const path = homePaths(home).webhookSecret;
  await mkdir(home, { recursive: true });
  // Written whole under another name, then linked: of two processes creating it at once, one
  // wins and the other reads the winner's complete key.
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  const secret = (await readFile(path, 'utf8')).trim();
  if (!SECRET_PATTERN.test(secret)) {
    throw new Error(`${path} does not hold a webhook key; delete it and a new one is made`);
  }
  return secret;
}
