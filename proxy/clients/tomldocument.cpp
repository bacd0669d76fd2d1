#include "clients/tomldocument.h"

#include "clients/edittext.h"

#include <toml++/toml.h>

#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_set>

namespace keyward::clients::tomlfile {

using nlohmann::json;
using namespace edittext;

namespace {

struct SyntaxFailure {
    std::size_t offset;
    std::string what;
    std::string duplicateKey;
    bool duplicate = false;
};

bool isBareKeyChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool startsWith(const KeyPath &path, const KeyPath &prefix)
{
    return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

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

json toJson(const ::toml::node &node)
{
    switch (node.type()) {
    case ::toml::node_type::table: {
        json out = json::object();
        for (const auto &[key, value] : *node.as_table())
            out[std::string(key.str())] = toJson(value);
        return out;
    }
    case ::toml::node_type::array: {
        json out = json::array();
        for (const auto &element : *node.as_array())
            out.push_back(toJson(element));
        return out;
    }
    case ::toml::node_type::string:
        return node.as_string()->get();
    case ::toml::node_type::integer:
        return node.as_integer()->get();
    case ::toml::node_type::floating_point:
        return node.as_floating_point()->get();
    case ::toml::node_type::boolean:
        return node.as_boolean()->get();
    case ::toml::node_type::date: {
        std::ostringstream out;
        out << *node.as_date();
        return out.str();
    }
    case ::toml::node_type::time: {
        std::ostringstream out;
        out << *node.as_time();
        return out.str();
    }
    case ::toml::node_type::date_time: {
        std::ostringstream out;
        out << *node.as_date_time();
        return out.str();
    }
    default:
        return nullptr;
    }
}

// toml++'s description without anything it quotes longer than one character, which could be a
// piece of a value.
std::string sanitizedDescription(std::string_view description)
{
    std::string out;
    for (std::size_t i = 0; i < description.size(); ++i) {
        const char c = description[i];
        if (c == '\'' || c == '"') {
            const std::size_t close = description.find(c, i + 1);
            if (close != std::string_view::npos && close - i > 2) {
                out += "(...)";
                i = close;
                continue;
            }
        }
        out += c;
    }
    return out;
}

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

// ---- writing TOML ----

struct UnwritableValue {
    std::string why;
};

std::string renderString(const std::string &value)
{
    if (!isValidUtf8(value))
        throw UnwritableValue{"a string is not valid UTF-8"};
    std::string out = "\"";
    for (const char c : value) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\f': out += "\\f"; break;
        case '\r': out += "\\r"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04X", static_cast<unsigned char>(c));
                out += escaped;
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

std::string renderKey(const std::string &key)
{
    if (!key.empty() && std::all_of(key.begin(), key.end(), isBareKeyChar))
        return key;
    return renderString(key);
}

std::string renderPath(const KeyPath &path)
{
    std::string out;
    for (const std::string &key : path) {
        if (!out.empty())
            out += '.';
        out += renderKey(key);
    }
    return out;
}

std::string renderValue(const json &value)
{
    switch (value.type()) {
    case json::value_t::string:
        return renderString(value.get<std::string>());
    case json::value_t::boolean:
        return value.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
        return std::to_string(value.get<std::int64_t>());
    case json::value_t::number_unsigned: {
        const auto number = value.get<std::uint64_t>();
        if (number > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
            throw UnwritableValue{"an integer does not fit in TOML's 64-bit signed integers"};
        return std::to_string(number);
    }
    case json::value_t::number_float: {
        const double number = value.get<double>();
        if (std::isnan(number))
            return "nan";
        if (std::isinf(number))
            return number > 0 ? "inf" : "-inf";
        std::string out = value.dump();
        if (out.find_first_of(".eE") == std::string::npos)
            out += ".0";
        return out;
    }
    case json::value_t::array: {
        std::string out = "[";
        for (std::size_t i = 0; i < value.size(); ++i)
            out += (i ? ", " : "") + renderValue(value[i]);
        return out + "]";
    }
    case json::value_t::object: {
        if (value.empty())
            return "{}";
        std::string out = "{ ";
        bool first = true;
        for (const std::string &key : writingOrder(value)) {
            out += (first ? "" : ", ") + renderKey(key) + " = " + renderValue(value.at(key));
            first = false;
        }
        return out + " }";
    }
    default:
        throw UnwritableValue{"TOML has no null"};
    }
}

std::string renderStatement(const KeyPath &key, const json &value)
{
    return renderPath(key) + " = " + renderValue(value);
}

bool isTable(const json &value) { return value.is_object() && !value.empty(); }

// `[path]` with the value's plain keys, then a `[path.sub]` section for each non-empty object.
std::string renderSection(const KeyPath &path, const json &value, const std::string &eol)
{
    std::string out = "[" + renderPath(path) + "]";
    const std::vector<std::string> keys = writingOrder(value);
    for (const std::string &key : keys) {
        if (!isTable(value.at(key)))
            out += eol + renderStatement({key}, value.at(key));
    }
    for (const std::string &key : keys) {
        if (!isTable(value.at(key)))
            continue;
        KeyPath child = path;
        child.push_back(key);
        out += eol + eol + renderSection(child, value.at(key), eol);
    }
    return out;
}

// ---- finding things in the layout ----

std::size_t sectionContentEnd(const Layout &layout, const Section &section)
{
    std::size_t end = section.headerContentEnd;
    for (const int index : section.statements)
        end = std::max(end, layout.statements[std::size_t(index)].contentEnd);
    return end;
}

bool isBlank(const std::string &text, std::size_t begin, std::size_t end)
{
    for (std::size_t i = begin; i < end; ++i) {
        if (text[i] != ' ' && text[i] != '\t')
            return false;
    }
    return true;
}

// The end of the content of the last non-blank line before the line starting at `begin`, or npos.
std::size_t previousContentEnd(const std::string &text, std::size_t begin)
{
    const std::size_t bom = bomLength(text);
    std::size_t line = begin;
    while (line > bom) {
        const std::size_t previousBegin = std::max(lineStart(text, line - 1), bom);
        const std::size_t previousEnd = lineContentEnd(text, previousBegin);
        if (!isBlank(text, previousBegin, previousEnd))
            return previousEnd;
        line = previousBegin;
    }
    return std::string::npos;
}

// The end of the last non-blank line of the file, or npos for a blank file.
std::size_t lastContentEnd(const std::string &text)
{
    const std::size_t last = text.find_last_not_of(" \t\r\n");
    if (last == std::string::npos || last < bomLength(text))
        return std::string::npos;
    return lineContentEnd(text, last);
}

const Statement *exactStatement(const Layout &layout, const KeyPath &path)
{
    for (const Statement &statement : layout.statements) {
        if (statement.path == path)
            return &statement;
    }
    return nullptr;
}

const Statement *prefixStatement(const Layout &layout, const KeyPath &path)
{
    for (const Statement &statement : layout.statements) {
        if (statement.path.size() < path.size() && startsWith(path, statement.path))
            return &statement;
    }
    return nullptr;
}

int exactSection(const Layout &layout, const KeyPath &path)
{
    for (std::size_t i = 0; i < layout.sections.size(); ++i) {
        if (!layout.sections[i].arrayTable && layout.sections[i].path == path)
            return int(i);
    }
    return -1;
}

const Section *arrayTableOn(const Layout &layout, const KeyPath &path)
{
    for (const Section &section : layout.sections) {
        if (section.arrayTable && startsWith(path, section.path))
            return &section;
    }
    return nullptr;
}

// The last statement that defines table `path` through a dotted key in a section above it.
const Statement *dottedDefinition(const Layout &layout, const KeyPath &path)
{
    const Statement *found = nullptr;
    for (const Statement &statement : layout.statements) {
        const KeyPath &sectionPath =
            statement.section < 0 ? KeyPath{} : layout.sections[std::size_t(statement.section)].path;
        if (sectionPath.size() < path.size() && statement.path.size() > path.size() && startsWith(statement.path, path))
            found = &statement;
    }
    return found;
}

std::vector<const Section *> sectionsUnder(const Layout &layout, const KeyPath &prefix)
{
    std::vector<const Section *> found;
    for (const Section &section : layout.sections) {
        if (startsWith(section.path, prefix))
            found.push_back(&section);
    }
    return found;
}

// Adds `line` as the last statement of section `index` (-1: the top of the file).
Splice appendStatement(const std::string &text, const Layout &layout, int index, const std::string &line)
{
    const std::string eol = dominantEol(text);
    const std::vector<int> *statements = nullptr;
    std::vector<int> rootStatements;
    if (index >= 0) {
        statements = &layout.sections[std::size_t(index)].statements;
    } else {
        for (std::size_t i = 0; i < layout.statements.size(); ++i) {
            if (layout.statements[i].section < 0)
                rootStatements.push_back(int(i));
        }
        statements = &rootStatements;
    }
    if (!statements->empty()) {
        const Statement &last = layout.statements[std::size_t(statements->back())];
        return Splice{last.contentEnd, last.contentEnd, eol + lineIndent(text, last.lineBegin) + line};
    }
    if (index >= 0) {
        const std::size_t at = layout.sections[std::size_t(index)].headerContentEnd;
        return Splice{at, at, eol + line};
    }
    if (!layout.sections.empty()) {
        const std::size_t at = layout.sections.front().headerBegin;
        return Splice{at, at, line + eol + eol};
    }
    const std::size_t end = lastContentEnd(text);
    if (end == std::string::npos) {
        const std::size_t bom = bomLength(text);
        return Splice{bom, bom, line + eol};
    }
    return Splice{end, end, eol + line};
}

// Adds a new section after the last section whose path shares the longest prefix with `path`
// (after everything else when none does).
Splice appendSection(const std::string &text, const Layout &layout, const KeyPath &path, const std::string &rendered)
{
    const std::string eol = dominantEol(text);
    for (std::size_t length = path.size() - 1; length >= 1; --length) {
        const auto related = sectionsUnder(layout, KeyPath(path.begin(), path.begin() + long(length)));
        if (!related.empty()) {
            const std::size_t at = sectionContentEnd(layout, *related.back());
            return Splice{at, at, eol + eol + rendered};
        }
    }
    const std::size_t end = lastContentEnd(text);
    if (end == std::string::npos) {
        const std::size_t bom = bomLength(text);
        return Splice{bom, bom, rendered + eol};
    }
    return Splice{end, end, eol + eol + rendered};
}

// Bytes to delete for statement `statement`: its lines and their line break.
Splice removeStatement(const std::string &text, const Statement &statement)
{
    const std::size_t next = nextLineStart(text, statement.contentEnd);
    if (next > statement.contentEnd || statement.lineBegin <= bomLength(text))
        return Splice{statement.lineBegin, next, ""};
    // The last line of a file without a final line break: take the break before it instead.
    std::size_t begin = statement.lineBegin - 1;
    if (begin > 0 && text[begin - 1] == '\r')
        --begin;
    return Splice{begin, statement.contentEnd, ""};
}

// Bytes to delete for a whole section: from the end of the content before its header (so the
// blank line separating it goes too) to the end of its last statement.
Splice removeSection(const std::string &text, const Layout &layout, const Section &section)
{
    const std::size_t end = sectionContentEnd(layout, section);
    const std::size_t before = previousContentEnd(text, section.headerBegin);
    if (before != std::string::npos)
        return Splice{before, end, ""};
    return Splice{section.headerBegin, nextLineStart(text, end), ""};
}

// `value` nested under the keys `path[from..]`.
json nest(const KeyPath &path, std::size_t from, const json &value)
{
    json out = value;
    for (std::size_t i = path.size(); i-- > from;)
        out = json{{path[i], std::move(out)}};
    return out;
}

// Splices that set `relative` inside inline table `index` to `value`, keeping the other
// members as written; nullopt when dotted keys inside it make that unclear.
std::optional<std::vector<Splice>> setInInline(const Layout &layout, int index, const KeyPath &relative,
                                               const json &value)
{
    const InlineTable &table = layout.inlineTables[std::size_t(index)];
    for (const InlineMember &member : table.members) {
        if (member.key.front() != relative.front())
            continue;
        if (member.key.size() > 1)
            return std::nullopt;
        if (relative.size() == 1)
            return std::vector<Splice>{Splice{member.valueBegin, member.valueEnd, renderValue(value)}};
        if (member.inlineTable < 0)
            return std::nullopt;
        return setInInline(layout, member.inlineTable, KeyPath(relative.begin() + 1, relative.end()), value);
    }
    const std::string added = renderKey(relative.front()) + " = " + renderValue(nest(relative, 1, value));
    if (table.members.empty())
        return std::vector<Splice>{Splice{table.open + 1, table.close, " " + added + " "}};
    const std::size_t at = table.members.back().valueEnd;
    return std::vector<Splice>{Splice{at, at, ", " + added}};
}

// Splices that remove `relative` from inline table `index` (none when it is not there);
// nullopt when dotted keys inside it make that unclear.
std::optional<std::vector<Splice>> removeFromInline(const Layout &layout, int index, const KeyPath &relative)
{
    const InlineTable &table = layout.inlineTables[std::size_t(index)];
    for (std::size_t i = 0; i < table.members.size(); ++i) {
        const InlineMember &member = table.members[i];
        if (member.key.front() != relative.front())
            continue;
        if (member.key.size() > 1)
            return std::nullopt;
        if (relative.size() > 1) {
            if (member.inlineTable < 0)
                return std::vector<Splice>{};
            return removeFromInline(layout, member.inlineTable, KeyPath(relative.begin() + 1, relative.end()));
        }
        if (i > 0)
            return std::vector<Splice>{Splice{table.members[i - 1].valueEnd, member.valueEnd, ""}};
        if (table.members.size() > 1)
            return std::vector<Splice>{Splice{member.keyBegin, table.members[1].keyBegin, ""}};
        return std::vector<Splice>{Splice{table.open + 1, table.close, ""}};
    }
    return std::vector<Splice>{};
}

json valueAt(const json &document, const KeyPath &path)
{
    const json *current = &document;
    for (const std::string &key : path)
        current = &current->at(key);
    return *current;
}

Error unwritable(const KeyPath &path, const UnwritableValue &why)
{
    return editFailed("cannot set " + printablePath(path) + ": " + why.why);
}

} // namespace

Result<ParsedToml> parse(const std::string &text)
{
    auto layout = scanLayout(text, false);
    if (!layout)
        return layout.error();
    auto value = parseValue(text);
    if (!value)
        return value.error();
    return ParsedToml{std::move(value.value()), std::move(layout.value())};
}

Result<nlohmann::json> parseValue(const std::string &text)
{
    try {
        // toml++ skips one BOM itself, as the scanner does.
        const ::toml::table table = ::toml::parse(std::string_view(text));
        return toJson(table);
    } catch (const ::toml::parse_error &error) {
        // A key defined twice gets a message naming it.
        auto duplicates = scanLayout(text, true);
        if (!duplicates)
            return duplicates.error();
        return Error{QStringLiteral("config_syntax"), QStringLiteral("line %1, column %2: %3")
                                                          .arg(error.source().begin.line)
                                                          .arg(error.source().begin.column)
                                                          .arg(QString::fromStdString(sanitizedDescription(error.description())))};
    }
}

Result<std::string> setLeaf(const std::string &text, const ParsedToml &parsed, const KeyPath &path, const json &value)
{
    const Layout &layout = parsed.layout;
    const json &document = parsed.value;
    if (const Section *array = arrayTableOn(layout, path))
        return editFailed("cannot set " + printablePath(path) + ": [[" + printablePath(array->path) +
                          "]] is an array of tables, which Keyward does not edit");
    try {
        if (const Statement *statement = exactStatement(layout, path))
            return applySplices(text, {Splice{statement->valueBegin, statement->valueEnd, renderValue(value)}});
        if (const Statement *statement = prefixStatement(layout, path)) {
            if (statement->inlineTable >= 0) {
                const KeyPath relative(path.begin() + long(statement->path.size()), path.end());
                if (const auto splices = setInInline(layout, statement->inlineTable, relative, value))
                    return applySplices(text, *splices);
            }
            // Inside an inline table with dotted keys: write the whole inline table again.
            json inlineValue = valueAt(document, statement->path);
            json *current = &inlineValue;
            for (std::size_t i = statement->path.size(); i + 1 < path.size(); ++i)
                current = &(*current)[path[i]];
            (*current)[path.back()] = value;
            return applySplices(text, {Splice{statement->valueBegin, statement->valueEnd, renderValue(inlineValue)}});
        }
        const KeyPath parent(path.begin(), path.end() - 1);
        const json *existing = nullptr;
        {
            const json *current = &document;
            for (const std::string &key : path) {
                const auto it = current->find(key);
                if (it == current->end()) {
                    current = nullptr;
                    break;
                }
                current = &*it;
            }
            existing = current;
        }
        if (existing) {
            // A table (a section, dotted keys or implied by deeper headers) becomes another value.
            auto removed = removeLeaf(text, parsed, path);
            if (!removed)
                return removed.error();
            if (removed.value() == text)
                return editFailed("cannot set " + printablePath(path) + ": Keyward could not find where the table is written");
            auto reparsed = parse(removed.value());
            if (!reparsed)
                return editFailed("cannot set " + printablePath(path) + ": removing the table it replaces failed (" +
                                  reparsed.error().message.toStdString() + ")");
            return setLeaf(removed.value(), reparsed.value(), path, value);
        }
        const std::string eol = dominantEol(text);
        const Statement *dotted = parent.empty() ? nullptr : dottedDefinition(layout, parent);
        if (dotted) {
            // The parent is written as dotted keys (`server.command = ...`): add one more.
            const KeyPath &sectionPath =
                dotted->section < 0 ? KeyPath{} : layout.sections[std::size_t(dotted->section)].path;
            const KeyPath key(path.begin() + long(sectionPath.size()), path.end());
            const Splice splice{dotted->contentEnd, dotted->contentEnd,
                                eol + lineIndent(text, dotted->lineBegin) + renderStatement(key, value)};
            return applySplices(text, {splice});
        }
        if (isTable(value))
            return applySplices(text, {appendSection(text, layout, path, renderSection(path, value, eol))});
        const std::string line = renderStatement({path.back()}, value);
        if (parent.empty())
            return applySplices(text, {appendStatement(text, layout, -1, line)});
        const int section = exactSection(layout, parent);
        if (section >= 0)
            return applySplices(text, {appendStatement(text, layout, section, line)});
        const auto children = sectionsUnder(layout, parent);
        if (!children.empty()) {
            // The parent is only implied by `[parent.child]` headers: give it its own header first.
            const std::size_t at = children.front()->headerBegin;
            return applySplices(text, {Splice{at, at, "[" + renderPath(parent) + "]" + eol + line + eol + eol}});
        }
        return applySplices(text, {appendSection(text, layout, parent, "[" + renderPath(parent) + "]" + eol + line)});
    } catch (const UnwritableValue &why) {
        return unwritable(path, why);
    } catch (const json::exception &) {
        return editFailed("cannot set " + printablePath(path) + ": a key on the way is not a table");
    }
}

Result<std::string> removeLeaf(const std::string &text, const ParsedToml &parsed, const KeyPath &path)
{
    const Layout &layout = parsed.layout;
    const json &document = parsed.value;
    if (path.empty())
        return text;
    if (const Statement *statement = exactStatement(layout, path))
        return applySplices(text, {removeStatement(text, *statement)});
    try {
        if (const Statement *statement = prefixStatement(layout, path)) {
            if (statement->inlineTable >= 0) {
                const KeyPath relative(path.begin() + long(statement->path.size()), path.end());
                if (const auto splices = removeFromInline(layout, statement->inlineTable, relative))
                    return splices->empty() ? text : applySplices(text, *splices);
            }
            json inlineValue = valueAt(document, statement->path);
            json *current = &inlineValue;
            for (std::size_t i = statement->path.size(); i + 1 < path.size(); ++i) {
                const auto it = current->find(path[i]);
                if (it == current->end() || !it->is_object())
                    return text;
                current = &*it;
            }
            if (!current->contains(path.back()))
                return text;
            current->erase(path.back());
            return applySplices(text, {Splice{statement->valueBegin, statement->valueEnd, renderValue(inlineValue)}});
        }
    } catch (const UnwritableValue &why) {
        return unwritable(path, why);
    } catch (const json::exception &) {
        return text;
    }
    // A table: every section under it and every dotted key that defines part of it elsewhere.
    std::vector<Splice> splices;
    std::vector<bool> removedSection(layout.sections.size(), false);
    for (std::size_t i = 0; i < layout.sections.size(); ++i) {
        if (startsWith(layout.sections[i].path, path)) {
            removedSection[i] = true;
            splices.push_back(removeSection(text, layout, layout.sections[i]));
        }
    }
    for (const Statement &statement : layout.statements) {
        if (startsWith(statement.path, path) && (statement.section < 0 || !removedSection[std::size_t(statement.section)]))
            splices.push_back(removeStatement(text, statement));
    }
    if (splices.empty())
        return text;
    return applySplices(text, splices);
}

} // namespace keyward::clients::tomlfile
