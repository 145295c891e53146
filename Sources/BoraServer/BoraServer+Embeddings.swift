import BoraEngine
import BoraTokenizers
import Foundation
import Hummingbird

extension BoraServer {
    /// Most inputs in one embeddings request.
    static let maxEmbeddingInputs = 256

    /// `POST /v1/embeddings` (OpenAI's and Mistral's shape): `input` is a string, a list of strings, a list
    /// of token ids or a list of such lists; `encoding_format` "float" (default) or "base64" (little-endian
    /// float32, as OpenAI sends it). Each vector is the mean of the final hidden states, unit length.
    func embeddings(_ request: Request) async throws -> Response {
        let f = try JSONFields(try await readBody(request))
        if let model = try f.string("model"), model != card.id { throw Self.unknownModel(model, served: card.id) }
        let base64: Bool
        switch try f.string("encoding_format") {
        case nil, "float"?: base64 = false
        case "base64"?: base64 = true
        case let other?: throw APIError.invalid("encoding_format", "encoding_format must be \"float\" or \"base64\", got \"\(other)\"")
        }
        let width = loaded.config.embeddingLength
        for key in ["dimensions", "output_dimension"] {
            if let d = try f.int(key), d != width {
                throw APIError.unsupported(key, "this model's embeddings have \(width) dimensions; Bora does not shorten them: send \(width) or leave \(key) out")
            }
        }
        if let dtype = try f.string("output_dtype"), dtype != "float" {
            throw APIError.unsupported("output_dtype", "output_dtype \"\(dtype)\" is not supported; send \"float\" or leave it out")
        }
        let inputs = try embeddingInputs(f)
        let vectors: [[Float]] = try await withCheckedThrowingContinuation { c in
            engine.perform { session in
                do {
                    c.resume(returning: try inputs.map { try Embeddings.embed($0, session: session) })
                } catch {
                    c.resume(throwing: APIError(.internalServerError, "embedding failed: \(error)", type: "server_error"))
                }
            }
        }
        let tokens = inputs.reduce(0) { $0 + $1.count }
        let data: [JSONValue] = vectors.enumerated().map { i, v in
            .object([("object", .string("embedding")), ("index", .int(i)),
                     ("embedding", base64 ? .string(Self.base64(v)) : .array(v.map { .double(Double($0)) }))])
        }
        return Self.json(.object([
            ("id", .string("embd-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())),
            ("object", .string("list")), ("data", .array(data)), ("model", .string(card.id)),
            ("usage", .object([("prompt_tokens", .int(tokens)), ("total_tokens", .int(tokens))])),
        ]))
    }

    /// `input` as token lists, each checked against the context window.
    func embeddingInputs(_ f: JSONFields) throws(APIError) -> [[Int]] {
        guard let input = f.value("input") else {
            throw APIError(.badRequest, "input is required: a string or a list of strings (or of token ids)", param: "input", code: "missing_required_parameter")
        }
        let items: [JSONValue]
        if input.string != nil { items = [input] } else if let list = input.array {
            // A flat list of token ids is one input.
            items = list.allSatisfy({ if case .int = $0 { true } else { false } }) && !list.isEmpty ? [input] : list
        } else {
            throw APIError.invalid("input", "input must be a string, a list of strings, or token ids, got \(JSONFields.kind(input))")
        }
        guard !items.isEmpty else { throw APIError.invalid("input", "input is empty: give at least one string") }
        guard items.count <= Self.maxEmbeddingInputs else {
            throw APIError.invalid("input", "input has \(items.count) items; at most \(Self.maxEmbeddingInputs) per request")
        }
        let vocab = loaded.config.vocabularySize
        return try items.enumerated().map { (i, item) throws(APIError) -> [Int] in
            let tokens: [Int]
            if let text = item.string {
                guard !text.isEmpty else { throw APIError.invalid("input", "input[\(i)] is an empty string") }
                do { tokens = try loaded.tokenize(text, addBos: nil) } catch {
                    throw APIError(.badRequest, "input[\(i)] cannot be tokenized: \(error)", param: "input", code: "invalid_value")
                }
            } else if let ids = item.array, !ids.isEmpty {
                tokens = try ids.map { (id) throws(APIError) -> Int in
                    guard case let .int(t) = id, (0..<vocab).contains(t) else {
                        throw APIError.invalid("input", "input[\(i)] must hold token ids of this model (0..<\(vocab))")
                    }
                    return t
                }
            } else {
                throw APIError.invalid("input", "input[\(i)] must be a non-empty string or list of token ids, got \(JSONFields.kind(item))")
            }
            guard tokens.count <= contextLength else {
                throw APIError(.badRequest, "input[\(i)] is \(tokens.count) tokens; the context window is \(contextLength). Shorten it or split it.",
                               param: "input", code: "context_length_exceeded")
            }
            return tokens
        }
    }

    /// The floats as little-endian float32 bytes, base64.
    static func base64(_ v: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(v.count * 4)
        for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return Data(bytes).base64EncodedString()
    }
}
