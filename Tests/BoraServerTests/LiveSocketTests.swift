import BoraServer
import BoraTokenizers
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bare HTTP/1.1 client on a POSIX socket, to leave in the middle of a stream.
struct RawConnection {
    let fd: Int32

    init(port: Int) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(rc == 0, "cannot connect to 127.0.0.1:\(port)")
    }

    func send(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(fd, &bytes, bytes.count)
    }

    /// Reads until `marker` appears (or the peer closes), on a thread of its own: a read blocking one of
    /// the concurrency pool's few threads (two on a 2-core machine) could starve the very server it waits for.
    func read(until marker: String) async -> String {
        let fd = fd
        return await withCheckedContinuation { done in
            Thread { done.resume(returning: Self.blockingRead(fd, until: marker)) }.start()
        }
    }

    private static func blockingRead(_ fd: Int32, until marker: String) -> String {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains(marker) {
            let n = readFD(fd, &buffer, buffer.count)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() { closeFD(fd) }
}

@Suite("Real sockets on 127.0.0.1")
struct LiveSocketTests {
    @Test func chatOverTheNetwork() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            #expect(client.port != nil && client.port != 0)
            let r = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Say hi"}], "temperature": 0, "max_tokens": 3}"#)
            #expect(r.status == .ok)
            #expect(try r.json()["choices"]?.array?.first?["message"]?["content"]?.string?.isEmpty == false)
        }
    }

    /// With one slot, a client that leaves mid-stream must free it: the next request is served.
    @Test func disconnectFreesTheSlot() async throws {
        let server = try ServerFixture.server(parallel: 1, queue: 1)
        try await Application(router: server.makeRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let port = try #require(client.port)
            let body = #"{"prompt": "Once upon a time", "temperature": 0, "max_tokens": 200, "stream": true}"#
            let raw = try RawConnection(port: port)
            raw.send("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            let start = await raw.read(until: "\"text\":")
            #expect(start.hasPrefix("HTTP/1.1 200"))
            raw.close()
            // The slot comes back once the generation notices; this waits in the queue for it.
            let r = try await client.post("/v1/completions", #"{"prompt": "The capital of France is", "temperature": 0, "max_tokens": 2}"#)
            #expect(r.status == .ok, "\(r.text)")
        }
    }
}

#if canImport(Glibc)
private func readFD(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { Glibc.read(fd, buffer, count) }
private func closeFD(_ fd: Int32) { _ = Glibc.close(fd) }
#else
private func readFD(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { Darwin.read(fd, buffer, count) }
private func closeFD(_ fd: Int32) { _ = Darwin.close(fd) }
#endif
