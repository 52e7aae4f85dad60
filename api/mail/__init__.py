"""Mail coming in: reports (bounces, complaints) at the bounce address."""
