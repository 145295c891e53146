import BoraEngine
import Testing

/// `bora run`'s line editing as a state machine: key sequences in, line and cursor out.
@Suite struct LineEditorTests {
    /// Feeds terminal bytes through the decoder and editor; returns the outcomes that are not `.editing`.
    @discardableResult
    func type(_ bytes: [UInt8], into editor: inout LineEditor) -> [LineEditor.Outcome] {
        var decoder = KeyDecoder()
        return decoder.feed(bytes).map { editor.handle($0) }.filter { $0 != .editing }
    }

    static let esc: UInt8 = 0x1B
    static let left: [UInt8] = [esc, 0x5B, 0x44], right: [UInt8] = [esc, 0x5B, 0x43]
    static let up: [UInt8] = [esc, 0x5B, 0x41], down: [UInt8] = [esc, 0x5B, 0x42]
    static let home: [UInt8] = [esc, 0x5B, 0x48], end: [UInt8] = [esc, 0x4F, 0x46], delete: [UInt8] = [esc, 0x5B, 0x33, 0x7E]

    @Test func editsInTheMiddle() {
        var e = LineEditor()
        type(Array("helo".utf8) + Self.left + Array("l".utf8), into: &e)
        #expect(e.line == "hello" && e.cursor == 4)
        type(Self.home + Array(">".utf8) + Self.end + Array("!".utf8), into: &e)
        #expect(e.line == ">hello!" && e.cursor == 7)
        type([0x01] + Self.delete + [0x05, 0x7F], into: &e)  // Ctrl-A, Delete, Ctrl-E, Backspace
        #expect(e.line == "hello" && e.cursor == 5)
        type(Self.left + Self.left + [0x0B], into: &e)  // Ctrl-K
        #expect(e.line == "hel" && e.cursor == 3)
        type(Self.right + Self.right, into: &e)  // stops at the end
        #expect(e.cursor == 3)
        #expect(type([0x0D], into: &e) == [.submit("hel")])
        #expect(e.line.isEmpty && e.cursor == 0)
    }

    @Test func killsWordsAndLines() {
        var e = LineEditor()
        type(Array("tell me  a joke".utf8) + [0x17], into: &e)  // Ctrl-W
        #expect(e.line == "tell me  a ")
        type([0x17], into: &e)
        #expect(e.line == "tell me  ")
        type(Self.left + Self.left + [0x15], into: &e)  // Ctrl-U kills before the cursor
        #expect(e.line == "  " && e.cursor == 0)
    }

    @Test func historyKeepsTheDraft() {
        var e = LineEditor(history: ["first"])
        #expect(type(Array("second\r".utf8), into: &e) == [.submit("second")])
        type(Array("draft".utf8) + Self.up, into: &e)
        #expect(e.line == "second")
        type(Self.up + Self.up, into: &e)  // stops at the oldest
        #expect(e.line == "first" && e.cursor == 5)
        type(Self.down, into: &e)
        #expect(e.line == "second")
        type(Self.down, into: &e)
        #expect(e.line == "draft")
        type(Self.down, into: &e)
        #expect(e.line == "draft")
        // Blank lines and repeats are not recorded.
        type(Array("\r".utf8) + Self.up + Array("\r".utf8), into: &e)
        #expect(e.history == ["first", "second", "draft"])
    }

    @Test func controlKeys() {
        var e = LineEditor()
        #expect(type([0x04], into: &e) == [.endOfInput])  // Ctrl-D on an empty line
        type(Array("ab".utf8) + Self.left + [0x04], into: &e)  // elsewhere it deletes
        #expect(e.line == "a")
        #expect(type([0x03], into: &e) == [.interrupt])
        #expect(e.line.isEmpty)
    }

    @Test func decoderHandlesUTF8AndSplitSequences() {
        var d = KeyDecoder()
        let text = Array("héllo 🙂".utf8)
        #expect(d.feed(Array(text[0..<2])) == [.text("h")])  // half of é waits
        #expect(d.feed(Array(text[2...])) == [.text("éllo 🙂")])
        #expect(d.feed([Self.esc]) == [])
        #expect(d.feed([0x5B]) == [])
        #expect(d.feed([0x44, 0x0D]) == [.left, .enter])
        #expect(d.feed([Self.esc, 0x5B, 0x31, 0x7E, Self.esc, 0x5B, 0x34, 0x7E]) == [.home, .end])
    }

    @Test func multiLinePrompts() {
        var p = PromptAssembler()
        #expect(p.add("one \\") == nil && p.isContinuing)
        #expect(p.add("two") == "one \ntwo" && !p.isContinuing)
        #expect(p.add("\"\"\"") == nil)
        #expect(p.add("a") == nil && p.add("") == nil && p.add("b \\") == nil)
        #expect(p.add("\"\"\"") == "a\n\nb \\")
        #expect(p.add("\"\"\"inline\"\"\"") == "inline")
        #expect(p.add("plain") == "plain")
    }
}
