import Testing
@testable import Ingestion

@Suite struct RetryPolicyTests {
    @Test func retryAfterIsHonouredButZeroIsNoHint() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        var rng = SystemRandomNumberGenerator()
        #expect(policy.delay(retry: 1, retryAfterSeconds: 3, random: &rng) == .seconds(3))
        let zero = policy.delay(retry: 1, retryAfterSeconds: 0, random: &rng)
        #expect(zero >= .milliseconds(50) && zero <= .milliseconds(100))
        let capped = policy.delay(retry: 20, retryAfterSeconds: nil, random: &rng)
        #expect(capped <= .seconds(1) && capped >= .milliseconds(500))
        #expect(RetryPolicy.parseRetryAfter(" 7 ") == 7)
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
        #expect(RetryPolicy.parseRetryAfter("-1") == nil)
    }

    @Test func secretsNeverPrint() {
        let secret = Secret("s3cr3t-value")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        #expect(!"\([secret])".contains("s3cr3t"))
        // Bytes that echo it keep everything else.
        func redacted(_ text: String) -> String { String(decoding: secret.redacting(Array(text.utf8)), as: UTF8.self) }
        #expect(redacted("token=s3cr3t-value&again=s3cr3t-values3cr3t-value") == "token=<redacted>&again=<redacted><redacted>")
        #expect(redacted("s3cr3t-valu") == "s3cr3t-valu")
        #expect(redacted("") == "")
    }
}
