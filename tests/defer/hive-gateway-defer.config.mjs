// Hive Gateway with @defer/@stream on (its `deferStream` option): the oracle of
// tests/defer/test_defer_e2e.py, over the same supergraph and subgraph processes as our router.
export const gatewayConfig = {
  deferStream: true,
};
