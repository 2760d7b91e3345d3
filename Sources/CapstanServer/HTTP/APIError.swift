import Foundation
import Hummingbird
import NIOCore

/// Every error the HTTP surface answers with: a status, a short machine
/// name and a reason for people. WHIP resources answer `text/plain` (what
/// WHIP clients log); REST answers a JSON `{"error", "reason"}` body.
public struct APIError: HTTPResponseError {
    public enum Format: Sendable { case text, json }

    public let status: HTTPResponse.Status
    public let error: String
    public let reason: String
    public let format: Format
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ error: String, _ reason: String, format: Format = .json) {
        self.status = status
        self.error = error
        self.reason = reason
        self.format = format
    }

    /// A signalling failure (bad offer, no session, limits) as WHIP text or REST JSON.
    init(_ failure: SignallingError, format: Format) {
        let name = switch failure {
        case .badRequest: "bad-request"
        case .notFound: "not-found"
        case .preconditionFailed: "precondition-failed"
        case .conflict: "conflict"
        case .unavailable: "unavailable"
        case .tooManyRequests: "too-many-sessions"
        case .unsupportedCodecs: "unsupported-codecs"
        }
        self.init(HTTPResponse.Status(code: failure.status), name, failure.reason, format: format)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        let body: ByteBuffer
        switch format {
        case .text:
            headers[.contentType] = "text/plain; charset=utf-8"
            body = ByteBuffer(string: reason + "\n")
        case .json:
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: Array((try? JSONEncoder.capstan.encode(ErrorBody(error: error, reason: reason))) ?? Data()))
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}

extension JSONEncoder {
    /// Sorted keys: stable bodies for people and tests.
    static var capstan: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

/// A JSON response.
func jsonResponse<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    Response(status: status, headers: [.contentType: "application/json"],
             body: .init(byteBuffer: ByteBuffer(bytes: Array(try JSONEncoder.capstan.encode(value)))))
}

extension Request {
    /// The body up to `limit` bytes; a larger one is a 413.
    func collectBody(upTo limit: Int, format: APIError.Format) async throws -> ByteBuffer {
        do { return try await body.collect(upTo: limit) } catch {
            throw APIError(.contentTooLarge, "too-large", "body larger than \(limit) bytes", format: format)
        }
    }

    /// Refuses a body that is not `mediaType` (415): `text/plain` must not
    /// pass for JSON, nor anything else for SDP.
    func requireContentType(_ mediaType: String, format: APIError.Format) throws {
        let value = headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard value == mediaType else {
            throw APIError(.unsupportedMediaType, "unsupported-media-type",
                           "Content-Type must be \(mediaType) (got \(headers[.contentType] ?? "none"))", format: format)
        }
    }
}
