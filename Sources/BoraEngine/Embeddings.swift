import BoraModels

/// Text embeddings from a decoder: the mean of the final hidden states (after the output norm) over the
/// input's tokens, scaled to unit length, as llama.cpp's server computes them with `--pooling mean`.
public enum Embeddings {
    /// One embedding (`embeddingLength` floats) of `tokens`, evaluated from an empty cache of `session`.
    public static func embed(_ tokens: [Int], session: DecoderSession) throws(EngineError) -> [Float] {
        var sum = [Double](repeating: 0, count: session.model.config.embeddingLength)
        session.reset()
        do {
            try session.evaluateHidden(tokens) { _, row in
                for i in row.indices { sum[i] += Double(row[i]) }
            }
        } catch let e as ModelError {
            throw .model(e)
        } catch {
            throw .invalidParameter("\(error)")
        }
        session.reset()
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return sum.map { Float(norm > 0 ? $0 / norm : 0) }
    }
}
