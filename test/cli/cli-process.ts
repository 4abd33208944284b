import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/enrich-job-watch.js', import.meta.url));

/** A clean environment: only what a user's shell would have plus `env`, never the test runner's AWS settings. */
function processEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env };
}

/** The real CLI as a child process, with its output collected and awaitable. */
export class CliProcess {
  stdout = '';
  stderr = '';
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly listeners = new Set<() => void>();

  constructor(args: readonly string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: processEnv(env) });
    const notify = (): void => {
      for (const listener of this.listeners) listener();
    };
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      notify();
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        notify();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves once stdout matches `pattern`; rejects after `timeoutMs` or if the process ends first. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(this.stdout);
        if (match) {
          done();
          resolve(match);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done();
          reject(new Error(`CLI exited before printing ${String(pattern)}\n${this.transcript()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`No ${String(pattern)} within ${timeoutMs} ms\n${this.transcript()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /**
   * Sends SIGINT (Ctrl-C) `times` times in a row and waits for the exit, killing the process if it
   * takes longer than `timeoutMs`.
   */
  async interrupt(
    timeoutMs: number,
    times = 1,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const sentAt = Date.now();
    for (let sent = 0; sent < times; sent++) this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return { ...result, ms: Date.now() - sentAt };
  }

  /** Waits for the exit (bounded: killed after `timeoutMs`). */
  async finished(timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const { code } = await this.exited;
    clearTimeout(timer);
    return { code, stdout: this.stdout, stderr: this.stderr };
  }

  /** Closes the reading end of stdout, as `| head` does when it has read enough. */
  closeStdout(): void {
    this.child.stdout.destroy();
  }

  /** Ends the process if a failed test left it running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  transcript(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }
}

/** Runs the CLI to completion (bounded) and returns its exit code and output. */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new CliProcess(args, env).finished(timeoutMs);
}
