"""Multiple, compound and nested keys; choosing a key the parent subgraph can provide."""

from __future__ import annotations

from tests.planning.helpers import assert_plan


def test_key_chain_through_a_subgraph_that_knows_both_keys() -> None:
    """sessions knows only User.id, mail resolves User by email: users turns id into email."""
    operation = """
        { currentSession { user { inbox } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "sessions") {
              {
                currentSession {
                  user {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "currentSession.user") {
              Fetch(service: "users") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    email
                  }
                }
              },
            },
            Flatten(path: "currentSession.user") {
              Fetch(service: "mail") {
                {
                  ... on User {
                    __typename
                    email
                  }
                } =>
                {
                  ... on User {
                    inbox
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("keys", operation, expected)


def test_nested_compound_key() -> None:
    operation = """
        { user(id: "1") { account { balance history } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "users") {
              {
                user(id: "1") {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "user") {
              Fetch(service: "billing") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    account {
                      __typename
                      balance
                      number
                      org {
                        id
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "user.account") {
              Fetch(service: "audit") {
                {
                  ... on Account {
                    __typename
                    number
                    org {
                      id
                    }
                  }
                } =>
                {
                  ... on Account {
                    history
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("keys", operation, expected)


def test_unresolvable_key_is_only_a_reference() -> None:
    operation = """
        { currentSession { id user { name } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "sessions") {
              {
                currentSession {
                  id
                  user {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "currentSession.user") {
              Fetch(service: "users") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    name
                  }
                }
              },
            },
          },
        }
    """
    assert_plan("keys", operation, expected)


def test_all_together() -> None:
    operation = """
        { currentSession { user { inbox name account { balance history } } } }
    """
    expected = """
        QueryPlan {
          Sequence {
            Fetch(service: "sessions") {
              {
                currentSession {
                  user {
                    __typename
                    id
                  }
                }
              }
            },
            Parallel {
              Sequence {
                Flatten(path: "currentSession.user") {
                  Fetch(service: "users") {
                    {
                      ... on User {
                        __typename
                        id
                      }
                    } =>
                    {
                      ... on User {
                        email
                        name
                      }
                    }
                  },
                },
                Flatten(path: "currentSession.user") {
                  Fetch(service: "mail") {
                    {
                      ... on User {
                        __typename
                        email
                      }
                    } =>
                    {
                      ... on User {
                        inbox
                      }
                    }
                  },
                },
              },
              Sequence {
                Flatten(path: "currentSession.user") {
                  Fetch(service: "billing") {
                    {
                      ... on User {
                        __typename
                        id
                      }
                    } =>
                    {
                      ... on User {
                        account {
                          __typename
                          balance
                          number
                          org {
                            id
                          }
                        }
                      }
                    }
                  },
                },
                Flatten(path: "currentSession.user.account") {
                  Fetch(service: "audit") {
                    {
                      ... on Account {
                        __typename
                        number
                        org {
                          id
                        }
                      }
                    } =>
                    {
                      ... on Account {
                        history
                      }
                    }
                  },
                },
              },
            },
          },
        }
    """
    assert_plan("keys", operation, expected)
