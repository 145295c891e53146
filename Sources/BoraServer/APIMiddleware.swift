import Foundation
import Hummingbird
import Logging

/// The one place errors become responses, wrapped around every route: checks the API key (every route but
/// `/health`), maps any error to the APIs' `{"error": {...}}` shape, counts each request for `/metrics`, and
/// logs it with its id, sizes and timing (never its body).
struct APIMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKey: String?
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            try authorize(request)
            response = try await next(request, context)
        } catch {
            response = Self.apiError(for: error).response()
        }
        metrics.request(path: request.uri.path, status: Int(response.status.code))
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
            "request_bytes": "\(request.headers[.contentLength] ?? "-")",
            "response_bytes": "\(response.body.contentLength.map(String.init) ?? "stream")",
            "ms": "\((ms * 10).rounded() / 10)",
        ])
        return response
    }

    func authorize(_ request: Request) throws(APIError) {
        guard let apiKey, request.uri.path != "/health" else { return }
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, "no API key: send the header Authorization: Bearer <key>",
                           type: "authentication_error", code: "missing_api_key")
        }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), Self.constantTimeEqual(String(header.dropFirst(prefix.count)), apiKey) else {
            throw APIError(.unauthorized, "invalid API key", type: "authentication_error", code: "invalid_api_key")
        }
    }

    /// Compares without stopping at the first difference, so timing says nothing about the key.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return diff == 0
    }

    static func apiError(for error: any Error) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case let e as any HTTPResponseError where e.status == .contentTooLarge:
            return APIError(.contentTooLarge, "the request body is too large", code: "request_too_large")
        case let e as any HTTPResponseError where e.status == .notFound:
            return APIError(.notFound, "no such route: see GET /v1/models, /health, /metrics, POST /v1/chat/completions, /v1/completions, /v1/fim/completions, /v1/embeddings",
                            code: "not_found")
        case let e as any HTTPResponseError where e.status == .methodNotAllowed:
            return APIError(.methodNotAllowed, "method not allowed on this route", code: "method_not_allowed")
        case let e as any HTTPResponseError:
            return APIError(e.status, "\(e)", type: e.status.code >= 500 ? "server_error" : "invalid_request_error")
        case is CancellationError:
            return APIError(.init(code: 499, reasonPhrase: "Client Closed Request"), "the request was cancelled", type: "cancelled")
        default:
            return APIError(.internalServerError, "internal error: \(error)", type: "server_error")
        }
    }
}
