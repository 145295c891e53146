/// Long repetitions of a grammar, for the mask cache. `x{m,n}` is lowered to m copies of x in a row, then a
/// chain of n - m rules `opt ::= x opt' | ""` (the last without `opt'`). Such a family's copies are alike: a
/// parse state at copy i with more than h copies after it takes the same steps, on any input of at most h
/// bytes, as the state at copy 0 with the same surroundings, since every copy takes at least a byte and
/// neither can reach the family's end (`GrammarMatcher.canonical`). Inside a string with a length bound every
/// character is a new state; this lets them share one mask.
struct Repetitions: Sendable {
    /// Each family's copies, as the element position where each starts, first copy first.
    var copies: [[Int32]] = []
    /// Per element position: its family (-1: none), its copy's index, and its offset from the copy's start.
    var family: [Int32] = []
    var copy: [Int32] = []
    var offset: [Int32] = []

    /// Shorter families are not recorded (no vocabulary's tokens are that short).
    static let minimumCopies = 16
}

extension Grammar {
    /// Finds the families: runs of one element (a character class, or a rule that takes at least a byte)
    /// repeated in an alternative, and chains of optional rules with the same body. A family whose copies can
    /// reach the rules that hold it (a recursive grammar, where a copy can start a new instance of the same
    /// family) is left out: moving all of its positions by the same count would not follow the parse.
    func findRepetitions() -> Repetitions {
        let n = elements.count
        var r = Repetitions(family: [Int32](repeating: -1, count: n), copy: [Int32](repeating: 0, count: n),
                            offset: [Int32](repeating: 0, count: n))
        var ruleOf = [Int](repeating: -1, count: n)
        for (rule, starts) in alternatives.enumerated() {
            for s in starts { for p in s..<end(of: s) { ruleOf[p] = rule } }
        }
        func minBytes(_ e: Element) -> Int {
            switch e {
            case let .chars(c): classes[c].minBytes
            case let .rule(x): ruleMinBytes[x]
            case .end: 0
            }
        }
        func add(_ copies: [(start: Int, count: Int)], holders: Set<Int>, body: ArraySlice<Element>) {
            guard copies.count >= Repetitions.minimumCopies, body.map(minBytes).reduce(0, +) >= 1,
                  reachableRules(from: body).isDisjoint(with: holders),
                  copies.allSatisfy({ c in (c.start..<c.start + c.count).allSatisfy { r.family[$0] < 0 } }) else { return }
            let f = Int32(r.copies.count)
            for (i, c) in copies.enumerated() {
                for p in c.start..<c.start + c.count {
                    r.family[p] = f
                    r.copy[p] = Int32(i)
                    r.offset[p] = Int32(p - c.start)
                }
            }
            r.copies.append(copies.map { Int32($0.start) })
        }
        // Runs of one element.
        for starts in alternatives {
            for s in starts {
                var p = s
                while elements[p] != .end {
                    var q = p + 1
                    while elements[q] == elements[p] { q += 1 }
                    add((p..<q).map { ($0, 1) }, holders: [ruleOf[p]], body: elements[p...p])
                    p = q
                }
            }
        }
        // Chains of optional rules: link -> (start of its non-empty alternative, body, next link).
        var links: [Int: (start: Int, body: ArraySlice<Element>, next: Int?)] = [:]
        for (rule, starts) in alternatives.enumerated() where starts.count == 2 {
            let empty = starts.filter { elements[$0] == .end }
            guard empty.count == 1, let start = starts.first(where: { elements[$0] != .end }) else { continue }
            let all = elements[start..<end(of: start)]
            if case let .rule(next)? = all.last, next != rule {
                links[rule] = (start, all.dropLast(), next)
            } else {
                links[rule] = (start, all, nil)
            }
        }
        func follow(_ rule: Int) -> Int? {
            guard let link = links[rule], let next = link.next, let after = links[next], after.body == link.body else { return nil }
            return next
        }
        let followers = Set(links.keys.compactMap(follow))
        for head in links.keys.sorted() where !followers.contains(head) {
            var chain = [head]
            while chain.count <= links.count, let next = follow(chain[chain.count - 1]) { chain.append(next) }
            guard let body = links[head]?.body else { continue }
            let copies = chain.compactMap { rule in links[rule].map { (start: $0.start, count: end(of: $0.start) - $0.start) } }
            add(copies, holders: Set(chain), body: body)
        }
        return r
    }

    /// The position of the `.end` of the alternative starting at `start`.
    private func end(of start: Int) -> Int {
        var p = start
        while elements[p] != .end { p += 1 }
        return p
    }

    /// Every rule that expanding these elements can reach.
    private func reachableRules(from body: ArraySlice<Element>) -> Set<Int> {
        var seen = Set<Int>(), stack: [Int] = []
        for case let .rule(x) in body where seen.insert(x).inserted { stack.append(x) }
        while let x = stack.popLast() {
            for s in alternatives[x] {
                for case let .rule(y) in elements[s..<end(of: s)] where seen.insert(y).inserted { stack.append(y) }
            }
        }
        return seen
    }
}
