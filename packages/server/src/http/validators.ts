import { Ajv, type Options } from 'ajv';
import formatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS: under Node's ESM interop its plugin is the module itself or its default.
const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (
  ajv: Ajv,
) => Ajv;

const common: Options = {
  // Unknown fields are an error, never silently dropped.
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  strict: false,
  // Errors carry the schema they failed, so a union's description can explain a refusal.
  verbose: true,
};

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...common, ...options });
  addFormats(ajv);
  return ajv;
}

/**
 * Bodies are JSON and must carry the right types as sent (`{"id": 12345}` is refused, not
 * turned into "12345"). Query strings, path parameters and headers are text, so only they
 * are coerced to the schema's types.
 */
export function buildValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: 'array' });
  return function compileValidator({ schema, httpPart, contentType }) {
    // A body that is not JSON (a CSV or NDJSON import) reaches its route as a stream, which
    // reads and checks it row by row: its schema only documents it.
    if (
      httpPart === 'body' &&
      contentType !== undefined &&
      !/^application\/([\w.-]+\+)?json$/i.test(contentType)
    )
      return function streamedBody() {
        return true;
      };
    return (httpPart === 'body' ? strict : coercing).compile(schema as object);
  };
}
