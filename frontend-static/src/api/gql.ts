/**
 * Every GraphQL document the app sends is written as `const NAME = gql\`...\``. `scripts/check-graphql.mjs`
 * finds each of them and validates it against ../schema.graphql before every build, so the UI and the API
 * cannot drift apart. Fragments are composed by interpolating another gql constant (`${TRANSFER_ROW}`); no
 * other interpolation is allowed.
 */

declare const documentBrand: unique symbol;

export interface Document<TData = unknown, TVariables = Record<string, unknown>> {
  readonly body: string;
  readonly deps: readonly AnyDocument[];
  /** Phantom types: what the operation answers and which variables it takes. */
  readonly [documentBrand]?: { data: TData; variables: TVariables };
}

export type AnyDocument = Document<any, any>;

export function gql<TData = unknown, TVariables = Record<string, unknown>>(
  strings: TemplateStringsArray,
  ...deps: AnyDocument[]
): Document<TData, TVariables> {
  return { body: strings.join(""), deps };
}

/** The text sent to the server: the document followed by every fragment it uses, each once. */
export function print(doc: AnyDocument): string {
  const seen = new Set<AnyDocument>();
  const out: string[] = [];
  const visit = (d: AnyDocument) => {
    if (seen.has(d)) return;
    seen.add(d);
    out.push(d.body.trim());
    d.deps.forEach(visit);
  };
  visit(doc);
  return out.join("\n\n");
}
