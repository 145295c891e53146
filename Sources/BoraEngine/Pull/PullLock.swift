import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a lock file, so two pulls of the same file (in one process or two) never write
/// the same partial download. The kernel drops the lock when the process dies, so a crash leaves none behind.
final class PullLock: @unchecked Sendable {
    private let fd: Int32

    /// Takes the lock, polling every 200 ms while another pull holds it; `waiting` is called once if so.
    init(path: String, waiting: () -> Void) async throws(EngineError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .download(url: path, message: "cannot create the lock file: \(String(cString: strerror(errno))); check that $BORA_HOME is writable")
        }
        var told = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if !told { waiting(); told = true }
            do { try await Task.sleep(nanoseconds: 200_000_000) } catch {
                close(fd)
                throw .download(url: path, message: "cancelled while waiting for another pull of the same file")
            }
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
