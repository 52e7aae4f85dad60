"""GraphQL and HTTP adapters over the domain in models/."""
