// Apollo's query planner with @defer enabled (incrementalDelivery.enableDefer), for
// tests/defer/test_defer_planning.py. Reads {"supergraphSdl", "operations": [...]} on stdin and
// prints {"plans": [{"text", "json"} | {"errors"}]}. Packages come from
// PLANNING_REFERENCE_MODULES (tests/planning/reference_support.py installs them).
"use strict";
const path = require("path");
const { createRequire } = require("module");

const load = createRequire(path.join(process.env.PLANNING_REFERENCE_MODULES, "package.json"));
const { parse } = load("graphql");
const { Supergraph, operationFromDocument } = load("@apollo/federation-internals");
const { QueryPlanner, prettyFormatQueryPlan } = load("@apollo/query-planner");

let raw = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (raw += chunk));
process.stdin.on("end", () => {
  const input = JSON.parse(raw);
  const supergraph = Supergraph.build(input.supergraphSdl);
  const planner = new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: true } });
  const api = supergraph.schema.toAPISchema();
  const plans = input.operations.map((text) => {
    try {
      const operation = operationFromDocument(api, parse(text), {});
      const queryPlan = planner.buildQueryPlan(operation);
      return { text: prettyFormatQueryPlan(queryPlan), json: queryPlan };
    } catch (error) {
      return { errors: [{ message: String(error && error.message ? error.message : error) }] };
    }
  });
  process.stdout.write(JSON.stringify({ plans }));
});
