#include "clients/edittext.h"

#include <algorithm>
#include <cstdio>

namespace keyward::clients::edittext {

std::string applySplices(const std::string &text, std::vector<Splice> splices)
{
    std::sort(splices.begin(), splices.end(), [](const Splice &a, const Splice &b) { return a.begin < b.begin; });
    std::string out;
    out.reserve(text.size() + 256);
    std::size_t pos = 0;
    for (Splice &splice : splices) {
        // Overlapping deletions (two removed ranges sharing a line break) merge into one.
        if (splice.begin < pos) {
            if (splice.end <= pos) {
                out += splice.text;
                continue;
            }
            splice.begin = pos;
        }
        out.append(text, pos, splice.begin - pos);
        out += splice.text;
        pos = splice.end;
    }
    out.append(text, pos, std::string::npos);
    return out;
}

std::size_t bomLength(const std::string &text)
{
    return text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
}

std::string dominantEol(const std::string &text)
{
    std::size_t crlf = 0;
    std::size_t lf = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n')
            continue;
        if (i > 0 && text[i - 1] == '\r')
            ++crlf;
        else
            ++lf;
    }
    return crlf > lf ? "\r\n" : "\n";
}

LineColumn lineColumnAt(const std::string &text, std::size_t offset)
{
    LineColumn at;
    const std::size_t end = std::min(offset, text.size());
    for (std::size_t i = bomLength(text); i < end; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++at.line;
            at.column = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++at.column;
        }
    }
    return at;
}

int utf8SequenceLength(const std::string &text, std::size_t pos)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char c = byte(pos);
    if (c < 0x80)
        return 1;
    int length = 0;
    unsigned int codePoint = 0;
    if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
        codePoint = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        codePoint = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        codePoint = c & 0x07;
    } else {
        return 0;
    }
    if (pos + length > text.size())
        return 0;
    for (int i = 1; i < length; ++i) {
        const unsigned char next = byte(pos + i);
        if ((next & 0xC0) != 0x80)
            return 0;
        codePoint = (codePoint << 6) | (next & 0x3F);
    }
    if ((length == 3 && codePoint < 0x800) || (length == 4 && (codePoint < 0x10000 || codePoint > 0x10FFFF)))
        return 0;
    if (codePoint >= 0xD800 && codePoint <= 0xDFFF)
        return 0;
    return length;
}

bool isValidUtf8(const std::string &text)
{
    for (std::size_t i = 0; i < text.size();) {
        const int length = utf8SequenceLength(text, i);
        if (length == 0)
            return false;
        i += length;
    }
    return true;
}

std::size_t lineStart(const std::string &text, std::size_t pos)
{
    while (pos > 0 && text[pos - 1] != '\n')
        --pos;
    return pos == 0 ? std::min(bomLength(text), text.size()) : pos;
}

std::size_t lineContentEnd(const std::string &text, std::size_t pos)
{
    const std::size_t newline = text.find('\n', pos);
    if (newline == std::string::npos)
        return text.size();
    return newline > pos && text[newline - 1] == '\r' ? newline - 1 : newline;
}

std::size_t nextLineStart(const std::string &text, std::size_t pos)
{
    const std::size_t newline = text.find('\n', pos);
    return newline == std::string::npos ? text.size() : newline + 1;
}

std::string lineIndent(const std::string &text, std::size_t pos)
{
    const std::size_t begin = lineStart(text, pos);
    std::size_t end = begin;
    while (end < text.size() && (text[end] == ' ' || text[end] == '\t'))
        ++end;
    return text.substr(begin, end - begin);
}

bool onlyIndentBefore(const std::string &text, std::size_t pos)
{
    for (std::size_t i = lineStart(text, pos); i < pos; ++i) {
        if (text[i] != ' ' && text[i] != '\t')
            return false;
    }
    return true;
}

std::string indentUnit(const std::string &text)
{
    std::size_t smallest = 0;
    std::size_t tabs = 0;
    std::size_t spaced = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = pos;
        while (end < text.size() && text[end] == ' ')
            ++end;
        const std::size_t spaces = end - pos;
        if (end < text.size() && text[end] == '\t' && spaces == 0) {
            ++tabs;
        } else if (spaces > 0 && end < text.size() && text[end] != '\n' && text[end] != '\r') {
            ++spaced;
            if (smallest == 0 || spaces < smallest)
                smallest = spaces;
        }
        pos = nextLineStart(text, pos);
    }
    if (tabs > spaced)
        return "\t";
    if (smallest == 0)
        return "  ";
    return std::string(std::min<std::size_t>(smallest, 8), ' ');
}

std::string printableKey(const std::string &key)
{
    std::string out;
    int characters = 0;
    for (std::size_t i = 0; i < key.size() && characters < 64; ++characters) {
        const auto c = static_cast<unsigned char>(key[i]);
        if (c < 0x20 || c == 0x7F || c == '"' || c == '\\') {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
            out += escaped;
            ++i;
            continue;
        }
        const int length = utf8SequenceLength(key, i);
        if (length == 0) {
            out += "\\x";
            char hex[4];
            std::snprintf(hex, sizeof hex, "%02X", c);
            out += hex;
            ++i;
            continue;
        }
        out.append(key, i, length);
        i += length;
    }
    if (characters >= 64)
        out += "...";
    return out;
}

std::string printablePath(const std::vector<std::string> &path)
{
    std::string out;
    for (const std::string &key : path) {
        if (!out.empty())
            out += '.';
        out += printableKey(key);
    }
    return out;
}

std::vector<std::string> writingOrder(const nlohmann::json &object)
{
    static const std::vector<std::string> first = {"type", "command", "path", "args", "env", "cwd", "url", "serverUrl", "headers"};
    std::vector<std::string> keys;
    keys.reserve(object.size());
    for (const std::string &key : first) {
        if (object.contains(key))
            keys.push_back(key);
    }
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (std::find(first.begin(), first.end(), it.key()) == first.end())
            keys.push_back(it.key());
    }
    return keys;
}

Error syntaxError(const std::string &text, std::size_t offset, const std::string &what)
{
    const LineColumn at = lineColumnAt(text, offset);
    return Error{QStringLiteral("config_syntax"),
                 QStringLiteral("line %1, column %2: %3").arg(at.line).arg(at.column).arg(QString::fromStdString(what))};
}

Error duplicateKeyError(const std::string &text, std::size_t offset, const std::string &key)
{
    const LineColumn at = lineColumnAt(text, offset);
    return Error{QStringLiteral("config_syntax"), QStringLiteral("duplicate key \"%1\" at line %2")
                                                      .arg(QString::fromStdString(printableKey(key)))
                                                      .arg(at.line)};
}

Error editFailed(const std::string &message)
{
    return Error{QStringLiteral("edit_failed"), QString::fromStdString(message)};
}

} // namespace keyward::clients::edittext
