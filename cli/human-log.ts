import type { Log } from '../functions/core/ports.js';

/**
 * Removes what must never reach a terminal or a log file: the query string of any URL (a
 * pre-signed results link is a bearer credential) and any known secret value.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let safe = text.replace(/(https?:\/\/[^\s?#"'<>]+)\?[^\s"'<>]*/g, '$1?[redacted]');
  for (const secret of secrets) {
    if (secret.length >= 4) safe = safe.split(secret).join('[redacted]');
  }
  return safe;
}

function describeValue(value: unknown, verbose: boolean): string {
  if (value instanceof Error) {
    const cause = value.cause instanceof Error ? ` (cause: ${value.cause.message})` : '';
    return verbose && value.stack ? `${value.stack}${cause}` : `${value.message}${cause}`;
  }
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}

/**
 * The CLI's {@link Log}: one readable line per message on stderr (stdout stays for results, e.g.
 * `list --json`). Warnings and errors always; info and debug only with `--verbose`.
 */
export class HumanLog implements Log {
  constructor(
    private readonly options: {
      verbose: boolean;
      /** Values to mask wherever they appear, e.g. the API key. */
      secrets?: readonly string[];
      write?: (line: string) => void;
    },
  ) {}

  debug(message: string, ...attributes: Record<string, unknown>[]): void {
    if (this.options.verbose) this.emit('debug', message, attributes);
  }

  info(message: string, ...attributes: Record<string, unknown>[]): void {
    if (this.options.verbose) this.emit('info', message, attributes);
  }

  warn(message: string, ...attributes: Record<string, unknown>[]): void {
    this.emit('warning', message, attributes);
  }

  error(message: string, ...attributes: Record<string, unknown>[]): void {
    this.emit('error', message, attributes);
  }

  private emit(level: string, message: string, attributes: Record<string, unknown>[]): void {
    const details = attributes
      .flatMap((attribute) => Object.entries(attribute))
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([key, value]) => `${key}=${describeValue(value, this.options.verbose)}`);
    const line = details.length > 0 ? `${level}: ${message} (${details.join(', ')})` : `${level}: ${message}`;
    const write = this.options.write ?? ((text: string) => process.stderr.write(`${text}\n`));
    write(redact(line, this.options.secrets));
  }
}
