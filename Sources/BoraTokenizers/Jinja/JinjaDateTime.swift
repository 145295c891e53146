import Foundation

/// A broken-down local time for `strftime_now`, formatted like Python's `datetime.strftime` in the C
/// locale. Injectable so that rendered prompts are reproducible (transformers uses `datetime.now()`).
struct JinjaDateTime: Sendable {
    var year, month, day, hour, minute, second: Int
    /// 0 = Monday ... 6 = Sunday (Python's `weekday()`).
    var weekday: Int
    var dayOfYear: Int

    init(_ date: Date, timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        year = c.year ?? 1970; month = c.month ?? 1; day = c.day ?? 1
        hour = c.hour ?? 0; minute = c.minute ?? 0; second = c.second ?? 0
        weekday = ((c.weekday ?? 1) + 5) % 7  // Calendar: 1 = Sunday
        dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
    }

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                         "October", "November", "December"]
    static let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    func strftime(_ format: String) throws -> String {
        var out = ""
        var it = format.makeIterator()
        func pad(_ v: Int, _ w: Int = 2) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        while let c = it.next() {
            guard c == "%" else { out.append(c); continue }
            guard var d = it.next() else { out.append("%"); break }
            var noPad = false
            if d == "-", let n = it.next() { noPad = true; d = n }
            func num(_ v: Int, _ w: Int = 2) -> String { noPad ? String(v) : pad(v, w) }
            switch d {
            case "Y": out += String(year)
            case "y": out += num(year % 100)
            case "m": out += num(month)
            case "d": out += num(day)
            case "e": out += noPad ? String(day) : (day < 10 ? " " : "") + String(day)
            case "H": out += num(hour)
            case "I": out += num(hour % 12 == 0 ? 12 : hour % 12)
            case "M": out += num(minute)
            case "S": out += num(second)
            case "p": out += hour < 12 ? "AM" : "PM"
            case "j": out += num(dayOfYear, 3)
            case "B": out += Self.months[month - 1]
            case "b", "h": out += String(Self.months[month - 1].prefix(3))
            case "A": out += Self.days[weekday]
            case "a": out += String(Self.days[weekday].prefix(3))
            case "u": out += String(weekday + 1)
            case "w": out += String((weekday + 1) % 7)
            case "F": out += "\(year)-\(pad(month))-\(pad(day))"
            case "T": out += "\(pad(hour)):\(pad(minute)):\(pad(second))"
            case "D": out += "\(pad(month))/\(pad(day))/\(pad(year % 100))"
            case "%": out += "%"
            default: throw JinjaError.unsupported("unsupported strftime directive '%\(d)'", line: 0)
            }
        }
        return out
    }
}
