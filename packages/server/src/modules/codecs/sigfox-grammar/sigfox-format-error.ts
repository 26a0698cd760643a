import { AppError } from '../../../kernel/errors.js';

/**
 * Why a format was refused. Stable: callers and UIs may switch on it (never on `message`);
 * add reasons, never rename them.
 */
export type SigfoxFormatReason =
  | 'not_a_string'
  | 'empty_format'
  | 'bad_separator'
  | 'incomplete_field'
  | 'invalid_name'
  | 'duplicate_name'
  | 'invalid_byte_index'
  | 'missing_type'
  | 'unknown_type'
  | 'missing_argument'
  | 'invalid_bit'
  | 'invalid_count'
  | 'invalid_size'
  | 'invalid_endianness'
  | 'invalid_bit_offset'
  | 'unaligned_little_endian'
  | 'unexpected_argument';

/** One problem in a format, pointing at the character where it starts. */
export interface SigfoxFormatIssue {
  readonly reason: SigfoxFormatReason;
  /** 1-based number of the field at fault; null when the problem is the format as a whole. */
  readonly field: number | null;
  /** The field's text as written (shortened when very long); empty for the whole format. */
  readonly text: string;
  /** 1-based column in the source exactly as given (before trimming), in UTF-16 code units. */
  readonly column: number;
  /** What is wrong and, where it can be guessed, what was meant. */
  readonly message: string;
}

/** The error message lists this many issues; `issues` always holds all of them. */
const LISTED = 5;

/**
 * A Sigfox payload format that does not follow the grammar. Its code is `validation_failed`
 * (HTTP 400) so that it needs nothing new at the edges; `issues` (also `data.issues`) lists
 * every problem found, and the message names the first ones with their field and column.
 */
export class SigfoxFormatError extends AppError {
  readonly issues: readonly SigfoxFormatIssue[];

  constructor(issues: readonly SigfoxFormatIssue[]) {
    super('validation_failed', summarise(issues), { issues });
    this.name = 'SigfoxFormatError';
    this.issues = issues;
  }
}

function summarise(issues: readonly SigfoxFormatIssue[]): string {
  if (issues.length === 1 && issues[0] !== undefined)
    return `invalid Sigfox payload format: ${describeIssue(issues[0])}`;
  const listed = issues
    .slice(0, LISTED)
    .map((issue, i) => `(${i + 1}) ${describeIssue(issue)}`)
    .join(' ');
  const more = issues.length > LISTED ? `; and ${issues.length - LISTED} more` : '';
  return `invalid Sigfox payload format, ${issues.length} problems: ${listed}${more}`;
}

/** One issue as a sentence: `field 2 'temp::unit:16', column 13: unknown type 'unit' …`. */
export function describeIssue(issue: SigfoxFormatIssue): string {
  if (issue.field === null) return `column ${issue.column}: ${issue.message}`;
  return `field ${issue.field} '${issue.text}', column ${issue.column}: ${issue.message}`;
}
