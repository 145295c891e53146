extension GrammarMatcher {
    /// How many copies each family (`Grammar.repetitions`) is moved on: family -> copies.
    typealias Shift = [Int32: Int32]

    /// A state that takes the same steps as `s` on every input of at most `horizon` bytes: `s` with each long
    /// repetition it is deep inside (more than `horizon` copies still to come) moved back to its first copy,
    /// and how far each was moved (`shifted(_:by:)` with it maps the canonical state's successors to `s`'s).
    /// Nil when there is nothing to move, or a family appears at two different copies in `s`.
    func canonical(_ s: State, horizon: Int) throws(GrammarError) -> (state: State, shift: Shift)? {
        let reps = grammar.repetitions
        guard !reps.copies.isEmpty, s > 0 else { return nil }
        var found: Shift = [:], mixed = Set<Int32>()
        for top in sets[Int(s)] where top != Self.accept {
            var n = top
            while n >= 0 {
                let p = Int(nodePos[Int(n)])
                let f = reps.family[p]
                if f >= 0 {
                    if let i = found[f], i != reps.copy[p] { mixed.insert(f) } else { found[f] = reps.copy[p] }
                }
                n = nodeParent[Int(n)]
            }
        }
        var back: Shift = [:]
        for (f, i) in found where !mixed.contains(f) && i > 0 && reps.copies[Int(f)].count - Int(i) > horizon { back[f] = -i }
        guard !back.isEmpty, let c = try shifted(s, by: back) else { return nil }
        return (c, back.mapValues { -$0 })
    }

    /// `s` with every node in a family of `shift` moved that many copies on (its parents too); nil when one
    /// would leave its family.
    func shifted(_ s: State, by shift: Shift) throws(GrammarError) -> State? {
        let reps = grammar.repetitions
        var memo: [Int32: Int32] = [-1: -1]
        func move(_ n: Int32) throws(GrammarError) -> Int32? {
            if let m = memo[n] { return m }
            guard let parent = try move(nodeParent[Int(n)]) else { return nil }
            let p = Int(nodePos[Int(n)])
            var q = p
            let f = reps.family[p]
            if f >= 0, let d = shift[f] {
                let i = Int(reps.copy[p]) + Int(d)
                guard i >= 0, i < reps.copies[Int(f)].count else { return nil }
                q = Int(reps.copies[Int(f)][i]) + Int(reps.offset[p])
                guard q < reps.family.count, reps.family[q] == f, Int(reps.copy[q]) == i, reps.offset[q] == reps.offset[p] else {
                    return nil
                }
            }
            let m = q == p && parent == nodeParent[Int(n)] ? n : try node(q, parent)
            memo[n] = m
            return m
        }
        var out: [Int32] = []
        for top in sets[Int(s)] {
            if top == Self.accept {
                out.append(top)
            } else {
                guard let m = try move(top) else { return nil }
                out.append(m)
            }
        }
        return try intern(out)
    }
}
