#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import VendorSandbox

let copperBase = "/developer_api/v1"
let copperToken = "sandbox-copper-token"
let copperAuth = [("X-PW-AccessToken", copperToken), ("X-PW-Application", "developer_api"), ("X-PW-UserEmail", "admin@reseller.example")]
let copperJSON = copperAuth + [("Content-Type", "application/json")]

/// A sandbox with `companies` Copper companies (Copaco + 2tCloud demo data for the claims) and,
/// unless `configure` says otherwise, a rate limit high enough not to get in the way.
func withCopperSandbox<T>(companies: Int = 1_234,
                          configure: @escaping (inout SandboxConfiguration) -> Void = { _ in },
                          _ body: (VendorSandbox, Int) async throws -> T) async throws -> T {
    try await withSandbox(configure: { configuration in
        configuration.twotcloudData = twotData
        configuration.copperCompanies = companies
        configuration.copperRateLimit = 1_000_000
        configure(&configuration)
    }, body)
}

extension RawHTTP {
    /// One request with a body (`Content-Length` framing), on its own thread.
    static func exchange(port: Int, _ method: String, _ target: String, headers: [(String, String)] = copperJSON, body: String? = nil,
                     timeout: Double = patience) async throws -> RawResponse {
        let bytes = body.map { Array($0.utf8) }
        return try await onThread { try request(port: port, target: target, headers: headers, method: method, body: bytes, timeout: timeout) }
    }
}

/// Reading Copper answers with the tests' own JSON reader.
enum CopperServed {
    static func search(_ port: Int, _ body: String) async throws -> (response: RawResponse, companies: [TJ]) {
        let response = try await RawHTTP.exchange(port: port, "POST", copperBase + "/companies/search", body: body)
        guard response.status == 200 else { return (response, []) }
        return (response, try TJ.parse(response.body).array)
    }

    static func id(_ company: TJ) -> Int { Int(company["id"]?.numberText ?? "") ?? -1 }
    static func modified(_ company: TJ) -> Int { Int(company["date_modified"]?.numberText ?? "") ?? -1 }
    static func created(_ company: TJ) -> Int { Int(company["date_created"]?.numberText ?? "") ?? -1 }

    /// The value of a custom field in a served company (nil: not there).
    static func field(_ company: TJ, _ definitionID: Int) -> TJ? {
        company["custom_fields"]?.array.first { $0["custom_field_definition_id"]?.numberText == String(definitionID) }?["value"]
    }

    static func message(_ response: RawResponse) -> String {
        (try? TJ.parse(response.body))?["message"]?.string ?? ""
    }

    /// Every page of one search (page_size 200) until a short page.
    static func allPages(_ port: Int, filters: String = "", sort: String = "\"sort_by\":\"date_modified\",\"sort_direction\":\"asc\"",
                         pageSize: Int = 200) async throws -> (pages: [[TJ]], totals: [Int]) {
        var pages: [[TJ]] = []
        var totals: [Int] = []
        var number = 1
        while number < 10_000 {
            let body = "{\"page_size\":\(pageSize),\"page_number\":\(number)\(sort.isEmpty ? "" : ",\(sort)")\(filters.isEmpty ? "" : ",\(filters)")}"
            let (response, companies) = try await search(port, body)
            guard response.status == 200 else { throw RawHTTPError.malformed("search answered \(response.status): \(response.text)") }
            totals.append(Int(response.header("X-PW-TOTAL") ?? "") ?? -1)
            pages.append(companies)
            if companies.count < pageSize { break }
            number += 1
        }
        return (pages, totals)
    }
}
