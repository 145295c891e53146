import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The status line and headers of an HTTP response (header names lowercased).
struct HTTPHead: Sendable {
    var status: Int
    var headers: [String: String]

    subscript(_ name: String) -> String? { headers[name.lowercased()] }
    var contentLength: Int? { self["content-length"].flatMap { Int($0) } }
}

/// Streams HTTP responses through Foundation's URLSession (libcurl on Linux): no extra dependency, and
/// each body piece is handed over as it arrives, so a download never sits in memory.
enum HTTPStream {
    /// Requests `url` and hands the response head, then each body piece, to the callbacks (on one serial
    /// queue). A callback that throws cancels the transfer and that error is rethrown. Redirects are followed.
    static func fetch(_ url: URL, method: String = "GET", headers: [String: String] = [:],
                      onHead: @escaping @Sendable (HTTPHead) throws -> Void = { _ in },
                      onData: @escaping @Sendable (Data) throws -> Void = { _ in }) async throws -> HTTPHead {
        var request = URLRequest(url: url)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let delegate = StreamDelegate(onHead: onHead, onData: onData)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPHead, Error>) in
                delegate.start(c)
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    /// A whole (small) body: API listings, `.sha256` files.
    static func get(_ url: URL, headers: [String: String] = [:], limit: Int = 64 << 20) async throws -> (HTTPHead, Data) {
        let body = LockedBox(Data())
        let head = try await fetch(url, headers: headers, onData: { piece in
            try body.withLock { data in
                guard data.count + piece.count <= limit else {
                    throw EngineError.download(url: url.absoluteString, message: "the response is larger than \(limit) bytes; this is not a listing or hash file")
                }
                data.append(piece)
            }
        })
        return (head, body.withLock { $0 })
    }
}

/// URLSession's delegate for one task: forwards the head and body, resumes the continuation once.
private final class StreamDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let onHead: @Sendable (HTTPHead) throws -> Void
    let onData: @Sendable (Data) throws -> Void
    // Touched only on the session's serial delegate queue, and in `start` before the task runs.
    private var continuation: CheckedContinuation<HTTPHead, Error>?
    private var head: HTTPHead?
    private var failure: Error?

    init(onHead: @escaping @Sendable (HTTPHead) throws -> Void, onData: @escaping @Sendable (Data) throws -> Void) {
        self.onHead = onHead
        self.onData = onData
    }

    func start(_ c: CheckedContinuation<HTTPHead, Error>) { continuation = c }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        var headers: [String: String] = [:]
        let http = response as? HTTPURLResponse
        for (k, v) in http?.allHeaderFields ?? [:] {
            if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
        }
        let h = HTTPHead(status: http?.statusCode ?? 0, headers: headers)
        head = h
        do {
            try onHead(h)
            completionHandler(.allow)
        } catch {
            failure = error
            completionHandler(.cancel)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil else { return }
        do { try onData(data) } catch {
            failure = error
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let c = continuation else { return }
        continuation = nil
        if let failure { c.resume(throwing: failure) }
        else if let error { c.resume(throwing: error) }
        else if let head { c.resume(returning: head) }
        else { c.resume(throwing: URLError(.badServerResponse)) }
    }
}

/// A value behind a lock, for state shared between download tasks and URLSession's queues.
final class LockedBox<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
