// Reference query planner for the cross-check tests. Reads JSON on stdin:
//   {"supergraphSdl": "...", "operation": "...", "operationName": null}   -> plans it,
//     ("routerFeatures": true loads it with Apollo Router's supported features),
//   {"supergraphSdl": "...", "operations": ["...", ...]}                  -> plans each ({"plans": [...]}),
//   {"subgraphs": [{"name", "url", "sdl"}]}                              -> composes them,
//   {"supergraphSdl": "...", "apiSchema": true}                          -> prints its API schema,
//   {"batch": [{"supergraphSdl": "...", "operations": [...]}, ...]}      -> {"batch": [{"plans"}]},
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
  // routerFeatures: accept what Apollo Router accepts (e.g. context/v0.1 for @fromContext)
  const internals = load("@apollo/federation-internals");
  const options = input.routerFeatures
    ? { supportedFeatures: internals.ROUTER_SUPPORTED_SUPERGRAPH_FEATURES }
    : undefined;
  const supergraph = Supergraph.build(input.supergraphSdl, options);
  const planner = new QueryPlanner(supergraph);
  const planOne = (text, operationName) => {
    const operation = operationFromDocument(supergraph.schema.toAPISchema(), parse(text), {
      operationName: operationName || undefined,
    });
    const queryPlan = planner.buildQueryPlan(operation);
    return { text: prettyFormatQueryPlan(queryPlan), json: queryPlan };
  };
  if (input.operations) {
    return {
      plans: input.operations.map((text) => {
        try {
          return planOne(text, null);
        } catch (error) {
          return { errors: [{ message: String(error && error.message ? error.message : error) }] };
        }
      }),
    };
  }
  return planOne(input.operation, input.operationName);
}

function apiSchema(input) {
  const { Supergraph } = load("@apollo/federation-internals");
  const { printSchema } = load("graphql");
  const supergraph = Supergraph.build(input.supergraphSdl);
  return { apiSchema: printSchema(supergraph.apiSchema().toGraphQLJSSchema()) };
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
    result = input.batch
      ? { batch: input.batch.map(plan) }
      : input.subgraphs
        ? compose(input)
        : input.apiSchema
          ? apiSchema(input)
          : plan(input);
  } catch (error) {
    result = { errors: [{ message: String(error && error.stack ? error.stack : error) }] };
  }
  process.stdout.write(JSON.stringify(result));
});
