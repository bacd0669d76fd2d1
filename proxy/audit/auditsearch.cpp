#include "audit/auditsearch.h"

#include "core/timespec.h"

#include <QRegularExpression>
#include <QStringList>

namespace keyward {

namespace {

// `text` as a LIKE pattern matching it anywhere, with `\` as the escape character.
QString containsPattern(const QString &text)
{
    QString escaped;
    escaped.reserve(text.size() + 2);
    escaped += u'%';
    for (const QChar c : text) {
        if (c == u'\\' || c == u'%' || c == u'_')
            escaped += u'\\';
        escaped += c;
    }
    escaped += u'%';
    return escaped;
}

} // namespace

Result<StatusRange> StatusRange::parse(const QString &text)
{
    static const QRegularExpression code(QStringLiteral("^[1-5][0-9][0-9]$"));
    static const QRegularExpression statusClass(QStringLiteral("^[1-5][xX][xX]$"));
    const QString trimmed = text.trimmed();
    if (code.match(trimmed).hasMatch()) {
        const int value = trimmed.toInt();
        return StatusRange{value, value};
    }
    if (statusClass.match(trimmed).hasMatch()) {
        const int hundreds = trimmed.at(0).digitValue() * 100;
        return StatusRange{hundreds, hundreds + 99};
    }
    return Error{QStringLiteral("invalid_filter"),
                 QStringLiteral("'%1' is not an HTTP status: give a code such as 404 or a class such as 4xx").arg(text)};
}

bool AuditSearch::isEmpty() const { return condition().sql.isEmpty(); }

SqlCondition AuditSearch::condition() const
{
    QStringList where;
    QVariantList values;
    if (!service.isEmpty()) {
        where << QStringLiteral("service = ?");
        values << service;
    }
    if (!agent.isEmpty()) {
        where << QStringLiteral("agent = ?");
        values << agent;
    }
    if (!decision.isEmpty()) {
        where << QStringLiteral("decision = ?");
        values << decision;
    }
    if (status) {
        if (status->low == status->high) {
            where << QStringLiteral("status = ?");
            values << status->low;
        } else {
            where << QStringLiteral("status BETWEEN ? AND ?");
            values << status->low << status->high;
        }
    }
    if (from.isValid()) {
        where << QStringLiteral("time >= ?");
        values << formatRfc3339Ms(from);
    }
    if (to.isValid()) {
        where << QStringLiteral("time < ?");
        values << formatRfc3339Ms(to);
    }
    const QString needle = text.trimmed();
    if (!needle.isEmpty()) {
        const QString pattern = containsPattern(needle);
        QStringList any;
        for (const char *column : {"path", "rule", "reason", "agent", "service"}) {
            any << QStringLiteral("%1 LIKE ? ESCAPE '\\'").arg(QLatin1String(column));
            values << pattern;
        }
        where << u'(' + any.join(QStringLiteral(" OR ")) + u')';
    }
    return SqlCondition{where.join(QStringLiteral(" AND ")), values};
}

} // namespace keyward
