// Composes the benchmark supergraph with @apollo/composition (pinned in package.json) from the
// subgraph SDLs in ../workload/subgraphs/. Usage: node compose.cjs BASE_URL > supergraph.graphql
// Each subgraph's routing URL is BASE_URL/<name>; `bench` rewrites it to the live port at run time.
"use strict";
const fs = require("fs");
const path = require("path");
const { parse } = require("graphql");
const { composeServices } = require("@apollo/composition");

const base = process.argv[2] || "http://127.0.0.1:4200";
const dir = path.join(__dirname, "..", "workload", "subgraphs");
const names = ["accounts", "inventory", "products", "reviews"];
const result = composeServices(
  names.map((name) => ({
    name,
    url: `${base}/${name}`,
    typeDefs: parse(fs.readFileSync(path.join(dir, `${name}.graphql`), "utf8")),
  })),
);
if (result.errors && result.errors.length) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
