/// Finds stop sequences in streamed text. Text that might be the start of a stop sequence is held back until
/// the next piece decides it, so a client never sees any part of a stop sequence (OpenAI's and Mistral's
/// behaviour: the stop sequence is not included in the output).
struct StopMatcher {
    let stops: [String]
    private var pending = ""
    private(set) var stopped = false

    init(_ stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Adds generated text; returns the text safe to emit now.
    mutating func feed(_ piece: String) -> String {
        guard !stopped else { return "" }
        guard !stops.isEmpty else { return piece }
        pending += piece
        // The earliest complete stop sequence ends the text.
        var cut: String.Index?
        for stop in stops {
            if let r = pending.range(of: stop), cut.map({ r.lowerBound < $0 }) ?? true { cut = r.lowerBound }
        }
        if let cut {
            stopped = true
            let out = String(pending[..<cut])
            pending = ""
            return out
        }
        // Hold back the longest suffix that is a prefix of some stop sequence.
        var hold = 0
        for stop in stops {
            var n = min(stop.count - 1, pending.count)
            while n > hold {
                if stop.hasPrefix(pending.suffix(n)) { hold = n; break }
                n -= 1
            }
        }
        let out = String(pending.dropLast(hold))
        pending = String(pending.suffix(hold))
        return out
    }

    /// The held-back text, when generation ends without a stop sequence.
    mutating func flush() -> String {
        defer { pending = "" }
        return stopped ? "" : pending
    }
}
