#include "cli/output.h"

#include <algorithm>

#include <cstdio>

namespace keyward::cli {

namespace {
void writeLine(FILE *stream, const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
    std::fputc('\n', stream);
    std::fflush(stream);
}
} // namespace

void Output::line(const QString &text) const { writeLine(stdout, text.toUtf8()); }

void Output::table(const QList<QStringList> &rows) const
{
    if (rows.isEmpty())
        return;
    QList<qsizetype> widths(rows.first().size() - 1, 0);
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < widths.size(); ++i)
            widths[i] = std::max(widths[i], row.at(i).size());
    }
    for (const QStringList &row : rows) {
        QString text;
        for (qsizetype i = 0; i < widths.size(); ++i)
            text += row.at(i).leftJustified(widths[i] + 2);
        text += row.last();
        while (text.endsWith(u' '))
            text.chop(1);
        line(text);
    }
}

void Output::object(const nlohmann::json &value) const
{
    writeLine(stdout, QByteArray::fromStdString(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

void Output::message(const QString &text) const { writeLine(stderr, text.toUtf8()); }

int Output::error(const QString &code, const QString &text, int exitCode) const
{
    if (m_json)
        object({{"error", {{"code", code.toStdString()}, {"message", text.toStdString()}}}});
    else
        message(QStringLiteral("keyward: ") + text);
    return exitCode;
}

int Output::usageError(const QString &text) const
{
    if (!m_json)
        return error(QStringLiteral("usage"), text + QStringLiteral(" (see keyward --help)"), ExitUsage);
    return error(QStringLiteral("usage"), text, ExitUsage);
}

} // namespace keyward::cli
