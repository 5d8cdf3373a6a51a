#!/usr/bin/env node
// Validates every GraphQL document in src/ against ../schema.graphql (the API's committed schema).
// Run before every build (`npm run build`): a field renamed or removed in the API fails the build here,
// not in a user's browser.
//
// A document is `const NAME = gql\`...\`` (optionally exported). `${OTHER}` inside it must name another
// gql constant (a fragment); the check resolves it exactly as src/api/gql.ts does at run time.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { GraphQLError, Kind, Source, buildSchema, parse, validate } from "graphql";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const schemaPath = resolve(root, process.env.BOKBRO_SCHEMA ?? "../schema.graphql");
const srcDir = join(root, "src");

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|js|jsx|mjs)$/.test(name) && !name.endsWith(".d.ts")) yield path;
  }
}

const problems = [];
const docs = new Map(); // name -> { file, line, body, deps }
const DEFINITION = /(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*gql\s*(?:<[^`]*?>)?\s*`([^`]*)`/g;

for (const file of sourceFiles(srcDir)) {
  if (file.endsWith(join("api", "gql.ts"))) continue; // the tag itself
  const text = readFileSync(file, "utf8");
  const rel = relative(root, file);
  let found = 0;
  for (const m of text.matchAll(DEFINITION)) {
    found += 1;
    const [, name, raw] = m;
    const line = text.slice(0, m.index).split("\n").length;
    const deps = [];
    const body = raw.replace(/\$\{([^}]*)\}/g, (_, expr) => {
      const ident = expr.trim();
      if (!/^[A-Za-z_$][\w$]*$/.test(ident)) problems.push(`${rel}:${line}: ${name}: only \${FRAGMENT} may be interpolated, found \${${expr}}`);
      else deps.push(ident);
      return "";
    });
    if (docs.has(name)) problems.push(`${rel}:${line}: a gql document named ${name} already exists in ${docs.get(name).file}`);
    docs.set(name, { file: rel, line, body, deps });
  }
  const uses = (text.match(/\bgql\s*(?:<[^`]*?>)?\s*`/g) ?? []).length;
  if (uses !== found) problems.push(`${rel}: ${uses - found} gql document(s) not written as \`const NAME = gql\\\`...\\\`\`; the check cannot see them`);
}

let schema;
try {
  schema = buildSchema(readFileSync(schemaPath, "utf8"));
} catch (err) {
  console.error(`GraphQL check: cannot read the schema ${schemaPath}: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}

function collect(name, seen, chain) {
  const doc = docs.get(name);
  if (!doc) {
    problems.push(`${chain.at(-1) ?? name}: \${${name}} is not a gql document`);
    return;
  }
  if (seen.has(name)) return;
  seen.add(name);
  for (const dep of doc.deps) collect(dep, seen, [...chain, name]);
}

const operationNames = new Map();
const usedFragments = new Set();
let operations = 0;
for (const [name, doc] of docs) {
  let parsed;
  try {
    parsed = parse(new Source(doc.body, `${doc.file}:${doc.line} (${name})`));
  } catch (err) {
    problems.push(err instanceof GraphQLError ? err.toString() : String(err));
    continue;
  }
  const ops = parsed.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (ops.length === 0) {
    doc.fragmentOnly = true; // checked inside the operations that use it
    continue;
  }
  if (ops.length > 1) problems.push(`${doc.file}:${doc.line}: ${name} holds ${ops.length} operations; one per document`);
  for (const op of ops) {
    if (!op.name) problems.push(`${doc.file}:${doc.line}: ${name}: every operation needs a name`);
    else if (operationNames.has(op.name.value)) problems.push(`${doc.file}:${doc.line}: operation name ${op.name.value} is also used by ${operationNames.get(op.name.value)}`);
    else operationNames.set(op.name.value, name);
  }
  const seen = new Set();
  collect(name, seen, []);
  for (const n of seen) if (n !== name) usedFragments.add(n);
  const full = [...seen].map((n) => docs.get(n)?.body ?? "").join("\n");
  let whole;
  try {
    whole = parse(new Source(full, `${doc.file}:${doc.line} (${name} with its fragments)`));
  } catch (err) {
    problems.push(String(err));
    continue;
  }
  for (const error of validate(schema, whole)) {
    problems.push(`${doc.file}:${doc.line}: ${name}: ${error.message}`);
  }
  operations += 1;
}
for (const [name, doc] of docs) {
  if (doc.fragmentOnly && !usedFragments.has(name)) problems.push(`${doc.file}:${doc.line}: fragment document ${name} is used by no operation`);
}

if (problems.length) {
  console.error(`GraphQL check against ${relative(process.cwd(), schemaPath)} failed:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
if (operations === 0) {
  console.error("GraphQL check: no operations found in src/ (is the gql pattern still `const NAME = gql`...``?)");
  process.exit(1);
}
console.log(`GraphQL check: ${operations} operations in src/ are valid against ${relative(process.cwd(), schemaPath)}`);
