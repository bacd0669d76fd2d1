#include "clients/tomlscanner.h"

#include "clients/edittext.h"

#include <algorithm>
#include <set>
#include <unordered_set>

namespace keyward::clients::tomlfile {

using namespace edittext;

bool isBareKeyChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool startsWith(const KeyPath &path, const KeyPath &prefix)
{
    return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

namespace {

struct SyntaxFailure {
    std::size_t offset;
    std::string what;
    std::string duplicateKey;
    bool duplicate = false;
};

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// A path as one string that tells ["a.b"] from ["a", "b"].
std::string pathKey(const KeyPath &path)
{
    std::string out;
    for (const std::string &key : path) {
        out += std::to_string(key.size());
        out += ':';
        out += key;
    }
    return out;
}

// Reads the layout of a TOML text: headers, key/value lines and the extent of every value. It
// accepts every valid TOML 1.0 document; finer checks (types, dates, table redefinitions) are left
// to toml++, which parses the text after it.
class Scanner {
public:
    // With `findDuplicates`, a key or table defined twice is an error (toml++ finds those too,
    // but its message does not name the key).
    Scanner(const std::string &text, bool findDuplicates) : m_text(text), m_findDuplicates(findDuplicates) {}

    Layout scan()
    {
        m_pos = bomLength(m_text);
        while (m_pos < m_text.size()) {
            skipSpaces();
            if (atEnd())
                break;
            const char c = m_text[m_pos];
            if (c == '\n') {
                ++m_pos;
                continue;
            }
            if (c == '\r') {
                if (m_text.compare(m_pos, 2, "\r\n") != 0)
                    fail(m_pos, "carriage return without a line feed");
                m_pos += 2;
                continue;
            }
            if (c == '#') {
                skipComment();
                continue;
            }
            if (c == '[')
                scanHeader();
            else
                scanStatement();
        }
        return std::move(m_layout);
    }

private:
    [[noreturn]] void fail(std::size_t offset, const std::string &what) { throw SyntaxFailure{offset, what, {}}; }
    [[noreturn]] void duplicate(std::size_t offset, const std::string &key)
    {
        throw SyntaxFailure{offset, {}, key, true};
    }

    bool atEnd() const { return m_pos >= m_text.size(); }
    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }

    void skipSpaces()
    {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t'))
            ++m_pos;
    }

    void skipComment()
    {
        const std::size_t newline = m_text.find('\n', m_pos);
        m_pos = newline == std::string::npos ? m_text.size() : newline;
        if (m_pos > 0 && m_pos < m_text.size() && m_text[m_pos - 1] == '\r')
            --m_pos;
    }

    // Spaces, line breaks and comments (between array elements).
    void skipBlank()
    {
        while (!atEnd()) {
            const char c = m_text[m_pos];
            if (c == ' ' || c == '\t' || c == '\n') {
                ++m_pos;
            } else if (c == '\r' && m_text.compare(m_pos, 2, "\r\n") == 0) {
                m_pos += 2;
            } else if (c == '#') {
                skipComment();
            } else {
                return;
            }
        }
    }

    // After a header or a value: spaces, an optional comment and the line break. Returns the end
    // of the line's content.
    std::size_t endOfLine()
    {
        skipSpaces();
        if (peek() == '#')
            skipComment();
        const std::size_t contentEnd = m_pos;
        if (atEnd())
            return contentEnd;
        if (m_text[m_pos] == '\n')
            ++m_pos;
        else if (m_text.compare(m_pos, 2, "\r\n") == 0)
            m_pos += 2;
        else
            fail(m_pos, "expected the end of the line");
        return contentEnd;
    }

    bool underArrayTable(const KeyPath &path) const
    {
        for (const KeyPath &array : m_arrayTables) {
            if (startsWith(path, array))
                return true;
        }
        return false;
    }

    void checkDepth(const KeyPath &path, std::size_t at)
    {
        if (path.size() > std::size_t(kMaxNesting))
            fail(at, "keys nested deeper than " + std::to_string(kMaxNesting) + " levels");
    }

    void scanHeader()
    {
        Section section;
        section.headerBegin = lineStart(m_text, m_pos);
        const std::size_t open = m_pos;
        section.arrayTable = m_text.compare(m_pos, 2, "[[") == 0;
        m_pos += section.arrayTable ? 2 : 1;
        skipSpaces();
        section.path = scanKey();
        checkDepth(section.path, open);
        skipSpaces();
        if (section.arrayTable ? m_text.compare(m_pos, 2, "]]") != 0 : peek() != ']')
            fail(m_pos, section.arrayTable ? "expected ']]' to close the array of tables header" : "expected ']' to close the table header");
        m_pos += section.arrayTable ? 2 : 1;
        section.headerContentEnd = endOfLine();
        if (section.arrayTable) {
            m_arrayTables.push_back(section.path);
        } else if (m_findDuplicates && !underArrayTable(section.path)) {
            if (!m_tables.insert(pathKey(section.path)).second)
                duplicate(open, "[" + printablePath(section.path) + "]");
        }
        m_currentPath = section.path;
        m_current = int(m_layout.sections.size());
        m_layout.sections.push_back(std::move(section));
    }

    void scanStatement()
    {
        Statement statement;
        statement.section = m_current;
        statement.lineBegin = lineStart(m_text, m_pos);
        const std::size_t keyBegin = m_pos;
        statement.key = scanKey();
        statement.path = m_currentPath;
        statement.path.insert(statement.path.end(), statement.key.begin(), statement.key.end());
        checkDepth(statement.path, keyBegin);
        skipSpaces();
        if (peek() != '=')
            fail(m_pos, "expected '=' after the key");
        ++m_pos;
        skipSpaces();
        statement.valueBegin = m_pos;
        statement.inlineTable = scanValue(int(statement.path.size()));
        statement.valueEnd = m_pos;
        statement.contentEnd = endOfLine();
        if (m_findDuplicates && !underArrayTable(statement.path)) {
            if (!m_values.insert(pathKey(statement.path)).second)
                duplicate(keyBegin, printablePath(statement.key));
        }
        if (m_current >= 0)
            m_layout.sections[std::size_t(m_current)].statements.push_back(int(m_layout.statements.size()));
        m_layout.statements.push_back(std::move(statement));
    }

    KeyPath scanKey()
    {
        KeyPath parts;
        while (true) {
            skipSpaces();
            const char c = peek();
            if (c == '"') {
                if (m_text.compare(m_pos, 3, "\"\"\"") == 0)
                    fail(m_pos, "a key cannot be a multi-line string");
                parts.push_back(scanBasicString());
            } else if (c == '\'') {
                if (m_text.compare(m_pos, 3, "'''") == 0)
                    fail(m_pos, "a key cannot be a multi-line string");
                parts.push_back(scanLiteralString());
            } else if (isBareKeyChar(c)) {
                const std::size_t begin = m_pos;
                while (!atEnd() && isBareKeyChar(m_text[m_pos]))
                    ++m_pos;
                parts.push_back(m_text.substr(begin, m_pos - begin));
            } else {
                fail(m_pos, atEnd() ? "the file ends where a key was expected" : "expected a key");
            }
            skipSpaces();
            if (peek() != '.')
                return parts;
            ++m_pos;
        }
    }

    static int hexValue(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    static void appendUtf8(std::string &out, unsigned long codePoint)
    {
        if (codePoint < 0x80) {
            out += char(codePoint);
        } else if (codePoint < 0x800) {
            out += char(0xC0 | (codePoint >> 6));
            out += char(0x80 | (codePoint & 0x3F));
        } else if (codePoint < 0x10000) {
            out += char(0xE0 | (codePoint >> 12));
            out += char(0x80 | ((codePoint >> 6) & 0x3F));
            out += char(0x80 | (codePoint & 0x3F));
        } else {
            out += char(0xF0 | (codePoint >> 18));
            out += char(0x80 | ((codePoint >> 12) & 0x3F));
            out += char(0x80 | ((codePoint >> 6) & 0x3F));
            out += char(0x80 | (codePoint & 0x3F));
        }
    }

    // A single-line basic string, decoded.
    std::string scanBasicString()
    {
        const std::size_t open = m_pos++;
        std::string out;
        while (true) {
            if (atEnd() || m_text[m_pos] == '\n' || m_text[m_pos] == '\r')
                fail(open, "unterminated string");
            const char c = m_text[m_pos];
            if (c == '"') {
                ++m_pos;
                return out;
            }
            if (c != '\\') {
                out += c;
                ++m_pos;
                continue;
            }
            const char escape = m_pos + 1 < m_text.size() ? m_text[m_pos + 1] : '\0';
            m_pos += 2;
            switch (escape) {
            case 'b': out += '\b'; break;
            case 't': out += '\t'; break;
            case 'n': out += '\n'; break;
            case 'f': out += '\f'; break;
            case 'r': out += '\r'; break;
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case 'u':
            case 'U': {
                const std::size_t digits = escape == 'u' ? 4 : 8;
                unsigned long codePoint = 0;
                for (std::size_t i = 0; i < digits; ++i) {
                    const int digit = m_pos + i < m_text.size() ? hexValue(m_text[m_pos + i]) : -1;
                    if (digit < 0)
                        fail(m_pos - 2, "invalid unicode escape in a string");
                    codePoint = (codePoint << 4) | unsigned(digit);
                }
                if (codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
                    fail(m_pos - 2, "invalid unicode escape in a string");
                m_pos += digits;
                appendUtf8(out, codePoint);
                break;
            }
            default:
                fail(m_pos - 2, "invalid escape in a string");
            }
        }
    }

    std::string scanLiteralString()
    {
        const std::size_t open = m_pos++;
        const std::size_t begin = m_pos;
        while (!atEnd() && m_text[m_pos] != '\'' && m_text[m_pos] != '\n' && m_text[m_pos] != '\r')
            ++m_pos;
        if (peek() != '\'')
            fail(open, "unterminated string");
        return m_text.substr(begin, m_pos++ - begin);
    }

    // After the closing delimiter of a multi-line string, up to two more quotes belong to it.
    void closeMultiline(char quote)
    {
        m_pos += 3;
        for (int extra = 0; extra < 2 && peek() == quote; ++extra)
            ++m_pos;
    }

    void scanMultilineBasic()
    {
        const std::size_t open = m_pos;
        m_pos += 3;
        while (true) {
            if (atEnd())
                fail(open, "unterminated multi-line string");
            if (m_text[m_pos] == '\\') {
                m_pos += 2;
            } else if (m_text.compare(m_pos, 3, "\"\"\"") == 0) {
                closeMultiline('"');
                return;
            } else {
                ++m_pos;
            }
        }
    }

    void scanMultilineLiteral()
    {
        const std::size_t close = m_text.find("'''", m_pos + 3);
        if (close == std::string::npos)
            fail(m_pos, "unterminated multi-line string");
        m_pos = close;
        closeMultiline('\'');
    }

    // Returns the index of the inline table when the value is one, else -1.
    int scanValue(int depth)
    {
        if (depth > kMaxNesting)
            fail(m_pos, "nesting deeper than " + std::to_string(kMaxNesting) + " levels");
        const char c = peek();
        if (c == '"') {
            if (m_text.compare(m_pos, 3, "\"\"\"") == 0)
                scanMultilineBasic();
            else
                scanBasicString();
        } else if (c == '\'') {
            if (m_text.compare(m_pos, 3, "'''") == 0)
                scanMultilineLiteral();
            else
                scanLiteralString();
        } else if (c == '[') {
            scanArray(depth);
        } else if (c == '{') {
            return scanInlineTable(depth);
        } else {
            scanBareValue();
        }
        return -1;
    }

    void scanArray(int depth)
    {
        ++m_pos;
        while (true) {
            skipBlank();
            if (peek() == ']') {
                ++m_pos;
                return;
            }
            if (atEnd())
                fail(m_pos, "the file ends inside an array");
            scanValue(depth + 1);
            skipBlank();
            if (peek() == ',') {
                ++m_pos;
            } else if (peek() == ']') {
                ++m_pos;
                return;
            } else {
                fail(m_pos, atEnd() ? "the file ends inside an array" : "expected ',' or ']' in an array");
            }
        }
    }

    int scanInlineTable(int depth)
    {
        const int index = int(m_layout.inlineTables.size());
        m_layout.inlineTables.push_back(InlineTable{m_pos, 0, {}});
        ++m_pos;
        skipSpaces();
        if (peek() == '}') {
            m_layout.inlineTables[std::size_t(index)].close = m_pos++;
            return index;
        }
        std::set<KeyPath> keys;
        while (true) {
            const std::size_t keyBegin = m_pos;
            KeyPath key = scanKey();
            InlineMember member{key, keyBegin, 0, 0, -1};
            checkDepth(key, keyBegin);
            if (!keys.insert(key).second)
                duplicate(keyBegin, printablePath(key));
            skipSpaces();
            if (peek() != '=')
                fail(m_pos, "expected '=' after the key");
            ++m_pos;
            skipSpaces();
            member.valueBegin = m_pos;
            member.inlineTable = scanValue(depth + int(key.size()));
            member.valueEnd = m_pos;
            m_layout.inlineTables[std::size_t(index)].members.push_back(std::move(member));
            skipSpaces();
            if (peek() == ',') {
                ++m_pos;
                skipSpaces();
            } else if (peek() == '}') {
                m_layout.inlineTables[std::size_t(index)].close = m_pos++;
                return index;
            } else {
                fail(m_pos, atEnd() || peek() == '\n' || peek() == '\r' ? "an inline table must close on the line it opens"
                                                                         : "expected ',' or '}' in an inline table");
            }
        }
    }

    // Numbers, booleans, dates and times: up to the next separator. A date followed by a space
    // and a digit continues as a date-time.
    void scanBareValue()
    {
        const std::size_t begin = m_pos;
        const auto separator = [](char c) {
            return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ']' || c == '}' || c == '#' ||
                   c == '[' || c == '{' || c == '=' || c == '"' || c == '\'';
        };
        while (!atEnd() && !separator(m_text[m_pos]))
            ++m_pos;
        if (m_pos == begin)
            fail(m_pos, atEnd() ? "the file ends where a value was expected" : "expected a value");
        const bool date = m_pos - begin == 10 && isDigit(m_text[begin]) && m_text[begin + 4] == '-' &&
                          m_text[begin + 7] == '-';
        if (date && peek() == ' ' && m_pos + 1 < m_text.size() && isDigit(m_text[m_pos + 1])) {
            ++m_pos;
            while (!atEnd() && !separator(m_text[m_pos]))
                ++m_pos;
        }
    }

    const std::string &m_text;
    const bool m_findDuplicates;
    std::size_t m_pos = 0;
    Layout m_layout;
    int m_current = -1;
    KeyPath m_currentPath;
    std::unordered_set<std::string> m_tables; // encoded paths (pathKey)
    std::unordered_set<std::string> m_values;
    std::vector<KeyPath> m_arrayTables;
};

} // namespace

Result<Layout> scanLayout(const std::string &text, bool findDuplicates)
{
    try {
        Scanner scanner(text, findDuplicates);
        return scanner.scan();
    } catch (const SyntaxFailure &failure) {
        if (failure.duplicate)
            return duplicateKeyError(text, failure.offset, failure.duplicateKey);
        return syntaxError(text, failure.offset, failure.what);
    }
}

} // namespace keyward::clients::tomlfile
