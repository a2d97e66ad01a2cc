import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import VendorSandbox

/// The sandbox's router without a socket (HummingbirdTesting's router mode): the order its
/// middleware answers in, and what the request log keeps of each answer.
@Suite struct SandboxRouterTests {
    static let configuration: SandboxConfiguration = {
        var configuration = SandboxConfiguration.demo(today: "2026-03-31", seed: 3)
        configuration.copperCompanies = 3
        return configuration
    }()

    /// Runs `body` against a fresh core's router, then hands back the core for its log.
    func withRouter(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws -> SandboxCore {
        let core = SandboxCore(configuration: Self.configuration, faults: SandboxFaults())
        try await Application(router: core.makeRouter()).test(.router, body)
        return core
    }

    static func text(_ response: TestResponse) -> String { String(buffer: response.body) }

    @Test func aWrongMethodIsRefusedBeforeTheKeyIsLookedAt() async throws {
        let core = try await withRouter { client in
            try await client.execute(uri: "/api/v1/invoices", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
            }
            try await client.execute(uri: "/developer_api/v1/companies/7", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, PUT")
            }
            try await client.execute(uri: "/api/v1/invoices", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(Self.text(response).contains("X-Api-Key"))
            }
        }
        let log = core.state.withLock { $0.log }
        #expect(log.map(\.status) == [405, 405, 401])
        #expect(log.map(\.credential) == [.notChecked, .notChecked, .missing])
    }

    @Test func eachVendorWordsItsOwnNotFound() async throws {
        _ = try await withRouter { client in
            try await client.execute(uri: "/api/v1/nothing", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(Self.text(response).contains("/api/v1/customer-specifications"))
            }
            try await client.execute(uri: "/v9/invoices", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(Self.text(response).contains("API version 'v9' is not served"))
            }
            try await client.execute(uri: "/V2/nothing", method: .post) { response in
                #expect(response.status == .notFound, "an unknown endpoint is not found before its method is refused")
                #expect(Self.text(response).contains("/v2/consolidatedinvoices"))
            }
            try await client.execute(uri: "/developer_api/v1/companies/abc", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(Self.text(response).contains("GET|PUT /companies/{id}"))
            }
            try await client.execute(uri: "/elsewhere", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func twoTCloudPathsIgnoreLetterCase() async throws {
        _ = try await withRouter { client in
            var headers = HTTPFields()
            headers[.authorization] = "Basic " + Data("\(Self.configuration.twotcloudAccountID):\(Self.configuration.twotcloudAPIKey)".utf8).base64EncodedString()
            headers[.accept] = "application/json"
            try await client.execute(uri: "/V2/CustomerInvoices?startDate=20260101&endDate=20260331", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(Self.text(response).hasPrefix("{\"Invoices\":["))
            }
        }
    }

    @Test func anArmedStatusFaultAnswersBeforeRoutingAndIsLogged() async throws {
        let core = SandboxCore(configuration: Self.configuration, faults: SandboxFaults())
        core.faults.failNext(1, status: 502, path: "/elsewhere")
        try await Application(router: core.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/elsewhere", method: .get) { response in
                #expect(response.status == .badGateway)
            }
            try await client.execute(uri: "/elsewhere", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
        let log = core.state.withLock { $0.log }
        #expect(log.map(\.fault) == ["status-502", nil])
    }
}
