/// Endpoint checks.
enum Endpoints {
    /// Whether an endpoint is reachable only from this machine.
    static func isLoopback(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        let rest = endpoint.dropFirst(6)
        return rest.hasPrefix("127.") || rest.hasPrefix("localhost:") || rest.hasPrefix("[::1]:")
    }
}
