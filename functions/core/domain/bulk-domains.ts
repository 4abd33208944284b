import { ValidationError } from './errors.js';

/** CompanyEnrich's own limit on one bulk job: unique domains. */
export const MAX_BULK_DOMAINS = 10_000;
/**
 * Entries accepted before duplicates are removed. Twice the unique limit leaves room for a
 * list with many duplicates, and bounds the work a single request can cause.
 */
export const MAX_BULK_ENTRIES = 20_000;
/** How many bad entries an error names; the rest are counted. */
const MAX_REPORTED_PROBLEMS = 5;
const MAX_HOSTNAME_LENGTH = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ALL_DIGITS = /^[0-9]+$/;

/** The submitted domains, ready for CompanyEnrich. */
export interface BulkDomains {
  /** Unique, normalised, in the order first given. */
  domains: string[];
  /** Normalised domains that were given more than once, each listed once, in first-seen order. */
  duplicatesRemoved: string[];
}

/** One entry that is not a domain: where it was and why. */
export interface DomainProblem {
  /** Zero-based position in the submitted list. */
  index: number;
  reason: string;
}

/**
 * Normalises one entry: trimmed, lower-cased, one trailing dot removed.
 *
 * @returns the hostname, or why the entry is not one.
 */
export function normaliseDomain(
  entry: unknown,
): { ok: true; domain: string } | { ok: false; reason: string } {
  if (typeof entry !== 'string') return { ok: false, reason: 'not a string' };
  const domain = entry.trim().toLowerCase().replace(/\.$/, '');
  const reason = hostnameProblem(domain);
  return reason === null ? { ok: true, domain } : { ok: false, reason };
}

/** Why `domain` (already normalised) is not a public hostname, or null when it is one. */
function hostnameProblem(domain: string): string | null {
  if (domain === '') return 'empty';
  // The specific mistakes first: they tell the caller what to fix.
  if (domain.includes('://')) return 'a URL, not a domain (remove the scheme)';
  if (/\s/.test(domain)) return 'contains whitespace';
  if (domain.includes('@')) return "contains '@' (an email address?)";
  if (domain.includes('/')) return "contains '/' (remove the path)";
  if (domain.includes('*')) return 'wildcards are not accepted';
  if (domain.includes(':') || domain.startsWith('[')) return 'contains a port or an IPv6 address';
  if (domain.length > MAX_HOSTNAME_LENGTH) return `longer than ${MAX_HOSTNAME_LENGTH} characters`;
  const labels = domain.split('.');
  if (labels.length < 2) return 'needs at least two labels (e.g. example.com)';
  if (labels.every((label) => ALL_DIGITS.test(label))) return 'an IP address, not a domain';
  for (const label of labels) {
    if (label === '') return 'has an empty label (consecutive dots)';
    if (label.length > 63) return 'has a label longer than 63 characters';
    if (!LABEL.test(label)) {
      return label.startsWith('-') || label.endsWith('-')
        ? 'has a label starting or ending with a hyphen'
        : 'has characters other than a-z, 0-9, hyphen and dot (use punycode xn-- for IDNs)';
    }
  }
  if (ALL_DIGITS.test(labels.at(-1) ?? '')) return 'the top-level domain is numeric';
  return null;
}

/**
 * Validates and normalises the domains of a bulk submission, all or nothing.
 *
 * Limits: at most {@link MAX_BULK_ENTRIES} entries as given, and 1 to {@link MAX_BULK_DOMAINS}
 * unique domains once normalised (CompanyEnrich counts unique domains). Duplicates, compared
 * after normalising, are removed and reported.
 *
 * @throws ValidationError naming the first few bad entries with their index and reason.
 */
export function validateBulkDomains(entries: readonly unknown[]): BulkDomains {
  if (entries.length === 0) throw new ValidationError('domains must list at least one domain');
  if (entries.length > MAX_BULK_ENTRIES) {
    throw new ValidationError(
      `domains has ${entries.length} entries; at most ${MAX_BULK_ENTRIES} are accepted (${MAX_BULK_DOMAINS} unique)`,
    );
  }
  const unique = new Set<string>();
  const duplicates = new Set<string>();
  const problems: DomainProblem[] = [];
  entries.forEach((entry, index) => {
    const result = normaliseDomain(entry);
    if (!result.ok) problems.push({ index, reason: result.reason });
    else if (unique.has(result.domain)) duplicates.add(result.domain);
    else unique.add(result.domain);
  });
  if (problems.length > 0) throw new ValidationError(describeProblems(problems));
  if (unique.size > MAX_BULK_DOMAINS) {
    throw new ValidationError(
      `domains has ${unique.size} unique domains; at most ${MAX_BULK_DOMAINS} are allowed in one job`,
    );
  }
  return { domains: [...unique], duplicatesRemoved: [...duplicates] };
}

function describeProblems(problems: DomainProblem[]): string {
  const named = problems
    .slice(0, MAX_REPORTED_PROBLEMS)
    .map(({ index, reason }) => `domains[${index}]: ${reason}`);
  const more = problems.length - named.length;
  const tail = more > 0 ? `; and ${more} more` : '';
  const noun = problems.length === 1 ? 'entry is' : 'entries are';
  return `${problems.length} ${noun} not a valid domain: ${named.join('; ')}${tail}`;
}
