#include "clients/unifieddiff.h"

#include <algorithm>
#include <vector>

namespace keyward::clients {

namespace {

constexpr int kContext = 3;
// Above this many cells the middle is shown as removed-then-added instead of aligned.
constexpr size_t kMaxLcsCells = 4'000'000;

std::vector<QByteArray> splitLines(const QByteArray &text)
{
    std::vector<QByteArray> lines;
    qsizetype start = 0;
    while (start < text.size()) {
        const qsizetype end = text.indexOf('\n', start);
        if (end < 0) {
            lines.push_back(text.mid(start));
            break;
        }
        lines.push_back(text.mid(start, end - start + 1));
        start = end + 1;
    }
    return lines;
}

enum class Op { Keep, Remove, Add };
struct Step {
    Op op;
    size_t line; // index in before (Keep, Remove) or after (Add)
};

std::vector<Step> align(const std::vector<QByteArray> &a, const std::vector<QByteArray> &b)
{
    size_t prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix])
        ++prefix;
    size_t suffix = 0;
    while (suffix < a.size() - prefix && suffix < b.size() - prefix && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;
    std::vector<Step> steps;
    for (size_t i = 0; i < prefix; ++i)
        steps.push_back({Op::Keep, i});
    const size_t n = a.size() - prefix - suffix;
    const size_t m = b.size() - prefix - suffix;
    if (n * m <= kMaxLcsCells && n > 0 && m > 0) {
        // lcs[i][j] = LCS length of a[prefix+i..] and b[prefix+j..].
        std::vector<std::vector<unsigned>> lcs(n + 1, std::vector<unsigned>(m + 1, 0));
        for (size_t i = n; i-- > 0;) {
            for (size_t j = m; j-- > 0;) {
                lcs[i][j] = a[prefix + i] == b[prefix + j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[prefix + i] == b[prefix + j]) {
                steps.push_back({Op::Keep, prefix + i});
                ++i;
                ++j;
            } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                steps.push_back({Op::Remove, prefix + i});
                ++i;
            } else {
                steps.push_back({Op::Add, prefix + j});
                ++j;
            }
        }
    } else {
        for (size_t i = 0; i < n; ++i)
            steps.push_back({Op::Remove, prefix + i});
        for (size_t j = 0; j < m; ++j)
            steps.push_back({Op::Add, prefix + j});
    }
    for (size_t i = 0; i < suffix; ++i)
        steps.push_back({Op::Keep, a.size() - suffix + i});
    return steps;
}

QString lineText(char mark, const QByteArray &line)
{
    QString text = QString(QChar::fromLatin1(mark)) + QString::fromUtf8(line);
    if (!line.endsWith('\n'))
        text += QStringLiteral("\n\\ No newline at end of file\n");
    return text;
}

} // namespace

QString unifiedDiff(const QByteArray &before, const QByteArray &after, const QString &label)
{
    if (before == after)
        return {};
    const std::vector<QByteArray> a = splitLines(before);
    const std::vector<QByteArray> b = splitLines(after);
    const std::vector<Step> steps = align(a, b);

    QString out = QStringLiteral("--- a/%1\n+++ b/%1\n").arg(label);
    size_t index = 0;
    while (index < steps.size()) {
        // Find the next change, then grow the hunk while changes are within 2 * kContext lines.
        size_t first = index;
        while (first < steps.size() && steps[first].op == Op::Keep)
            ++first;
        if (first == steps.size())
            break;
        size_t start = first >= size_t(kContext) ? first - kContext : 0;
        start = std::max(start, index);
        size_t end = first;
        size_t keepRun = 0;
        for (size_t k = first; k < steps.size(); ++k) {
            if (steps[k].op == Op::Keep) {
                if (++keepRun > size_t(2 * kContext))
                    break;
            } else {
                keepRun = 0;
                end = k;
            }
        }
        const size_t stop = std::min(steps.size(), end + 1 + kContext);
        // Line numbers (1-based) and counts of the hunk on each side.
        size_t aStart = 0, bStart = 0, aCount = 0, bCount = 0;
        {
            size_t aLine = 0, bLine = 0;
            for (size_t k = 0; k < start; ++k) {
                if (steps[k].op != Op::Add)
                    ++aLine;
                if (steps[k].op != Op::Remove)
                    ++bLine;
            }
            aStart = aLine + 1;
            bStart = bLine + 1;
        }
        QString body;
        for (size_t k = start; k < stop; ++k) {
            switch (steps[k].op) {
            case Op::Keep:
                ++aCount;
                ++bCount;
                body += lineText(' ', a[steps[k].line]);
                break;
            case Op::Remove:
                ++aCount;
                body += lineText('-', a[steps[k].line]);
                break;
            case Op::Add:
                ++bCount;
                body += lineText('+', b[steps[k].line]);
                break;
            }
        }
        out += QStringLiteral("@@ -%1,%2 +%3,%4 @@\n")
                   .arg(aCount == 0 ? aStart - 1 : aStart)
                   .arg(aCount)
                   .arg(bCount == 0 ? bStart - 1 : bStart)
                   .arg(bCount);
        out += body;
        index = stop;
    }
    return out;
}

} // namespace keyward::clients
