"""The operator's dashboard: queue depth, throughput, backlog per organisation, stuck and failed tasks."""
