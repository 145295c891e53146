import BoraEngine
import BoraServer
import BoraTokenizers
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The real small model, loaded once, and servers over it.
enum ServerFixture {
    static let loaded: Result<LoadedModel, any Error> = Result { try LoadedModel(path: try TestPaths.smolLM2()) }

    static func server(apiKey: String? = nil, parallel: Int = 1, queue: Int = 4, context: Int = 256,
                       maxBody: Int = 1 << 20) throws -> BoraServer {
        var c = ServerConfiguration()
        c.host = "127.0.0.1"
        c.port = 0
        c.apiKey = apiKey
        c.parallel = parallel
        c.queueLimit = queue
        c.contextLength = context
        c.threads = 1
        c.maxBodyBytes = maxBody
        var logger = Logger(label: "bora.test")
        logger.logLevel = .warning
        return try BoraServer(loaded: try loaded.get(), configuration: c, logger: logger)
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]
}

extension TestResponse {
    var text: String { String(buffer: body) }
    func json() throws -> JSONValue { try JSONValue(parsing: text) }
}

extension TestClientProtocol {
    func post(_ uri: String, _ body: String, headers: HTTPFields = ServerFixture.jsonHeaders) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }
}
