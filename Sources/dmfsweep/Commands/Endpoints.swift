/// Endpoint checks.
enum Endpoints {
    /// Whether an endpoint is reachable only from this machine.
    static func isLoopback(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        let rest = endpoint.dropFirst(6)
        return rest.hasPrefix("127.") || rest.hasPrefix("localhost:") || rest.hasPrefix("[::1]:")
    }

    /// Checks a `tcp://HOST:PORT` endpoint's port before libzmq sees it (libzmq accepts some ports
    /// past 65535 without an error); other transports are left to libzmq.
    /// - Parameter flag: the option it came from, for the message.
    /// - Throws: `UsageError` for a missing or out-of-range port.
    static func checkPort(_ endpoint: String, flag: String) throws {
        guard endpoint.hasPrefix("tcp://") else { return }
        guard let colon = endpoint.lastIndex(of: ":"), colon > endpoint.index(endpoint.startIndex, offsetBy: 5) else {
            throw UsageError("\(flag): expected tcp://HOST:PORT, got '\(endpoint)'")
        }
        let port = endpoint[endpoint.index(after: colon)...]
        if port == "*" { return }
        guard let number = Int(port), (0...65535).contains(number) else {
            throw UsageError("\(flag): the port must be an integer between 0 and 65535 (or *), got '\(port)'")
        }
    }
}
