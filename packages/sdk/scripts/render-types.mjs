// Plain JavaScript on purpose: openapi-typescript needs TypeScript 5's compiler API, which
// only packages/sdk installs (the workspace type-checks with TypeScript 7); this file's
// declaration (render-types.d.mts) keeps the type check from looking for it.
import openapiTS, { astToString } from 'openapi-typescript';

const HEADER = `// Generated from the server's OpenAPI document by \`npm run sdk:generate\`: do not edit.
// packages/sdk/test/generated.test.ts fails when the server's routes no longer match it.
`;

/** The TypeScript types of an OpenAPI document: `paths`, `components`, `operations`. */
export async function renderTypes(document) {
  const ast = await openapiTS(document, {
    // Not `immutable`: openapi-fetch 0.17 maps answers through a type that turns readonly
    // arrays into plain objects, so the generated types are plain (mutable) ones.
    // A property with a default is still one a request may leave out.
    defaultNonNullable: false,
    silent: true,
  });
  return HEADER + astToString(ast);
}
