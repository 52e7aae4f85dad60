"""Operations plumbing shared by every process: structured logs and Prometheus metrics."""
