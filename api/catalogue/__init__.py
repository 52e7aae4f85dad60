"""The catalogue over GraphQL: products, review platforms, platform profiles."""
