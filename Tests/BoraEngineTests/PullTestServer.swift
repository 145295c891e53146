import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for the pull tests: one thread per connection, `Connection: close`,
/// byte ranges, and a hook that cuts a response short to simulate an interrupted transfer.
final class PullTestServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var range: (Int, Int?)? {
            guard let r = headers["range"], r.hasPrefix("bytes=") else { return nil }
            let parts = r.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = Int(parts[0]) else { return nil }
            return (a, Int(parts[1]))
        }
    }

    struct Response {
        var status: Int
        var headers: [String: String] = [:]
        var body: [UInt8] = []
        /// Close the connection after this many body bytes (the head still states the full length).
        var cutAfter: Int?
    }

    private let fd: Int32
    let port: Int
    private let lock = NSLock()
    private var log: [Request] = []
    private let handler: @Sendable (Request) -> Response

    var base: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { lock.lock(); defer { lock.unlock() }; return log }

    init(handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        self.fd = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }

    private func acceptLoop() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while !data.suffix(4).elementsEqual("\r\n\r\n".utf8) {
            let n = read(client, &buf, buf.count)
            if n <= 0 { return }
            data += buf[0..<n]
        }
        let lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n")
        let first = lines[0].split(separator: " ")
        guard first.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let request = Request(method: String(first[0]), path: String(first[1]), headers: headers)
        lock.lock(); log.append(request); lock.unlock()
        let r = handler(request)
        var head = "HTTP/1.1 \(r.status) X\r\nConnection: close\r\n"
        var fields = r.headers
        if fields["Content-Length"] == nil { fields["Content-Length"] = String(r.body.count) }
        for (k, v) in fields { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        guard writeAll(client, Array(head.utf8)), request.method != "HEAD" else { return }
        _ = writeAll(client, r.cutAfter.map { Array(r.body.prefix($0)) } ?? r.body)
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    /// A file served with byte ranges (206 + Content-Range), as a CDN does.
    static func file(_ bytes: [UInt8], for request: Request, headers: [String: String] = [:]) -> Response {
        var h = headers
        h["Accept-Ranges"] = "bytes"
        guard let (a, b) = request.range else {
            h["Content-Length"] = String(bytes.count)
            return Response(status: 200, headers: h, body: request.method == "HEAD" ? [] : bytes)
        }
        let end = min(b ?? bytes.count - 1, bytes.count - 1)
        guard a <= end else { return Response(status: 416) }
        h["Content-Range"] = "bytes \(a)-\(end)/\(bytes.count)"
        return Response(status: 206, headers: h, body: Array(bytes[a...end]))
    }
}
