import { vi } from 'vitest';

/** One JSON line a function wrote (a Powertools log line, or an EMF document). */
export type JsonLine = Record<string, unknown>;

/** What `run` wrote to stdout and stderr: the JSON lines parsed, every line as text. */
export interface CapturedOutput<T> {
  result: T;
  json: JsonLine[];
  text: string[];
}

/**
 * Runs `run` and captures what it writes to stdout and stderr, as a Lambda's log group would
 * receive it: Powertools' Logger and Metrics write one JSON document per line. Nothing reaches
 * the terminal while it runs.
 */
export async function captureOutput<T>(run: () => Promise<T>): Promise<CapturedOutput<T>> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const result = await run();
    const text = chunks.flatMap((chunk) => chunk.split('\n')).filter((line) => line.trim() !== '');
    const json = text.flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as JsonLine];
      } catch {
        return [];
      }
    });
    return { result, json, text };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** The JSON lines that are log lines (not EMF documents). */
export function logLines(json: readonly JsonLine[]): JsonLine[] {
  return json.filter((line) => !('_aws' in line));
}

/**
 * The field names of a log line as Logs Insights discovers them: nested objects flattened with
 * dots (`errors.server_error`).
 */
export function discoveredFields(line: JsonLine, prefix = ''): string[] {
  return Object.entries(line).flatMap(([key, value]) => {
    const name = `${prefix}${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return [name, ...discoveredFields(value as JsonLine, `${name}.`)];
    }
    return [name];
  });
}
