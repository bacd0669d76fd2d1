#include "core/names.h"

#include <QRegularExpression>

namespace keyward {

bool isValidName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9][a-z0-9_-]{0,63}$"));
    return pattern.match(name).hasMatch();
}

QString foldToName(const QString &label)
{
    QString folded;
    bool pendingDash = false;
    for (const QChar c : label.toLower()) {
        const bool keep = (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'_' || c == u'-';
        if (!keep || c == u'-') {
            pendingDash = !folded.isEmpty();
            continue;
        }
        if (pendingDash)
            folded += u'-';
        pendingDash = false;
        folded += c;
    }
    while (folded.startsWith(u'_'))
        folded.remove(0, 1);
    folded.truncate(64);
    while (folded.endsWith(u'-'))
        folded.chop(1);
    return folded.isEmpty() ? QStringLiteral("unknown") : folded;
}

} // namespace keyward
