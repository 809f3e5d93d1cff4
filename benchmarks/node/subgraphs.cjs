// The four benchmark subgraphs (accounts, inventory, products, reviews) in one Node process,
// each at its own path (/accounts, /inventory, ...), built with @apollo/subgraph over the static
// data in ../workload/data.json and the SDLs in ../workload/subgraphs/. Parsed and validated
// documents are cached by query text, so the subgraphs stay far cheaper than any gateway.
// Usage: node subgraphs.cjs PORT   (binds 127.0.0.1; GET /health answers 200)
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const { parse, validate, execute, specifiedRules } = require("graphql");
const { buildSubgraphSchema } = require("@apollo/subgraph");

const workload = path.join(__dirname, "..", "workload");
const data = JSON.parse(fs.readFileSync(path.join(workload, "data.json"), "utf8"));
const sdl = (name) => parse(fs.readFileSync(path.join(workload, "subgraphs", `${name}.graphql`), "utf8"));

const usersById = new Map(data.users.map((u) => [u.id, u]));
const productsByUpc = new Map(data.products.map((p) => [p.upc, p]));
const inStockByUpc = new Map(data.inventory.map((i) => [i.upc, i.inStock]));
const reviewsByAuthor = new Map();
const reviewsByProduct = new Map();
for (const review of data.reviews) {
  if (!reviewsByAuthor.has(review.authorId)) reviewsByAuthor.set(review.authorId, []);
  reviewsByAuthor.get(review.authorId).push(review);
  if (!reviewsByProduct.has(review.productUpc)) reviewsByProduct.set(review.productUpc, []);
  reviewsByProduct.get(review.productUpc).push(review);
}

function shippingEstimate(price, weight) {
  if (price === null || price === undefined) return null;
  if (price > 1000) return 0;
  return weight === null || weight === undefined ? null : Math.floor(weight / 2);
}

const resolvers = {
  accounts: {
    Query: {
      me: () => data.users[0],
      user: (_, { id }) => usersById.get(id) || null,
      users: () => data.users,
    },
    User: { __resolveReference: (ref) => usersById.get(ref.id) || null },
  },
  products: {
    Query: { topProducts: (_, { first }) => data.products.slice(0, first) },
    Product: { __resolveReference: (ref) => productsByUpc.get(ref.upc) || null },
  },
  inventory: {
    Product: {
      __resolveReference: (ref) => ({ ...ref, inStock: inStockByUpc.get(ref.upc) ?? null }),
      shippingEstimate: (product) => shippingEstimate(product.price, product.weight),
    },
  },
  reviews: {
    Review: {
      __resolveReference: (ref) => data.reviews.find((r) => r.id === ref.id) || null,
      product: (review) => ({ upc: review.productUpc }),
      author: (review) => {
        const user = usersById.get(review.authorId);
        return { id: review.authorId, username: user ? user.username : null };
      },
    },
    User: {
      __resolveReference: (ref) => ({ id: ref.id }),
      reviews: (user) => reviewsByAuthor.get(user.id) || [],
    },
    Product: {
      __resolveReference: (ref) => ({ upc: ref.upc }),
      reviews: (product) => reviewsByProduct.get(product.upc) || [],
    },
  },
};

const schemas = new Map(
  Object.keys(resolvers).map((name) => [
    name,
    buildSubgraphSchema([{ typeDefs: sdl(name), resolvers: resolvers[name] }]),
  ]),
);
const documents = new Map(); // `${subgraph}\n${query}` -> {document} | {errors}

function prepare(name, schema, query) {
  const key = `${name}\n${query}`;
  let entry = documents.get(key);
  if (entry === undefined) {
    try {
      const document = parse(query);
      const errors = validate(schema, document, specifiedRules);
      entry = errors.length ? { errors } : { document };
    } catch (error) {
      entry = { errors: [error] };
    }
    if (documents.size < 1000) documents.set(key, entry);
  }
  return entry;
}

function send(res, status, payload) {
  const body = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function handle(req, res, body) {
  const url = new URL(req.url, "http://localhost");
  if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { status: "ok" });
  const name = url.pathname.replace(/^\//, "");
  const schema = schemas.get(name);
  if (!schema || req.method !== "POST") return send(res, 404, { errors: [{ message: "not found" }] });
  let request;
  try {
    request = JSON.parse(body);
  } catch (error) {
    return send(res, 400, { errors: [{ message: `invalid JSON: ${error.message}` }] });
  }
  const prepared = prepare(name, schema, request.query || "");
  if (prepared.errors) return send(res, 400, { errors: prepared.errors.map((e) => ({ message: e.message })) });
  const result = await execute({
    schema,
    document: prepared.document,
    variableValues: request.variables || {},
    operationName: request.operationName,
  });
  send(res, 200, result);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((error) =>
      send(res, 500, { errors: [{ message: String(error) }] }),
    );
  });
});
server.keepAliveTimeout = 65000;
const port = Number(process.argv[2] || process.env.PORT);
server.listen(port, "127.0.0.1", () => console.log(`subgraphs on http://127.0.0.1:${port}`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
