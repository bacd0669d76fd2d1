#include "clients/jsoncdocument.h"

#include "clients/edittext.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace keyward::clients::jsonc {

using nlohmann::json;
using namespace edittext;

namespace {

struct SyntaxFailure {
    std::size_t offset;
    std::string what;
    std::string duplicateKey;
    bool duplicate = false;
};

class Parser {
public:
    Parser(const std::string &text, bool jsonc) : m_text(text), m_jsonc(jsonc) {}

    ParsedJson parseDocument()
    {
        ParsedJson parsed;
        m_pos = bomLength(m_text);
        skipTrivia();
        if (m_pos >= m_text.size()) {
            parsed.empty = true;
            parsed.value = json::object();
            return parsed;
        }
        m_parsed = &parsed;
        int object = -1;
        parsed.value = parseValue(0, object);
        parsed.root = object;
        skipTrivia();
        if (m_pos < m_text.size())
            fail(m_pos, "unexpected content after the end of the document");
        return parsed;
    }

private:
    [[noreturn]] void fail(std::size_t offset, const std::string &what) { throw SyntaxFailure{offset, what, {}}; }

    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
    bool atEnd() const { return m_pos >= m_text.size(); }

    void skipTrivia()
    {
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++m_pos;
            } else if (c == '/' && m_pos + 1 < m_text.size() && (m_text[m_pos + 1] == '/' || m_text[m_pos + 1] == '*')) {
                if (!m_jsonc)
                    fail(m_pos, "comments are not allowed in this JSON file");
                if (m_text[m_pos + 1] == '/') {
                    const std::size_t newline = m_text.find('\n', m_pos);
                    m_pos = newline == std::string::npos ? m_text.size() : newline;
                } else {
                    const std::size_t close = m_text.find("*/", m_pos + 2);
                    if (close == std::string::npos)
                        fail(m_pos, "unterminated /* comment");
                    m_pos = close + 2;
                }
            } else {
                return;
            }
        }
    }

    json parseValue(int depth, int &object)
    {
        object = -1;
        if (depth >= kMaxNesting)
            fail(m_pos, "nesting deeper than " + std::to_string(kMaxNesting) + " levels");
        const char c = peek();
        if (c == '{')
            return parseObject(depth, object);
        if (c == '[')
            return parseArray(depth);
        if (c == '"')
            return parseString();
        if (c == '-' || (c >= '0' && c <= '9'))
            return parseNumber();
        if (m_text.compare(m_pos, 4, "true") == 0) {
            m_pos += 4;
            return true;
        }
        if (m_text.compare(m_pos, 5, "false") == 0) {
            m_pos += 5;
            return false;
        }
        if (m_text.compare(m_pos, 4, "null") == 0) {
            m_pos += 4;
            return nullptr;
        }
        if (atEnd())
            fail(m_pos, "the document ends where a value was expected");
        fail(m_pos, "expected a value (an object, array, string, number, true, false or null)");
    }

    json parseObject(int depth, int &objectIndex)
    {
        objectIndex = int(m_parsed->objects.size());
        m_parsed->objects.push_back(ObjectSpan{m_pos, 0, {}});
        json out = json::object();
        ++m_pos;
        skipTrivia();
        if (peek() == '}') {
            m_parsed->objects[objectIndex].close = m_pos++;
            return out;
        }
        while (true) {
            if (peek() != '"') {
                if (atEnd())
                    fail(m_pos, "the document ends inside an object");
                fail(m_pos, "expected a quoted key or '}'");
            }
            MemberSpan member;
            member.keyBegin = m_pos;
            member.key = parseString();
            member.keyEnd = m_pos;
            const auto inserted = out.emplace(member.key, nullptr);
            if (!inserted.second)
                throw SyntaxFailure{member.keyBegin, {}, member.key, true};
            skipTrivia();
            if (peek() != ':')
                fail(m_pos, "expected ':' after the key");
            ++m_pos;
            skipTrivia();
            member.valueBegin = m_pos;
            int child = -1;
            json value = parseValue(depth + 1, child);
            member.valueEnd = m_pos;
            member.object = child;
            inserted.first.value() = std::move(value);
            skipTrivia();
            bool closed = false;
            if (peek() == ',') {
                member.comma = m_pos++;
                skipTrivia();
                if (peek() == '}') {
                    if (!m_jsonc)
                        fail(member.comma, "trailing comma before '}'");
                    closed = true;
                }
            } else if (peek() == '}') {
                closed = true;
            } else if (atEnd()) {
                fail(m_pos, "the document ends inside an object");
            } else {
                fail(m_pos, "expected ',' or '}' after an object member");
            }
            m_parsed->objects[objectIndex].members.push_back(std::move(member));
            if (closed) {
                m_parsed->objects[objectIndex].close = m_pos++;
                return out;
            }
        }
    }

    json parseArray(int depth)
    {
        json out = json::array();
        ++m_pos;
        skipTrivia();
        if (peek() == ']') {
            ++m_pos;
            return out;
        }
        while (true) {
            int child = -1;
            out.push_back(parseValue(depth + 1, child));
            skipTrivia();
            if (peek() == ',') {
                const std::size_t comma = m_pos++;
                skipTrivia();
                if (peek() == ']') {
                    if (!m_jsonc)
                        fail(comma, "trailing comma before ']'");
                    ++m_pos;
                    return out;
                }
            } else if (peek() == ']') {
                ++m_pos;
                return out;
            } else if (atEnd()) {
                fail(m_pos, "the document ends inside an array");
            } else {
                fail(m_pos, "expected ',' or ']' after an array element");
            }
            skipTrivia();
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

    unsigned int parseHex4(std::size_t at)
    {
        if (at + 4 > m_text.size())
            fail(at, "incomplete \\u escape in a string");
        unsigned int value = 0;
        for (std::size_t i = at; i < at + 4; ++i) {
            const int digit = hexValue(m_text[i]);
            if (digit < 0)
                fail(i, "invalid \\u escape in a string");
            value = (value << 4) | unsigned(digit);
        }
        return value;
    }

    static void appendUtf8(std::string &out, unsigned int codePoint)
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

    std::string parseString()
    {
        const std::size_t open = m_pos++;
        std::string out;
        while (true) {
            if (atEnd())
                fail(open, "unterminated string");
            const auto c = static_cast<unsigned char>(m_text[m_pos]);
            if (c == '"') {
                ++m_pos;
                return out;
            }
            if (c < 0x20)
                fail(m_pos, c == '\n' ? "line break inside a string (unterminated string?)" : "control character inside a string");
            if (c == '\\') {
                if (m_pos + 1 >= m_text.size())
                    fail(open, "unterminated string");
                const char escape = m_text[m_pos + 1];
                m_pos += 2;
                switch (escape) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned int codePoint = parseHex4(m_pos);
                    m_pos += 4;
                    if (codePoint >= 0xD800 && codePoint <= 0xDBFF) {
                        if (m_text.compare(m_pos, 2, "\\u") != 0)
                            fail(m_pos, "unpaired surrogate in a \\u escape");
                        const unsigned int low = parseHex4(m_pos + 2);
                        if (low < 0xDC00 || low > 0xDFFF)
                            fail(m_pos, "unpaired surrogate in a \\u escape");
                        m_pos += 6;
                        codePoint = 0x10000 + ((codePoint - 0xD800) << 10) + (low - 0xDC00);
                    } else if (codePoint >= 0xDC00 && codePoint <= 0xDFFF) {
                        fail(m_pos - 6, "unpaired surrogate in a \\u escape");
                    }
                    appendUtf8(out, codePoint);
                    break;
                }
                default:
                    fail(m_pos - 2, "invalid escape in a string");
                }
                continue;
            }
            const int length = utf8SequenceLength(m_text, m_pos);
            if (length == 0)
                fail(m_pos, "invalid UTF-8 in a string");
            out.append(m_text, m_pos, length);
            m_pos += length;
        }
    }

    json parseNumber()
    {
        const std::size_t begin = m_pos;
        const auto digit = [&] { return m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9'; };
        if (peek() == '-')
            ++m_pos;
        if (peek() == '0') {
            ++m_pos;
        } else if (digit()) {
            while (digit())
                ++m_pos;
        } else {
            fail(begin, "invalid number");
        }
        bool integer = true;
        if (peek() == '.') {
            integer = false;
            ++m_pos;
            if (!digit())
                fail(begin, "invalid number");
            while (digit())
                ++m_pos;
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            ++m_pos;
            if (peek() == '+' || peek() == '-')
                ++m_pos;
            if (!digit())
                fail(begin, "invalid number");
            while (digit())
                ++m_pos;
        }
        if (integer) {
            std::int64_t value = 0;
            const auto [end, error] = std::from_chars(m_text.data() + begin, m_text.data() + m_pos, value);
            if (error == std::errc() && end == m_text.data() + m_pos) {
                if (value >= 0)
                    return json(std::uint64_t(value)); // as nlohmann reads non-negative integers
                return json(value);
            }
        }
        json number = json::parse(m_text.begin() + std::ptrdiff_t(begin), m_text.begin() + std::ptrdiff_t(m_pos),
                                  nullptr, false);
        if (number.is_discarded())
            fail(begin, "number out of range");
        return number;
    }

    const std::string &m_text;
    const bool m_jsonc;
    std::size_t m_pos = 0;
    ParsedJson *m_parsed = nullptr;
};

// How new members are written inside one object.
struct Layout {
    bool multiline = true;
    std::string eol = "\n";
    std::string unit = "  ";
    std::string colon = ": ";
    std::string comma = ", ";
};

constexpr std::size_t kMaxInlineArray = 80;

void writeValue(std::string &out, const json &value, const Layout &layout, const std::string &indent);

void writeKey(std::string &out, const std::string &key)
{
    out += json(key).dump(-1, ' ', false, json::error_handler_t::strict);
}

void writeValue(std::string &out, const json &value, const Layout &layout, const std::string &indent)
{
    if (value.is_array() && layout.multiline) {
        // Short arrays of plain values stay on one line, as people write "args".
        const bool plain = std::none_of(value.begin(), value.end(), [](const json &element) {
            return element.is_object() || element.is_array();
        });
        if (plain) {
            Layout oneLine = layout;
            oneLine.multiline = false;
            oneLine.comma = ", ";
            std::string line;
            writeValue(line, value, oneLine, indent);
            if (indent.size() + line.size() <= kMaxInlineArray) {
                out += line;
                return;
            }
        }
    }
    if (value.is_object() || value.is_array()) {
        const bool object = value.is_object();
        if (value.empty()) {
            out += object ? "{}" : "[]";
            return;
        }
        out += object ? '{' : '[';
        const std::string inner = indent + layout.unit;
        const auto separate = [&](bool first) {
            if (!first)
                out += layout.multiline ? std::string(",") : layout.comma;
            if (layout.multiline)
                out += layout.eol + inner;
        };
        if (object) {
            bool first = true;
            for (const std::string &key : writingOrder(value)) {
                separate(first);
                first = false;
                writeKey(out, key);
                out += layout.colon;
                writeValue(out, value.at(key), layout, inner);
            }
        } else {
            for (std::size_t i = 0; i < value.size(); ++i) {
                separate(i == 0);
                writeValue(out, value[i], layout, inner);
            }
        }
        if (layout.multiline)
            out += layout.eol + indent;
        out += object ? '}' : ']';
        return;
    }
    if (value.is_number_float() && !std::isfinite(value.get<double>()))
        throw std::invalid_argument("JSON cannot hold NaN or infinity");
    out += value.dump(-1, ' ', false, json::error_handler_t::strict);
}

std::string serialize(const json &value, const Layout &layout, const std::string &indent)
{
    std::string out;
    writeValue(out, value, layout, indent);
    return out;
}

bool isSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

// From `pos` (just after a value or comma), skips spaces, tabs and comments that stay on the same
// line; returns the line break ending that line, or `pos` when something else follows on it.
std::size_t endOfLineAfter(const std::string &text, std::size_t pos)
{
    std::size_t at = pos;
    while (at < text.size()) {
        if (isSpaceOrTab(text[at])) {
            ++at;
        } else if (text.compare(at, 2, "//") == 0) {
            return lineContentEnd(text, at);
        } else if (text.compare(at, 2, "/*") == 0) {
            const std::size_t close = text.find("*/", at + 2);
            if (close == std::string::npos || text.find('\n', at) < close)
                return pos;
            at = close + 2;
        } else if (text[at] == '\n' || text.compare(at, 2, "\r\n") == 0) {
            return at;
        } else if (text[at] == '\r') {
            ++at; // a lone CR is whitespace, not a line break
        } else {
            return pos;
        }
    }
    return at;
}

bool containsNewline(const std::string &text, std::size_t begin, std::size_t end)
{
    return text.find('\n', begin) < end;
}

Layout layoutFor(const std::string &text, const ParsedJson &document, const ObjectSpan &object)
{
    Layout layout;
    layout.eol = dominantEol(text);
    layout.unit = indentUnit(text);
    // An empty object opens onto lines of its own unless the whole document is on one line.
    const ObjectSpan &root = document.objects[std::size_t(document.root)];
    const bool compactDocument = !root.members.empty() && !containsNewline(text, root.open, root.close);
    layout.multiline = object.members.empty() ? !compactDocument : containsNewline(text, object.open, object.close);
    if (!layout.multiline && !object.members.empty()) {
        const MemberSpan &first = object.members.front();
        const bool spaced = first.valueBegin > first.keyEnd + 1;
        layout.colon = spaced ? ": " : ":";
        layout.comma = spaced ? ", " : ",";
    }
    return layout;
}

// The path `path[from..]` as nested objects around `value`.
json nest(const std::vector<std::string> &path, std::size_t from, const json &value)
{
    json out = value;
    for (std::size_t i = path.size(); i-- > from + 1;)
        out = json{{path[i], std::move(out)}};
    return out;
}

// Splices that add `key: value` as the last member of `object`.
std::vector<Splice> insertMember(const std::string &text, const ParsedJson &document, const ObjectSpan &object,
                                 const std::string &key, const json &value)
{
    const Layout layout = layoutFor(text, document, object);
    const std::string parentIndent = lineIndent(text, object.open);
    std::string member;
    if (object.members.empty()) {
        const std::string indent = parentIndent + layout.unit;
        member = layout.multiline ? layout.eol + indent : std::string();
        writeKey(member, key);
        member += layout.colon + serialize(value, layout, indent);
        if (!layout.multiline)
            return {Splice{object.close, object.close, member}};
        const std::size_t afterOpen = endOfLineAfter(text, object.open + 1);
        if (afterOpen != object.open + 1 || containsNewline(text, object.open, object.close))
            return {Splice{afterOpen, afterOpen, member}};
        // "{}" or "{ /* c */ }": the closing brace goes on a line of its own.
        return {Splice{object.close, object.close, member + layout.eol + parentIndent}};
    }
    const MemberSpan &last = object.members.back();
    std::vector<Splice> splices;
    const bool trailingComma = last.comma != npos;
    const std::size_t afterLast = trailingComma ? last.comma + 1 : last.valueEnd;
    if (!trailingComma)
        splices.push_back(Splice{last.valueEnd, last.valueEnd, ","});
    if (!layout.multiline) {
        member = layout.comma.substr(1);
        writeKey(member, key);
        member += layout.colon + serialize(value, layout, parentIndent);
        if (trailingComma)
            member += ",";
        if (trailingComma)
            splices.push_back(Splice{afterLast, afterLast, member});
        else
            splices.back().text += member;
        return splices;
    }
    const std::string indent =
        onlyIndentBefore(text, last.keyBegin) ? lineIndent(text, last.keyBegin) : parentIndent + layout.unit;
    member = layout.eol + indent;
    writeKey(member, key);
    member += layout.colon + serialize(value, layout, indent);
    if (trailingComma)
        member += ",";
    const std::size_t at = endOfLineAfter(text, afterLast);
    if (at == last.valueEnd && !trailingComma)
        splices.back().text += member;
    else
        splices.push_back(Splice{at, at, member});
    return splices;
}

// Splices that remove member `index` of `object`, with its comma and, when it has lines of its
// own, those lines.
std::vector<Splice> removeMember(const std::string &text, const ObjectSpan &object, std::size_t index)
{
    const MemberSpan &member = object.members[index];
    const bool last = index + 1 == object.members.size();
    std::vector<Splice> splices;
    const std::size_t afterMember = member.comma != npos ? member.comma + 1 : member.valueEnd;
    const std::size_t lineEnd = endOfLineAfter(text, afterMember);
    const bool ownLines = onlyIndentBefore(text, member.keyBegin) && lineEnd < text.size() &&
                          (text[lineEnd] == '\n' || text.compare(lineEnd, 2, "\r\n") == 0) &&
                          containsNewline(text, object.open, object.close);
    if (object.members.size() == 1) {
        // The only member: when nothing but whitespace would remain, the object becomes "{}".
        std::string rest = text.substr(object.open + 1, member.keyBegin - object.open - 1) +
                           text.substr(afterMember, object.close - afterMember);
        if (rest.find_first_not_of(" \t\r\n") == std::string::npos)
            return {Splice{object.open + 1, object.close, ""}};
    }
    if (member.comma == npos && index > 0) {
        const MemberSpan &previous = object.members[index - 1];
        splices.push_back(Splice{previous.comma, previous.comma + 1, ""});
    }
    if (ownLines) {
        splices.push_back(Splice{lineStart(text, member.keyBegin), nextLineStart(text, lineEnd), ""});
        return splices;
    }
    const MemberSpan *previous = index > 0 ? &object.members[index - 1] : nullptr;
    const std::size_t afterPrevious = previous ? (previous->comma != npos ? previous->comma + 1 : previous->valueEnd) : 0;
    if (last && previous && onlyIndentBefore(text, member.keyBegin) &&
        text.find_first_not_of(" \t\r\n", afterPrevious) == member.keyBegin) {
        // The last member starts a line but the closing brace follows it there: take the line
        // break before it (nothing but blanks since the previous member), as an insertion there
        // added it.
        std::size_t begin = lineStart(text, member.keyBegin);
        if (begin > 0 && text[begin - 1] == '\n') {
            --begin;
            if (begin > 0 && text[begin - 1] == '\r')
                --begin;
        }
        splices.push_back(Splice{begin, afterMember, ""});
        return splices;
    }
    // On a line shared with other members: the member, its comma and the blanks after it.
    std::size_t begin = member.keyBegin;
    std::size_t end = afterMember;
    if (member.comma != npos && !last) {
        while (end < text.size() && isSpaceOrTab(text[end]))
            ++end;
    } else {
        while (begin > object.open + 1 && isSpaceOrTab(text[begin - 1]))
            --begin;
    }
    splices.push_back(Splice{begin, end, ""});
    return splices;
}

const MemberSpan *findMember(const ObjectSpan &object, const std::string &key, std::size_t *index = nullptr)
{
    for (std::size_t i = 0; i < object.members.size(); ++i) {
        if (object.members[i].key == key) {
            if (index)
                *index = i;
            return &object.members[i];
        }
    }
    return nullptr;
}

std::string newDocument(const std::string &text, const std::vector<std::string> &path, const json &value)
{
    Layout layout;
    layout.eol = dominantEol(text);
    json root = json::object();
    root[path.front()] = nest(path, 0, value);
    std::string out = serialize(root, layout, "") + layout.eol;
    const std::size_t bom = bomLength(text);
    const std::size_t content = text.find_first_not_of(" \t\r\n", bom);
    if (content == std::string::npos)
        return text.substr(0, bom) + out;
    // Only comments (JSONC): keep them above the new document.
    std::string kept = text;
    if (kept.back() != '\n')
        kept += layout.eol;
    return kept + out;
}

} // namespace

Result<ParsedJson> parse(const std::string &text, bool jsonc)
{
    try {
        Parser parser(text, jsonc);
        return parser.parseDocument();
    } catch (const SyntaxFailure &failure) {
        if (failure.duplicate)
            return duplicateKeyError(text, failure.offset, failure.duplicateKey);
        return syntaxError(text, failure.offset, failure.what);
    }
}

Result<std::string> setLeaf(const std::string &text, const ParsedJson &document, const std::vector<std::string> &path,
                            const json &value)
{
    try {
        if (document.empty)
            return newDocument(text, path, value);
        if (document.root < 0)
            return editFailed("cannot set " + printablePath(path) + ": the top level of the file is not an object");
        int object = document.root;
        for (std::size_t i = 0; i < path.size(); ++i) {
            const ObjectSpan &span = document.objects[std::size_t(object)];
            const MemberSpan *member = findMember(span, path[i]);
            if (!member)
                return applySplices(text, insertMember(text, document, span, path[i], nest(path, i, value)));
            if (i + 1 == path.size()) {
                const Layout layout = layoutFor(text, document, span);
                const std::string indent = onlyIndentBefore(text, member->keyBegin)
                                               ? lineIndent(text, member->keyBegin)
                                               : lineIndent(text, span.open) + layout.unit;
                return applySplices(text, {Splice{member->valueBegin, member->valueEnd, serialize(value, layout, indent)}});
            }
            if (member->object < 0)
                return editFailed("cannot set " + printablePath(path) + ": \"" + printableKey(path[i]) +
                                  "\" at line " + std::to_string(lineColumnAt(text, member->keyBegin).line) +
                                  " is not an object");
            object = member->object;
        }
    } catch (const std::exception &) {
        return editFailed("cannot set " + printablePath(path) +
                          ": the new value cannot be written as JSON (invalid UTF-8, NaN or infinity)");
    }
    return editFailed("cannot set an empty key path");
}

std::string removeLeaf(const std::string &text, const ParsedJson &document, const std::vector<std::string> &path)
{
    if (document.empty || document.root < 0 || path.empty())
        return text;
    int object = document.root;
    for (std::size_t i = 0; i < path.size(); ++i) {
        const ObjectSpan &span = document.objects[std::size_t(object)];
        std::size_t index = 0;
        const MemberSpan *member = findMember(span, path[i], &index);
        if (!member)
            return text;
        if (i + 1 == path.size())
            return applySplices(text, removeMember(text, span, index));
        if (member->object < 0)
            return text;
        object = member->object;
    }
    return text;
}

} // namespace keyward::clients::jsonc
