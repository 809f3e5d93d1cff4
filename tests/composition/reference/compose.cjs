// Reference composition for the cross-check test: reads [{name, url, sdl}] as JSON on stdin,
// composes with @apollo/composition (pinned in package.json) and prints
// {"supergraphSdl": "..."} or {"errors": [{"code", "message"}]} as JSON on stdout.
// A {"batch": {"<case>": [{name, url, sdl}], ...}} input answers {"<case>": <result>, ...}.
// The packages are resolved from the folder named by COMPOSITION_REFERENCE_MODULES (git-ignored).
"use strict";
const path = require("path");
const { createRequire } = require("module");

const modulesRoot = process.env.COMPOSITION_REFERENCE_MODULES;
const load = createRequire(path.join(modulesRoot, "package.json"));
const { composeServices } = load("@apollo/composition");
const { parse } = load("graphql");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
function composeOne(subgraphs) {
  let result;
  try {
    result = composeServices(
      subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
    );
  } catch (error) {
    result = { errors: [{ extensions: { code: "INVALID_GRAPHQL" }, message: String(error) }] };
  }
  if (result.errors && result.errors.length > 0) {
    const errors = result.errors.map((e) => ({
      code: (e.extensions && e.extensions.code) || "UNKNOWN",
      message: e.message,
    }));
    return { errors };
  }
  return { supergraphSdl: result.supergraphSdl };
}

process.stdin.on("end", () => {
  const parsed = JSON.parse(input);
  if (Array.isArray(parsed)) {
    process.stdout.write(JSON.stringify(composeOne(parsed)));
    return;
  }
  const answers = {};
  for (const [name, subgraphs] of Object.entries(parsed.batch)) {
    answers[name] = composeOne(subgraphs);
  }
  process.stdout.write(JSON.stringify(answers));
});
