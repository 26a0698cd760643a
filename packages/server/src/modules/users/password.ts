import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../../kernel/errors.js';

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): about 20-40 ms here per hash.
// `algorithm: 2` is Algorithm.Argon2id, an ambient const enum the compiler settings cannot import.
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Passwords that pass the length rule but are first in every attacker's list. */
const COMMON = new Set([
  'password1234',
  'passwordpassword',
  '123456789012',
  '1234567890123',
  'qwertyuiopas',
  'qwerty123456',
  'iloveyou1234',
  'administrator',
  'letmein12345',
  'welcome12345',
  'changeme1234',
  'fleetport123',
  'fleetportfleetport',
]);

/**
 * Why `password` is too weak for `email`, or an empty list. The rules follow NIST SP 800-63B
 * §5.1.1.2: a length floor, no composition rules, and a refusal of guessable values.
 */
export function passwordProblems(password: string, email: string): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) problems.push(`shorter than ${PASSWORD_MIN_LENGTH} characters`);
  if (length > PASSWORD_MAX_LENGTH) problems.push(`longer than ${PASSWORD_MAX_LENGTH} characters`);
  if (new Set(password).size < 5) problems.push('fewer than 5 different characters');
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) problems.push('a commonly used password');
  const local = email.toLowerCase().split('@')[0] ?? '';
  if (local.length >= 3 && lower.includes(local)) problems.push('contains the e-mail address');
  return problems;
}

/** `weak_password` (400) listing every reason, before anything is stored. */
export function checkPassword(password: string, email: string): void {
  const problems = passwordProblems(password, email);
  if (problems.length > 0)
    throw new AppError('weak_password', `the password is too weak: ${problems.join('; ')}`, { problems });
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

let dummy: Promise<string> | undefined;

/**
 * Whether `password` matches `stored`. Without a stored hash (an unknown e-mail, a user
 * without a password yet) it still verifies against a dummy hash, so that the answer
 * takes as long as for a real account.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummy ??= hashPassword('fleetport dummy password for timing');
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
