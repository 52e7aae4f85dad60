"""The GraphQL machinery: the schema, context and loaders, permissions, errors, Relay
connections, document cost limits, input bounds, execution contexts."""
