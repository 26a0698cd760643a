import type { FastifyInstance } from 'fastify';
import { AppError } from '../kernel/errors.js';

/**
 * The deepest nesting of arrays and objects a JSON value may have (`{"a":[1]}` is 2 deep).
 * Much deeper values overflow the stack of whatever walks them recursively
 * (`JSON.stringify` among them), and no device or API payload needs more.
 */
export const MAX_JSON_DEPTH = 64;

/** A UTF-16 high surrogate without its low half, or a low one without its high half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when the text holds a lone surrogate: it has no UTF-8 form, so storing it would corrupt it. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** The refusal of a text that cannot be stored as it was sent. */
export function invalidText(where: string): AppError {
  return new AppError(
    'invalid_text',
    `${where} holds a lone UTF-16 surrogate (\\ud800-\\udfff without its pair), which is not text`,
    { in: where },
  );
}

/**
 * Why a parsed JSON value cannot be accepted, or undefined when it can: nested deeper than
 * `MAX_JSON_DEPTH`, a string or key with a lone surrogate, or a `__proto__` key (or
 * `constructor.prototype`), which would reach object prototypes if copied with assignment.
 * Walks the value with its own stack, so that no depth can overflow the call stack.
 */
export function jsonProblem(value: unknown, where = 'the body'): AppError | undefined {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const current = next.value;
    if (typeof current === 'string') {
      if (hasLoneSurrogate(current)) return invalidText(where);
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    const depth = next.depth + 1;
    if (depth > MAX_JSON_DEPTH) {
      return new AppError(
        'json_too_deep',
        `${where} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
        { maxDepth: MAX_JSON_DEPTH },
      );
    }
    if (Array.isArray(current)) {
      for (const item of current) pending.push({ value: item, depth });
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (hasLoneSurrogate(key)) return invalidText(where);
      if (
        key === '__proto__' ||
        (key === 'constructor' && item !== null && typeof item === 'object' && 'prototype' in item)
      ) {
        return new AppError(
          'forbidden_key',
          `${where} has a key named "${key === '__proto__' ? '__proto__' : 'constructor.prototype'}", which is refused everywhere because it can alter object prototypes`,
          { key },
        );
      }
      pending.push({ value: item, depth });
    }
  }
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a JSON body, refusing bytes that are not UTF-8 and values `jsonProblem` refuses. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0)
    throw new AppError('malformed_body', 'the body is empty but the content type says JSON');
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new AppError('invalid_text', 'the body is not valid UTF-8', { in: 'the body' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('malformed_body', 'the body is not valid JSON');
  }
  const problem = jsonProblem(value);
  if (problem) throw problem;
  return value;
}

/**
 * Every route's JSON bodies go through `parseJsonBody`, in place of Fastify's parser, so
 * that the nesting limit and the text checks hold for all of them, capture included.
 */
export function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  // JSON merge patches (RFC 7396) are JSON too: twins take them with their own media type.
  app.addContentTypeParser(
    ['application/json', 'application/merge-patch+json'],
    { parseAs: 'buffer' },
    function parseJson(_request, body, done) {
      try {
        done(null, parseJsonBody(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}
