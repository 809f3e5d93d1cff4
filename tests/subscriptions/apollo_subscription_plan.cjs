// Apollo's query planner on subscription operations, for tests/subscriptions/test_plan.py.
// The supergraph is built as Apollo Router builds it (ROUTER_SUPPORTED_SUPERGRAPH_FEATURES: the
// project's supergraph links @authenticated/@requiresScopes, which the default feature set
// refuses). Reads {"supergraphSdl", "operations": [...]} on stdin and prints
// {"plans": [{"text", "json"} | {"errors"}]}. Packages come from PLANNING_REFERENCE_MODULES
// (tests/planning/reference_support.py installs them).
"use strict";
const path = require("path");
const { createRequire } = require("module");

const load = createRequire(path.join(process.env.PLANNING_REFERENCE_MODULES, "package.json"));
const { parse } = load("graphql");
const internals = load("@apollo/federation-internals");
const { QueryPlanner, prettyFormatQueryPlan } = load("@apollo/query-planner");

let raw = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (raw += chunk));
process.stdin.on("end", () => {
  const input = JSON.parse(raw);
  const supergraph = internals.Supergraph.build(input.supergraphSdl, {
    supportedFeatures: internals.ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  });
  const planner = new QueryPlanner(supergraph);
  const api = supergraph.schema.toAPISchema();
  const plans = input.operations.map((text) => {
    try {
      const operation = internals.operationFromDocument(api, parse(text), {});
      const queryPlan = planner.buildQueryPlan(operation);
      return { text: prettyFormatQueryPlan(queryPlan), json: queryPlan };
    } catch (error) {
      return { errors: [{ message: String(error && error.message ? error.message : error) }] };
    }
  });
  process.stdout.write(JSON.stringify({ plans }));
});
