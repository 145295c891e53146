extension Grammar {
    /// Most elements a compiled grammar may have (repetition counts multiply quickly).
    static let maxElements = 500_000

    /// Parses GBNF text (docs/grammar.md); the start rule is `root`.
    public init(gbnf source: String) throws(GrammarError) {
        var builder = GrammarBuilder()
        try builder.add(rules: try GrammarParser.parse(source))
        self = try builder.finish()
    }
}

/// Lowers parsed rules into `Grammar`'s flat layout, then checks it (left recursion, emptiness).
struct GrammarBuilder {
    enum Symbol { case chars(Int), rule(Int) }
    var names: [String] = []
    var index: [String: Int] = [:]
    var bodies: [[[Symbol]]] = []
    var classes: [CharClass] = []
    var classIndex: [[ClosedRange<UInt32>]: Int] = [:]
    var symbolCount = 0

    mutating func add(rules: [(String, GrammarExpr)]) throws(GrammarError) {
        for (name, _) in rules where index[name] == nil {
            index[name] = names.count
            names.append(name)
            bodies.append([])
        }
        for (name, expr) in rules {
            guard let r = index[name] else { continue }
            bodies[r] += try alternatives(expr)
        }
    }

    private mutating func newRule(_ hint: String) -> Int {
        let r = names.count
        names.append("\(hint)-\(r)")
        bodies.append([])
        return r
    }

    private mutating func classId(_ ranges: [ClosedRange<UInt32>], negated: Bool) -> Int {
        let c = CharClass(ranges, negated: negated)
        if let k = classIndex[c.ranges] { return k }
        classes.append(c)
        classIndex[c.ranges] = classes.count - 1
        return classes.count - 1
    }

    private mutating func alternatives(_ e: GrammarExpr) throws(GrammarError) -> [[Symbol]] {
        if case let .choice(items) = e {
            var out: [[Symbol]] = []
            for item in items { out += try alternatives(item) }
            return out
        }
        return [try sequence(e)]
    }

    private mutating func count(_ n: Int) throws(GrammarError) {
        symbolCount += n
        guard symbolCount <= Grammar.maxElements else {
            throw .tooLarge("more than \(Grammar.maxElements) elements after expanding repetitions; use smaller {m,n} counts")
        }
    }

    private mutating func sequence(_ e: GrammarExpr) throws(GrammarError) -> [Symbol] {
        switch e {
        case let .sequence(items):
            var out: [Symbol] = []
            for item in items { out += try sequence(item) }
            return out
        case let .literal(chars):
            try count(chars.count)
            return chars.map { .chars(classId([$0...$0], negated: false)) }
        case let .chars(ranges, negated):
            try count(1)
            return [.chars(classId(ranges, negated: negated))]
        case let .ref(name):
            guard let r = index[name] else { throw .undefinedRule(name) }
            try count(1)
            return [.rule(r)]
        case .choice:
            let r = newRule("group")
            bodies[r] = try alternatives(e)
            try count(1)
            return [.rule(r)]
        case let .repeated(x, min, max):
            let xs = try sequence(x)
            try count(xs.count * (min + (max.map { $0 - min } ?? 1)) + 2)
            var out: [Symbol] = []
            for _ in 0..<min { out += xs }
            if let max {
                var tail: Int?
                for _ in 0..<(max - min) {
                    let r = newRule("opt")
                    bodies[r] = [xs + (tail.map { [Symbol.rule($0)] } ?? []), []]
                    tail = r
                }
                if let tail { out.append(.rule(tail)) }
            } else {
                let r = newRule("star")
                bodies[r] = [xs + [.rule(r)], []]
                out.append(.rule(r))
            }
            return out
        }
    }

    mutating func finish(root rootName: String = "root") throws(GrammarError) -> Grammar {
        guard let root = index[rootName] else { throw .missingRoot }
        for (r, body) in bodies.enumerated() where body.isEmpty && r < index.count {
            throw .undefinedRule(names[r])
        }
        var elements: [Grammar.Element] = []
        var alternatives: [[Int]] = []
        for body in bodies {
            var starts: [Int] = []
            for alt in body {
                starts.append(elements.count)
                for s in alt {
                    switch s {
                    case let .chars(c): elements.append(.chars(c))
                    case let .rule(r): elements.append(.rule(r))
                    }
                }
                elements.append(.end)
            }
            alternatives.append(starts)
        }
        var g = Grammar(elements: elements, alternatives: alternatives, ruleNames: names, classes: classes, root: root)
        g.analyse()
        try g.checkLeftRecursion()
        guard g.ruleMinBytes[root] < Grammar.infinite else { throw .admitsNoString }
        g.repetitions = g.findRepetitions()
        return g
    }
}

extension Grammar {
    /// Fills `ruleMinBytes` (a fixpoint) and `suffixMinBytes`.
    mutating func analyse() {
        func add(_ a: Int, _ b: Int) -> Int { min(a + b, Self.infinite) }
        var ruleMin = [Int](repeating: Self.infinite, count: alternatives.count)
        func altMin(_ start: Int) -> Int {
            var total = 0, p = start
            while true {
                switch elements[p] {
                case .end: return total
                case let .chars(c): total = add(total, classes[c].minBytes)
                case let .rule(r): total = add(total, ruleMin[r])
                }
                p += 1
            }
        }
        var changed = true
        while changed {
            changed = false
            for r in alternatives.indices {
                let m = alternatives[r].map(altMin).min() ?? Self.infinite
                if m < ruleMin[r] { ruleMin[r] = m; changed = true }
            }
        }
        ruleMinBytes = ruleMin
        var suffix = [Int](repeating: 0, count: elements.count)
        var p = elements.count - 1
        while p >= 0 {
            switch elements[p] {
            case .end: suffix[p] = 0
            case let .chars(c): suffix[p] = add(classes[c].minBytes, suffix[p + 1])
            case let .rule(r): suffix[p] = add(ruleMin[r], suffix[p + 1])
            }
            p -= 1
        }
        suffixMinBytes = suffix
    }

    /// Refuses rules that reach themselves through rules at the left edge of an alternative whose earlier
    /// elements can all match the empty string.
    func checkLeftRecursion() throws(GrammarError) {
        var leftEdges = [[Int]](repeating: [], count: alternatives.count)
        for (r, starts) in alternatives.enumerated() {
            for start in starts {
                var p = start
                while case let .rule(s) = elements[p] {
                    leftEdges[r].append(s)
                    guard ruleMinBytes[s] == 0 else { break }
                    p += 1
                }
            }
        }
        // Iterative DFS colouring: 0 new, 1 on the path, 2 done.
        var colour = [UInt8](repeating: 0, count: alternatives.count)
        for start in alternatives.indices where colour[start] == 0 {
            var stack: [(Int, Int)] = [(start, 0)]
            colour[start] = 1
            while let (r, k) = stack.last {
                if k < leftEdges[r].count {
                    stack[stack.count - 1].1 += 1
                    let s = leftEdges[r][k]
                    if colour[s] == 1 { throw .leftRecursion(ruleNames[s]) }
                    if colour[s] == 0 { colour[s] = 1; stack.append((s, 0)) }
                } else {
                    colour[r] = 2
                    stack.removeLast()
                }
            }
        }
    }
}
