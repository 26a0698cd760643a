/** The TypeScript types of an OpenAPI document: `paths`, `components`, `operations`. */
export function renderTypes(document: Readonly<Record<string, unknown>>): Promise<string>;
