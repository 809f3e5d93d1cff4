"""Subscriptions through the federation (issue #16): the subgraph stream of the root field, the
rest of the plan per event, and the registry that caps and ends open subscriptions."""
