import Testing

@testable import Cluster

#if canImport(Glibc)
    import Glibc
#endif

/// The one stop request every mode shares (`run`, `run --inline`, `coordinator`, `worker`).
@Suite struct StopRequestTests {
    @Test func countsRequestsAndKeepsTheFirstSignal() {
        let stop = StopRequest()
        #expect(stop.count == 0 && stop.signal == 0)
        #expect(stop.request(signal: SIGTERM) == 1)
        #expect(stop.request(signal: SIGINT) == 2)
        #expect(stop.count == 2)
        #expect(stop.signal == SIGTERM)  // the exit status is 128 + the first signal
    }

    @Test func aRequestWithoutASignalLeavesTheSignalZero() {
        let stop = StopRequest()
        stop.request()
        #expect(stop.count == 1 && stop.signal == 0)
    }
}
