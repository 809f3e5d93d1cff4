// Apollo Gateway (@apollo/gateway with @apollo/server, both pinned in package.json) serving a
// supergraph file: the reference gateway `bench` measures our router against. One process, no
// cluster workers (the benchmark gives every gateway the same single core).
// Usage: NODE_ENV=production node apollo-gateway.cjs SUPERGRAPH_FILE PORT   (binds 127.0.0.1)
// CSRF prevention is off so the harness can probe readiness with a plain GET.
"use strict";
const fs = require("fs");
const { ApolloServer } = require("@apollo/server");
const { startStandaloneServer } = require("@apollo/server/standalone");
const { ApolloGateway } = require("@apollo/gateway");

async function main() {
  const [supergraphPath, port] = process.argv.slice(2);
  const gateway = new ApolloGateway({ supergraphSdl: fs.readFileSync(supergraphPath, "utf8") });
  const server = new ApolloServer({ gateway, csrfPrevention: false });
  const { url } = await startStandaloneServer(server, {
    listen: { host: "127.0.0.1", port: Number(port) },
  });
  console.log(`apollo gateway ready at ${url}`);
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => server.stop().then(() => process.exit(0)));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
