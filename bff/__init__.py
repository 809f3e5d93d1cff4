"""Code both backends-for-frontends share: router client, Redis cache, persisted operations, loaders."""
