// Reference query planner for the cross-check tests. Reads JSON on stdin:
//   {"supergraphSdl": "...", "operation": "...", "operationName": null}   -> plans it, or
//   {"subgraphs": [{"name", "url", "sdl"}]}                              -> composes them,
// and prints {"text": "<printed plan>", "json": {...}} / {"supergraphSdl": "..."} / {"errors": [...]}.
// Packages (pinned in package.json) are resolved from PLANNING_REFERENCE_MODULES (git-ignored).
"use strict";
const path = require("path");
const { createRequire } = require("module");

const load = createRequire(path.join(process.env.PLANNING_REFERENCE_MODULES, "package.json"));
const { parse } = load("graphql");

function plan(input) {
  const { Supergraph, operationFromDocument } = load("@apollo/federation-internals");
  const { QueryPlanner, prettyFormatQueryPlan } = load("@apollo/query-planner");
  const supergraph = Supergraph.build(input.supergraphSdl);
  const planner = new QueryPlanner(supergraph);
  const operation = operationFromDocument(supergraph.schema.toAPISchema(), parse(input.operation), {
    operationName: input.operationName || undefined,
  });
  const queryPlan = planner.buildQueryPlan(operation);
  return { text: prettyFormatQueryPlan(queryPlan), json: queryPlan };
}

function compose(input) {
  const { composeServices } = load("@apollo/composition");
  const result = composeServices(
    input.subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  );
  if (result.errors && result.errors.length > 0) {
    return { errors: result.errors.map((e) => ({ message: e.message })) };
  }
  return { supergraphSdl: result.supergraphSdl };
}

let raw = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (raw += chunk));
process.stdin.on("end", () => {
  const input = JSON.parse(raw);
  let result;
  try {
    result = input.subgraphs ? compose(input) : plan(input);
  } catch (error) {
    result = { errors: [{ message: String(error && error.stack ? error.stack : error) }] };
  }
  process.stdout.write(JSON.stringify(result));
});
