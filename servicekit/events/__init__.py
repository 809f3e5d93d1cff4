"""Asynchronous events between services (issue #15): typed, versioned contracts, one broker
library (FastStream) over Redis Streams, NATS JetStream or RabbitMQ chosen by URL, a
transactional outbox with its relay, an inbox for idempotent consumers, retries with backoff and
a dead-letter store. See servicekit/events/README.md."""
