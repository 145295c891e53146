import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Serve {
    /// True when `port` on the IPv4 address `host` cannot be bound because something listens there
    /// (EADDRINUSE); false when it is free or `host` is not an IPv4 address (the server then reports it).
    static func portInUse(host: String, port: Int) -> Bool {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &addr.sin_addr) == 1 else { return false }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound != 0 && errno == EADDRINUSE
    }

    static func portInUseMessage(host: String, port: Int) -> String {
        "error: port \(port) on \(host) is already in use (another `bora serve`?): choose another with --port, or stop the program listening there (`ss -ltnp | grep :\(port)`)\n"
    }
}
