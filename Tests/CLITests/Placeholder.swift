import Foundation
import Testing
import TestSupport

@Suite struct TopLevelCLITests {
    @Test func helpListsUsageAndExitsZero() throws {
        let out = try runProcess(["--help"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("usage: dmfsweep COMMAND"))
    }

    @Test func unknownCommandIsOneLineUsageError() throws {
        let out = try runProcess(["frobnicate"])
        #expect(out.status == 2)
        #expect(out.stderr.split(separator: "\n").count == 1)
        #expect(out.stderr.contains("unknown command 'frobnicate'"))
    }
}
