import Testing
import ZeroMQ

@testable import Cluster

/// The worker's handshake diagnosis (issue 10 §5), fed with monitor events as libzmq 4.3 reports
/// them for each cause (seen with real sockets in `RuntimeFaultTests`).
@Suite struct HandshakeWatchTests {
    @Test func aKeyNotOnTheAllowListGivesUpAfterTheLimit() {
        var w = HandshakeWatch(limit: 3)
        #expect(w.observe(.connected, value: 7) == .none)
        #expect(w.observe(.handshakeFailedAuth, value: 400) == .retry(first: true))
        #expect(w.observe(.disconnected, value: 7) == .none)  // the same failure, not a second one
        #expect(w.observe(.connected, value: 8) == .none)
        #expect(w.observe(.handshakeFailedAuth, value: 400) == .retry(first: false))
        #expect(w.observe(.handshakeFailedAuth, value: 400) == .giveUp)
        let text = w.diagnosis(endpoint: "tcp://h:1", curve: true)
        #expect(text.contains("failed 3 time(s)") && text.contains("ZAP status 400"))
        #expect(text.contains("wrong coordinator public key") && text.contains("authorized/"))
    }

    @Test func aConnectionCutDuringTheHandshakeIsAFailure() {
        // A wrong coordinator.pub: the server cannot decrypt the hello and closes the connection.
        var w = HandshakeWatch(limit: 2)
        #expect(w.observe(.connected, value: 7) == .none)
        #expect(w.observe(.disconnected, value: 7) == .retry(first: true))
        #expect(w.observe(.connected, value: 8) == .none)
        #expect(w.observe(.disconnected, value: 8) == .giveUp)
        #expect(w.diagnosis(endpoint: "e", curve: false).contains("requires CURVE"))
    }

    @Test func aCoordinatorThatIsDownOrGoesAwayIsNotAHandshakeFailure() {
        var w = HandshakeWatch(limit: 2)
        // Nothing listening: libzmq retries the connect, no connection is made.
        for _ in 0..<10 { #expect(w.observe(.connectRetried, value: 100) == .none) }
        // A working session that ends (coordinator killed): not a failure either.
        #expect(w.observe(.connected, value: 7) == .none)
        #expect(w.observe(.handshakeSucceeded, value: 0) == .none)
        #expect(w.observe(.disconnected, value: 7) == .none)
        #expect(w.failures == 0)
        // A success in between resets the count.
        _ = w.observe(.handshakeFailedProtocol, value: 1)
        _ = w.observe(.handshakeSucceeded, value: 0)
        #expect(w.observe(.handshakeFailedProtocol, value: 1) == .retry(first: true))
    }
}
