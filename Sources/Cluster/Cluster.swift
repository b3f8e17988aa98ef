// Module Cluster: see Package.swift for its place in the architecture.
