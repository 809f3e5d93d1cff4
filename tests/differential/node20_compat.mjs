// Preloaded into the federation audit's server (NODE_OPTIONS=--import) on Node 20: the audit's
// `serve` uses Promise.withResolvers (ES2024, Node >= 22). Defined as ES2024 specifies it.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
