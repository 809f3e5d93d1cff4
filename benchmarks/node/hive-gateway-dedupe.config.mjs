// Hive Gateway configuration for the "inbound deduplication on" run of `bench`: identical
// in-flight requests (same operation, variables and headers) share one execution.
export const gatewayConfig = {
  inboundInflightRequestDeduplication: true,
};
