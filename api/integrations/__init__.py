"""Native intake over HTTP and its configuration over GraphQL."""
