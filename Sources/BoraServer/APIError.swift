import BoraTokenizers
import Hummingbird

/// An error as OpenAI's and Mistral's APIs return it: an HTTP status and
/// `{"error": {"message", "type", "param", "code"}}` (Mistral's clients read the same shape).
/// Every error a route throws becomes one of these in `APIErrorMiddleware`, the one place that maps errors.
public struct APIError: Error, CustomStringConvertible, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?

    public init(_ status: HTTPResponse.Status, _ message: String, type: String = "invalid_request_error",
                param: String? = nil, code: String? = nil) {
        self.status = status; self.message = message; self.type = type; self.param = param; self.code = code
    }

    public var description: String { "\(status.code) \(type): \(message)" }

    /// A field with the wrong type or an invalid value (400).
    static func invalid(_ param: String, _ message: String) -> APIError {
        APIError(.badRequest, message, param: param, code: "invalid_value")
    }

    /// A valid value that Bora cannot honour yet (422): refused rather than ignored.
    static func unsupported(_ param: String, _ message: String) -> APIError {
        APIError(.unprocessableContent, message, param: param, code: "unsupported_value")
    }

    var json: JSONValue {
        .object([("error", .object([
            ("message", .string(message)), ("type", .string(type)),
            ("param", param.map { .string($0) } ?? .null), ("code", code.map { .string($0) } ?? .null),
        ]))])
    }

    func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: json.wire + "\n")))
    }
}
