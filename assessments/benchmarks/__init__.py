"""LLM benchmarks: agent subjects take questionnaires N times; batches and cohorts compare them."""
