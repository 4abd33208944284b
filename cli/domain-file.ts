/**
 * Reads the domains of `submit <file>`: one domain per line (blank lines and `#` comments
 * skipped), or a CSV file with a `domain` column, told apart by the first line that is not a
 * comment: a CSV header naming a `domain` column. Every entry keeps its line number, so a bad
 * domain is reported where the user can find it.
 */
import { readFile, stat } from 'node:fs/promises';
import { CsvError, parse } from 'csv-parse/sync';
import {
  MAX_BULK_ENTRIES,
  normaliseDomain,
  validateBulkDomains,
  type BulkDomains,
} from '../functions/core/domain/bulk-domains.js';
import { ValidationError } from '../functions/core/domain/errors.js';

/** One domain as written in the file. */
export interface DomainEntry {
  value: string;
  /** One-based line of the file. */
  line: number;
}

/** What a domain file held. */
export interface DomainFile {
  format: 'lines' | 'csv';
  entries: DomainEntry[];
}

/** Far above 20,000 domains with a few extra CSV columns; a bigger file is not a domain list. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const DOMAIN_COLUMN = 'domain';
const MAX_REPORTED_PROBLEMS = 5;

/** A header cell as compared: trimmed, case-insensitive. */
function headerName(cell: string): string {
  return cell.trim().toLowerCase();
}

function isSkipped(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#');
}

/** The first line that is neither blank nor a comment, parsed as CSV, names a `domain` column. */
function looksLikeCsv(lines: readonly string[]): boolean {
  const first = lines.find((line) => !isSkipped(line));
  if (first === undefined) return false;
  try {
    const [cells] = parse(first, { relax_quotes: true });
    return (cells ?? []).some((cell) => headerName(cell) === DOMAIN_COLUMN);
  } catch {
    return false;
  }
}

function parseLines(lines: readonly string[]): DomainEntry[] {
  const entries: DomainEntry[] = [];
  lines.forEach((line, index) => {
    if (!isSkipped(line)) entries.push({ value: line.trim(), line: index + 1 });
  });
  return entries;
}

/** A CSV row with `info: true`: its cells by (normalised) header, and the line it ends on. */
interface CsvRecord {
  record: Record<string, string>;
  info: { lines: number };
}

/** @throws ValidationError for malformed CSV (an open quote, a row of the wrong length...). */
function parseCsv(text: string, path: string): DomainEntry[] {
  let records: CsvRecord[];
  try {
    records = parse<CsvRecord>(text, {
      columns: (header: string[]) => header.map(headerName),
      comment: '#',
      // Only whole-line comments: a `#` inside another column is data.
      comment_no_infix: true,
      skip_empty_lines: true,
      info: true,
      trim: true,
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    throw new ValidationError(`${path} is not valid CSV: ${error.message}`, { cause: error });
  }
  return records.map(({ record, info }) => ({ value: record[DOMAIN_COLUMN] ?? '', line: info.lines }));
}

/**
 * Reads and parses a domain file.
 *
 * @throws ValidationError when it cannot be read, is too large, or is malformed CSV.
 */
export async function readDomainFile(path: string): Promise<DomainFile> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_FILE_BYTES) {
      throw new ValidationError(`${path} is ${size} bytes; a domain file may have at most ${MAX_FILE_BYTES}`);
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ValidationError(`Cannot read ${path} (${reason})`, { cause: error });
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  return looksLikeCsv(lines)
    ? { format: 'csv', entries: parseCsv(text, path) }
    : { format: 'lines', entries: parseLines(lines) };
}

/**
 * Validates the file's domains all or nothing, naming the lines of the first few bad ones, and
 * removes duplicates (compared after normalising, as CompanyEnrich counts them).
 *
 * @throws ValidationError when an entry is not a domain, or the count is out of bounds.
 */
export function validateDomainFile(path: string, file: DomainFile): BulkDomains {
  if (file.entries.length === 0) throw new ValidationError(`${path} lists no domains`);
  if (file.entries.length > MAX_BULK_ENTRIES) {
    throw new ValidationError(
      `${path} lists ${file.entries.length} domains; at most ${MAX_BULK_ENTRIES} are accepted`,
    );
  }
  const problems: string[] = [];
  for (const { value, line } of file.entries) {
    const result = normaliseDomain(value);
    if (!result.ok) problems.push(`line ${line} ("${value.slice(0, 80)}"): ${result.reason}`);
  }
  if (problems.length > 0) {
    const more = problems.length - MAX_REPORTED_PROBLEMS;
    const tail = more > 0 ? `; and ${more} more` : '';
    throw new ValidationError(
      `${path}: ${problems.length === 1 ? 'one entry is' : `${problems.length} entries are`} not a valid domain: ` +
        `${problems.slice(0, MAX_REPORTED_PROBLEMS).join('; ')}${tail}. Nothing was submitted.`,
    );
  }
  // The limits on unique domains, worded by the domain.
  return validateBulkDomains(file.entries.map((entry) => entry.value));
}
