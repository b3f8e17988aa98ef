// Module SummaryStore: see Package.swift for its place in the architecture.
