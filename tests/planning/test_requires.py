"""``@requires``: required fields fetched before the dependent fetch and sent in the representation."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_requires_fields_come_from_the_parent_fetch() -> None:
    operation = """
        {
          topProducts { shippingEstimate }
        }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  upc
                  price
                  weight
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                    price
                    weight
                  }
                } =>
                {
                  ... on Product {
                    shippingEstimate
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_requires_fields_fetched_by_an_extra_jump_first() -> None:
    """price/weight live in products: products runs before inventory, which needs both."""
    operation = """
        {
          users {
            reviews {
              product { inStock shippingEstimate }
            }
          }
        }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                users {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "users.@") {
              Fetch(service: "reviews") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    reviews {
                      product {
                        __typename
                        upc
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "users.@.reviews.@.product") {
              Fetch(service: "products") {
                {
                  ... on Product {
                    __typename
                    upc
                  }
                } =>
                {
                  ... on Product {
                    price
                    weight
                  }
                }
              },
            },
            Flatten(path: "users.@.reviews.@.product") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                    price
                    weight
                  }
                } =>
                {
                  ... on Product {
                    inStock
                    shippingEstimate
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("bench", operation, expected)


def test_requires_chain_runs_in_dependency_order() -> None:
    """total needs tax (totals), tax needs subtotal in USD (tax): three fetches in sequence."""
    operation = """
        { orders { total } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "orders") {
              {
                orders {
                  __typename
                  id
                  subtotal(currency: "USD")
                }
              }
            },
            Flatten(path: "orders.@") {
              Fetch(service: "tax") {
                {
                  ... on Order {
                    __typename
                    id
                    subtotal
                  }
                } =>
                {
                  ... on Order {
                    tax
                  }
                }
              },
            },
            Flatten(path: "orders.@") {
              Fetch(service: "totals") {
                {
                  ... on Order {
                    __typename
                    id
                    tax
                  }
                } =>
                {
                  ... on Order {
                    total
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("requires", operation, expected)


def test_requires_with_arguments_next_to_the_client_field_of_other_arguments() -> None:
    """The required subtotal(currency: \"USD\") is aliased: the client's subtotal uses the default EUR."""
    operation = """
        { orders { tax total subtotal } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "orders") {
              {
                orders {
                  __typename
                  id
                  subtotal__planner: subtotal(currency: "USD")
                  subtotal
                }
              }
            },
            Flatten(path: "orders.@") {
              Fetch(service: "tax") {
                {
                  ... on Order {
                    __typename
                    id
                    subtotal__planner
                  }
                } =>
                {
                  ... on Order {
                    tax
                  }
                }
              },
            },
            Flatten(path: "orders.@") {
              Fetch(service: "totals") {
                {
                  ... on Order {
                    __typename
                    id
                    tax
                  }
                } =>
                {
                  ... on Order {
                    total
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("requires", operation, expected)


def test_requires_with_a_nested_selection() -> None:
    operation = """
        { orders { shippingCost items { sku } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "orders") {
              {
                orders {
                  __typename
                  id
                  items {
                    weight
                    sku
                  }
                }
              }
            },
            Flatten(path: "orders.@") {
              Fetch(service: "shipping") {
                {
                  ... on Order {
                    __typename
                    id
                    items {
                      weight
                    }
                  }
                } =>
                {
                  ... on Order {
                    shippingCost
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("requires", operation, expected)


def test_independent_requires_run_in_parallel() -> None:
    operation = """
        { orders { total shippingCost } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "orders") {
              {
                orders {
                  __typename
                  id
                  subtotal(currency: "USD")
                  items {
                    weight
                  }
                }
              }
            },
            Parallel {
              Sequence {
                Flatten(path: "orders.@") {
                  Fetch(service: "tax") {
                    {
                      ... on Order {
                        __typename
                        id
                        subtotal
                      }
                    } =>
                    {
                      ... on Order {
                        tax
                      }
                    }
                  },
                },
                Flatten(path: "orders.@") {
                  Fetch(service: "totals") {
                    {
                      ... on Order {
                        __typename
                        id
                        tax
                      }
                    } =>
                    {
                      ... on Order {
                        total
                      }
                    }
                  },
                },
              },
              Flatten(path: "orders.@") {
                Fetch(service: "shipping") {
                  {
                    ... on Order {
                      __typename
                      id
                      items {
                        weight
                      }
                    }
                  } =>
                  {
                    ... on Order {
                      shippingCost
                    }
                  }
                },
              },
            },
          },
        }
    """
    assert_plan("requires", operation, expected)


def test_requires_needing_this_subgraph_first_moves_to_a_later_fetch() -> None:
    """heaviest needs parcels(limit: 3) { weight }: parcels come from shipping itself, weight from orders; heaviest is fetched from shipping again afterwards."""
    operation = """
        { orders { heaviest } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "orders") {
              {
                orders {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "orders.@") {
              Fetch(service: "shipping") {
                {
                  ... on Order {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Order {
                    parcels(limit: 3) {
                      __typename
                      id
                    }
                  }
                }
              },
            },
            Flatten(path: "orders.@.parcels.@") {
              Fetch(service: "orders") {
                {
                  ... on Parcel {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Parcel {
                    weight
                  }
                }
              },
            },
            Flatten(path: "orders.@") {
              Fetch(service: "shipping") {
                {
                  ... on Order {
                    __typename
                    id
                    parcels {
                      weight
                    }
                  }
                } =>
                {
                  ... on Order {
                    heaviest
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("requires", operation, expected)


def test_required_field_with_other_arguments_than_the_clients_is_aliased() -> None:
    operation = """
        { orders { heaviest parcels(limit: 1) { id weight } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "orders") {
              {
                orders {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "orders.@") {
              Fetch(service: "shipping") {
                {
                  ... on Order {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Order {
                    parcels__planner: parcels(limit: 3) {
                      __typename
                      id
                    }
                    parcels(limit: 1) {
                      __typename
                      id
                    }
                  }
                }
              },
            },
            Flatten(paths: ["orders.@.parcels__planner.@", "orders.@.parcels.@"]) {
              Fetch(service: "orders") {
                {
                  ... on Parcel {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Parcel {
                    weight
                  }
                }
              },
            },
            Flatten(path: "orders.@") {
              Fetch(service: "shipping") {
                {
                  ... on Order {
                    __typename
                    id
                    parcels__planner {
                      weight
                    }
                  }
                } =>
                {
                  ... on Order {
                    heaviest
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("requires", operation, expected)


def test_requires_with_type_conditions_sends_the_runtime_type() -> None:
    """media is a union: the representation carries media.__typename for the fragments."""
    operation = """
        { posts { summary } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "posts") {
              {
                posts {
                  __typename
                  id
                  media {
                    __typename
                    ... on Image {
                      url
                    }
                    ... on Video {
                      length
                    }
                  }
                }
              }
            },
            Flatten(path: "posts.@") {
              Fetch(service: "summary") {
                {
                  ... on Post {
                    __typename
                    id
                    media {
                      __typename
                      ... on Image {
                        url
                      }
                      ... on Video {
                        length
                      }
                    }
                  }
                } =>
                {
                  ... on Post {
                    summary
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("reqabstract", operation, expected)
